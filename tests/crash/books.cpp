#include "books.h"

#include <soci/soci.h>

#include <algorithm>
#include <functional>
#include <utility>

namespace tinysaga::crash {
namespace {

// The statuses of an order that holds its payment and its stock.
constexpr const char* kPlacedStatuses = "('PLACED', 'ON_WAY', 'DELIVERED')";

Result<int64_t> Count(storage::Db& db, const std::string& sql) {
  return db.Read<int64_t>([&](soci::session& session) -> Result<int64_t> {
    long long value = 0;
    session << sql, soci::into(value);
    return static_cast<int64_t>(value);
  });
}

// Counts by two columns of `sql` (SELECT a, b, COUNT(*) ... GROUP BY a, b), each key made by
// `label` from the two values.
Result<std::map<std::string, int64_t>> CountsBy(
    storage::Db& db, const std::string& sql,
    const std::function<std::string(const std::string&, const std::string&)>& label) {
  return db.Read<std::map<std::string, int64_t>>(
      [&](soci::session& session) -> Result<std::map<std::string, int64_t>> {
        std::map<std::string, int64_t> counts;
        std::string first, second;
        long long count = 0;
        soci::statement select =
            (session.prepare << sql, soci::into(first), soci::into(second), soci::into(count));
        select.execute();
        while (select.fetch()) counts[label(first, second)] = count;
        return counts;
      });
}

// "FAILED (insufficient funds)" -> count.
Result<std::map<std::string, int64_t>> Outcomes(storage::Db& orders) {
  return CountsBy(orders,
                  "SELECT status, status_info, COUNT(*) FROM orders "
                  "GROUP BY status, status_info ORDER BY status, status_info",
                  [](const std::string& status, const std::string& info) {
                    return status + (info.empty() ? "" : " (" + info + ")");
                  });
}

// The rows of a two-column query: first column -> second (numbers as text are fine too).
Result<std::map<std::string, int64_t>> Pairs(storage::Db& db, const std::string& sql) {
  return db.Read<std::map<std::string, int64_t>>(
      [&](soci::session& session) -> Result<std::map<std::string, int64_t>> {
        std::map<std::string, int64_t> rows;
        std::string key;
        long long value = 0;
        soci::statement select = (session.prepare << sql, soci::into(key), soci::into(value));
        select.execute();
        while (select.fetch()) rows[key] = value;
        return rows;
      });
}

// Inventory DB: each product's supply and availability; Order DB: the units placed orders hold.
Result<std::vector<ProductStock>> Stock(storage::Db& inventory, storage::Db& orders) {
  TS_ASSIGN_OR_RETURN(
      auto supplied,
      Pairs(inventory,
            "SELECT p.product_id, (SELECT COALESCE(SUM(m.delta), 0) FROM stock_movements m "
            "WHERE m.product_id = p.product_id AND m.kind IN ('INITIAL', 'RESTOCK', 'ADJUST')) "
            "FROM products p"));
  TS_ASSIGN_OR_RETURN(auto available,
                      Pairs(inventory, "SELECT product_id, available_count FROM products"));
  TS_ASSIGN_OR_RETURN(auto placed,
                      Pairs(orders,
                            "SELECT product_id, COALESCE(SUM(quantity), 0) FROM orders "
                            "WHERE status IN " +
                                std::string(kPlacedStatuses) + " GROUP BY product_id"));
  std::vector<ProductStock> stock;
  for (const auto& [product_id, count] : available) {
    const auto units = placed.find(product_id);
    stock.push_back(
        {product_id, supplied[product_id], count, units == placed.end() ? 0 : units->second});
  }
  return stock;
}

Result<std::map<std::string, int64_t>> Sagas(storage::Db& sagas) {
  return CountsBy(
      sagas,
      "SELECT saga_type, status, COUNT(*) FROM sagas "
      "GROUP BY saga_type, status ORDER BY saga_type, status",
      [](const std::string& type, const std::string& status) { return type + " " + status; });
}

// The values of a one-column query, in order.
Result<std::vector<std::string>> Column(storage::Db& db, const std::string& sql) {
  return db.Read<std::vector<std::string>>(
      [&](soci::session& session) -> Result<std::vector<std::string>> {
        std::vector<std::string> values;
        std::string value;
        soci::statement select = (session.prepare << sql, soci::into(value));
        select.execute();
        while (select.fetch()) values.push_back(value);
        return values;
      });
}

// An id as an SQL string literal (ids are [A-Za-z0-9_-], but quotes are doubled anyway).
std::string Literal(const std::string& id) {
  std::string text = "'";
  for (char c : id) text += c == '\'' ? std::string("''") : std::string(1, c);
  return text + "'";
}

std::string Join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string text;
  for (const auto& part : parts) text += (text.empty() ? "" : separator) + part;
  return text;
}

}  // namespace

