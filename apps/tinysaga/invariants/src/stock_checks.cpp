// Stock: each product's count against its movements, and each order's reservation against
// the order and its release.

#include <map>
#include <set>
#include <string>

#include "checks.h"
#include "inventory/domain/stock.h"

namespace tinysaga::invariants::internal {
namespace {

struct StockTotals {
  Total supplied;  // INITIAL + RESTOCK + ADJUST deltas
  Total taken;     // -(RESERVE + RELEASE deltas): what orders hold
};

std::string DescribeMovement(const MovementRow& row) {
  return row.kind + " " + std::to_string(row.id) + " (" + (row.delta > 0 ? "+" : "") +
         std::to_string(row.delta) + " of " + row.product_id + ")";
}

}  // namespace

void CheckProducts(const Snapshot& snapshot, const Index& index, Findings& findings,
                   Summary& summary) {
  std::map<std::string, StockTotals> by_product;
  for (const MovementRow* row : index.movements) {
    const auto kind = *inventory::ParseMovementKind(row->kind);  // well-formed in the index
    const bool for_order =
        kind == inventory::MovementKind::kReserve || kind == inventory::MovementKind::kRelease;
    StockTotals& totals = by_product[row->product_id];
    (for_order ? totals.taken : totals.supplied).Add(for_order ? -row->delta : row->delta);
  }
  Total available_all;
  Total taken_all;
  Total supplied_all;
  std::set<std::string> known;
  for (const ProductRow& product : snapshot.products) {
    known.insert(product.product_id);
    const std::string subject = "product " + product.product_id;
    const StockTotals& totals = by_product[product.product_id];
    available_all.Add(product.available_count);
    taken_all.Add(totals.taken.value());
    supplied_all.Add(totals.supplied.value());
    if (product.available_count < 0) {
      findings.Add(ViolationKind::kNegative, subject,
                   "available count " + std::to_string(product.available_count) + " is negative");
    }
    Total accounted;
    accounted.Add(product.available_count);
    accounted.Add(totals.taken.value());
    if (accounted.value() != totals.supplied.value()) {
      findings.Add(ViolationKind::kStockNotConserved, subject,
                   "available " + std::to_string(product.available_count) + " + taken by orders " +
                       std::to_string(totals.taken.value()) + " = " +
                       std::to_string(accounted.value()) +
                       ", but initial + restocks - adjustments = " +
                       std::to_string(totals.supplied.value()));
    }
  }
  for (const auto& [product_id, totals] : by_product) {
    if (known.contains(product_id)) continue;
    findings.Add(ViolationKind::kStockNotConserved, "product " + product_id,
                 "stock movements (supplied " + std::to_string(totals.supplied.value()) +
                     ", taken " + std::to_string(totals.taken.value()) +
                     ") for a product that does not exist");
  }
  if (available_all.overflowed() || taken_all.overflowed() || supplied_all.overflowed()) {
    findings.Add(ViolationKind::kMalformedRow, "stock", "the counts overflow a 64-bit sum");
  }
  summary.products = static_cast<int64_t>(snapshot.products.size());
  summary.stock_available = available_all.value();
  summary.stock_taken = taken_all.value();
  summary.stock_supplied = supplied_all.value();
}

void CheckOrderStock(const OrderFacts& facts, Findings& findings) {
  const std::string subject = OrderSubject(facts.order_id);
  bool duplicated = false;
  for (const auto* rows : {&facts.reserves, &facts.releases}) {
    if (rows->size() < 2) continue;
    std::string text;
    for (const MovementRow* row : *rows)
      text += (text.empty() ? "" : ", ") + DescribeMovement(*row);
    findings.Add(ViolationKind::kDuplicateEffect, subject,
                 "stock moved " + std::to_string(rows->size()) + " times for the order: " + text);
    duplicated = true;
  }
  if (duplicated) return;
  const MovementRow* reserve = facts.reserves.empty() ? nullptr : facts.reserves.front();
  const MovementRow* release = facts.releases.empty() ? nullptr : facts.releases.front();
  if (release && !reserve && release->delta != 0) {
    findings.Add(ViolationKind::kReservation, subject,
                 DescribeMovement(*release) + " gives back stock the order never reserved");
  }
  if (release && reserve &&
      (release->product_id != reserve->product_id || release->delta != -reserve->delta)) {
    findings.Add(ViolationKind::kReservation, subject,
                 DescribeMovement(*release) + " does not give back " + DescribeMovement(*reserve));
  }
  const OrderRow* order = facts.order;
  if (reserve && order &&
      (reserve->product_id != order->product_id || -reserve->delta != order->quantity)) {
    findings.Add(ViolationKind::kReservation, subject,
                 DescribeMovement(*reserve) + " but the order is for " +
                     std::to_string(order->quantity) + " of " + order->product_id);
  }
}

}  // namespace tinysaga::invariants::internal