bool Unsettled::settled() const {
  return paying_orders == 0 && initiated_paid == 0 && cancels_pending == 0 &&
         pending_payments == 0 && queued_refunds == 0 && running_sagas == 0;
}

std::string Unsettled::ToString() const {
  const std::pair<const char*, int64_t> parts[] = {
      {"orders PAYMENT_PENDING or PAYMENT_DONE", paying_orders},
      {"orders INITIATED with a payment", initiated_paid},
      {"cancels pending", cancels_pending},
      {"payments PENDING", pending_payments},
      {"refunds queued", queued_refunds},
      {"sagas running", running_sagas}};
  std::string text;
  for (const auto& [what, count] : parts) {
    if (count != 0)
      text += (text.empty() ? "" : ", ") + std::string(what) + " " + std::to_string(count);
  }
  return text.empty() ? "nothing" : text;
}

Result<std::unique_ptr<Books>> Books::Open(const std::string& db_template, bool with_sagas) {
  auto open = [&](const std::string& service) -> Result<std::unique_ptr<storage::Db>> {
    const std::string url = storage::DbUrlFor(db_template, service);
    // Db::Open would create a missing SQLite file: the test reads what `up` made.
    if (url.starts_with("sqlite:") && !std::filesystem::exists(url.substr(7)))
      return MakeError(Errc::kNotFound, "no " + url.substr(7));
    return storage::Db::Open(storage::DbOptions{.url = url, .pool_size = 1});
  };
  std::unique_ptr<Books> books(new Books());
  TS_ASSIGN_OR_RETURN(books->order_, open("order"));
  TS_ASSIGN_OR_RETURN(books->payment_, open("payment"));
  TS_ASSIGN_OR_RETURN(books->wallet_, open("wallet"));
  TS_ASSIGN_OR_RETURN(books->inventory_, open("inventory"));
  if (with_sagas) {
    TS_ASSIGN_OR_RETURN(books->saga_, open("orchestrator"));
  }
  return books;
}

Result<int64_t> Books::CountFinishedOrders() {
  return Count(*order_,
               "SELECT COUNT(*) FROM orders WHERE status IN ('PLACED', 'ON_WAY', 'DELIVERED', "
               "'FAILED', 'CANCELED')");
}

Result<std::map<std::string, std::vector<std::string>>> Books::InitiatedOrdersPayments() {
  TS_ASSIGN_OR_RETURN(const auto initiated,
                      Column(*order_, "SELECT order_id FROM orders WHERE status = 'INITIATED'"));
  std::map<std::string, std::vector<std::string>> payments;
  if (initiated.empty()) return payments;
  std::vector<std::string> literals;
  for (const auto& order_id : initiated) {
    payments[order_id];
    literals.push_back(Literal(order_id));
  }
  const std::string sql =
      "SELECT order_id, payment_status FROM transactions WHERE type = 'PAYMENT' AND order_id IN "
      "(" +
      Join(literals, ", ") + ")";
  TS_RETURN_IF_ERROR(payment_->Read<int>([&](soci::session& session) -> Result<int> {
    std::string order_id, status;
    soci::statement select = (session.prepare << sql, soci::into(order_id), soci::into(status));
    select.execute();
    while (select.fetch()) payments[order_id].push_back(status);
    return 0;
  }));
  return payments;
}

Result<Unsettled> Books::ReadUnsettled() {
  Unsettled unsettled;
  TS_ASSIGN_OR_RETURN(
      unsettled.paying_orders,
      Count(*order_,
            "SELECT COUNT(*) FROM orders WHERE status IN ('PAYMENT_PENDING', 'PAYMENT_DONE')"));
  TS_ASSIGN_OR_RETURN(const auto initiated, InitiatedOrdersPayments());
  for (const auto& [order_id, statuses] : initiated) {
    if (std::any_of(statuses.begin(), statuses.end(),
                    [](const std::string& status) { return status != "FAILED"; }))
      ++unsettled.initiated_paid;
  }
  TS_ASSIGN_OR_RETURN(unsettled.cancels_pending,
                      Count(*order_,
                            "SELECT COUNT(*) FROM orders WHERE status = 'PLACED' AND "
                            "cancel_requested_at_ms IS NOT NULL"));
  TS_ASSIGN_OR_RETURN(
      unsettled.pending_payments,
      Count(*payment_, "SELECT COUNT(*) FROM transactions WHERE payment_status = 'PENDING'"));
  TS_ASSIGN_OR_RETURN(unsettled.queued_refunds,
                      Count(*payment_, "SELECT COUNT(*) FROM refund_requests"));
  if (saga_) {
    TS_ASSIGN_OR_RETURN(
        unsettled.running_sagas,
        Count(*saga_, "SELECT COUNT(*) FROM sagas WHERE status IN ('RUNNING', 'COMPENSATING')"));
  }
  return unsettled;
}

Result<std::string> Books::DescribeUnsettledOrders(int limit) {
  TS_ASSIGN_OR_RETURN(const auto initiated, InitiatedOrdersPayments());
  std::vector<std::string> literals;
  for (const auto& [order_id, statuses] : initiated) {
    if (std::any_of(statuses.begin(), statuses.end(),
                    [](const std::string& status) { return status != "FAILED"; }))
      literals.push_back(Literal(order_id));
  }
  const std::string initiated_paid =
      literals.empty() ? "" : " OR order_id IN (" + Join(literals, ", ") + ")";
  TS_ASSIGN_OR_RETURN(
      const auto unsettled,
      Column(*order_,
             "SELECT order_id || ' ' || status FROM orders WHERE status IN "
             "('PAYMENT_PENDING', 'PAYMENT_DONE') OR (status = 'PLACED' AND "
             "cancel_requested_at_ms IS NOT NULL)" +
                 initiated_paid + " ORDER BY order_id LIMIT " + std::to_string(limit)));
  std::string text;
  for (const std::string& order : unsettled) {
    const std::string order_id = order.substr(0, order.find(' '));
    const std::string id = Literal(order_id);
    TS_ASSIGN_OR_RETURN(const auto history,
                        Column(*order_, "SELECT status FROM order_history WHERE order_id = " + id +
                                            " ORDER BY id"));
    TS_ASSIGN_OR_RETURN(const auto payment,
                        Column(*payment_,
                               "SELECT transaction_id || ' ' || payment_status || "
                               "COALESCE(' ' || failure_reason, '') FROM transactions "
                               "WHERE order_id = " +
                                   id + " AND type = 'PAYMENT'"));
    std::vector<std::string> sagas;
    if (saga_) {
      TS_ASSIGN_OR_RETURN(sagas, Column(*saga_,
                                        "SELECT saga_id || ' ' || saga_type || ' ' || "
                                        "status FROM sagas WHERE order_id = " +
                                            id + " ORDER BY saga_id"));
    }
    text += "  " + order + " (history " + Join(history, " > ") + "), payment " +
            (payment.empty() ? "no payment" : Join(payment, ", ")) + ", saga " +
            (sagas.empty() ? "none" : Join(sagas, ", ")) + "\n";
  }
  return text;
}

Result<Totals> Books::ReadTotals() {
  Totals totals;
  TS_ASSIGN_OR_RETURN(totals.outcomes, Outcomes(*order_));
  TS_ASSIGN_OR_RETURN(totals.orders, Count(*order_, "SELECT COUNT(*) FROM orders"));
  const std::string placed = std::string(" WHERE status IN ") + kPlacedStatuses;
  TS_ASSIGN_OR_RETURN(totals.placed_orders, Count(*order_, "SELECT COUNT(*) FROM orders" + placed));
  TS_ASSIGN_OR_RETURN(totals.placed_value_cents,
                      Count(*order_, "SELECT COALESCE(SUM(price_cents), 0) FROM orders" + placed));
  TS_ASSIGN_OR_RETURN(const auto initiated, InitiatedOrdersPayments());
  for (const auto& [order_id, statuses] : initiated) {
    if (statuses.empty()) ++totals.abandoned;
    if (std::find(statuses.begin(), statuses.end(), "FAILED") != statuses.end())
      ++totals.initiated_rejected;
  }
  TS_ASSIGN_OR_RETURN(totals.deposits_cents,
                      Count(*wallet_,
                            "SELECT COALESCE(SUM(amount_cents), 0) FROM wallet_ledger "
                            "WHERE entry_type = 'DEPOSIT'"));
  TS_ASSIGN_OR_RETURN(totals.withdrawals_cents,
                      Count(*wallet_,
                            "SELECT COALESCE(SUM(amount_cents), 0) FROM wallet_ledger "
                            "WHERE entry_type = 'WITHDRAWAL'"));
  TS_ASSIGN_OR_RETURN(totals.balances_cents,
                      Count(*wallet_, "SELECT COALESCE(SUM(balance_cents), 0) FROM wallets"));
  TS_ASSIGN_OR_RETURN(totals.completed_payments_cents,
                      Count(*payment_,
                            "SELECT COALESCE(SUM(amount_cents), 0) FROM transactions "
                            "WHERE type = 'PAYMENT' AND payment_status = 'COMPLETED'"));
  TS_ASSIGN_OR_RETURN(totals.stock, Stock(*inventory_, *order_));
  if (saga_) {
    TS_ASSIGN_OR_RETURN(totals.sagas, Sagas(*saga_));
  }
  return totals;
}

}  // namespace tinysaga::crash
