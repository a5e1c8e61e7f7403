// The snapshot indexed by order id, and the rows no service can have written.

#include <string>

#include "checks.h"
#include "inventory/domain/stock.h"
#include "tinysaga/saga/state.h"
#include "tinysaga/sagas/order_sagas.h"
#include "wallet/domain/ledger.h"

namespace tinysaga::invariants::internal {

void Total::Add(int64_t amount) {
  if (__builtin_add_overflow(value_, amount, &value_)) overflowed_ = true;
}

void Findings::Add(ViolationKind kind, std::string subject, std::string message) {
  violations_.push_back(Violation{kind, std::move(subject), std::move(message)});
}

std::string OrderSubject(const std::string& order_id) { return "order " + order_id; }

std::string Cents(int64_t cents) { return std::to_string(cents) + " cents"; }

std::optional<payment::PaymentStatus> OrderFacts::PaymentStatus() const {
  if (payment() == nullptr) return std::nullopt;
  return payment::ParsePaymentStatus(payment()->payment_status);
}

int64_t OrderFacts::NetChargeCents() const {
  Total total;
  for (const LedgerRow* debit : debits) total.Add(debit->amount_cents);
  for (const LedgerRow* credit : credits) total.Add(-credit->amount_cents);
  return total.value();
}

int64_t OrderFacts::NetReservedUnits() const {
  Total total;
  for (const MovementRow* reserve : reserves) total.Add(-reserve->delta);
  for (const MovementRow* release : releases) total.Add(-release->delta);
  return total.value();
}

namespace {

bool IsRunning(std::string_view status) {
  return status == saga::SagaStatusName(saga::SagaStatus::kRunning) ||
         status == saga::SagaStatusName(saga::SagaStatus::kCompensating);
}

bool IsKnownSagaStatus(std::string_view status) {
  return IsRunning(status) || status == saga::SagaStatusName(saga::SagaStatus::kCompleted) ||
         status == saga::SagaStatusName(saga::SagaStatus::kFailed) ||
         status == saga::SagaStatusName(saga::SagaStatus::kGaveUp);
}

void IndexOrders(const Snapshot& snapshot, Index& index, Findings& findings) {
  for (const OrderRow& row : snapshot.orders) {
    OrderFacts& facts = index.orders[row.order_id];
    facts.order = &row;
    facts.status = order::ParseOrderStatus(row.status);
    if (!facts.status) {
      findings.Add(ViolationKind::kMalformedRow, OrderSubject(row.order_id),
                   "unknown order status '" + row.status + "'");
    }
    if (row.quantity <= 0 || row.price_cents < 0) {
      findings.Add(ViolationKind::kMalformedRow, OrderSubject(row.order_id),
                   "quantity " + std::to_string(row.quantity) + " and price " +
                       Cents(row.price_cents) + " must be positive and not negative");
    }
  }
}

void IndexPayments(const Snapshot& snapshot, Index& index, Findings& findings) {
  for (const PaymentRow& row : snapshot.payments) {
    const auto type = payment::ParseTransactionType(row.type);
    const auto status = payment::ParsePaymentStatus(row.payment_status);
    const bool owned = type && payment::IsOwnedByPayment(*type);
    if (!owned || !status || row.amount_cents < 0) {
      findings.Add(ViolationKind::kMalformedRow, "transaction " + row.transaction_id,
                   "payment row with type '" + row.type + "', status '" + row.payment_status +
                       "' and amount " + Cents(row.amount_cents) +
                       " is not a valid PAYMENT or REFUND");
      continue;
    }
    OrderFacts& facts = index.orders[row.order_id];
    (*type == payment::TransactionType::kPayment ? facts.payments : facts.refunds).push_back(&row);
  }
}

void IndexLedger(const Snapshot& snapshot, Index& index, Findings& findings) {
  for (const LedgerRow& row : snapshot.ledger) {
    const auto type = wallet::ParseEntryType(row.entry_type);
    if (!type || row.amount_cents <= 0) {
      findings.Add(ViolationKind::kMalformedRow, "ledger entry " + row.entry_id,
                   "entry type '" + row.entry_type + "' with amount " + Cents(row.amount_cents) +
                       " is not a known type with a positive amount");
      continue;
    }
    index.ledger.push_back(&row);
    if (*type != wallet::EntryType::kDebit && *type != wallet::EntryType::kCredit) continue;
    if (!row.order_id) {
      findings.Add(ViolationKind::kMalformedRow, "ledger entry " + row.entry_id,
                   row.entry_type + " of " + Cents(row.amount_cents) + " names no order");
      continue;
    }
    OrderFacts& facts = index.orders[*row.order_id];
    (*type == wallet::EntryType::kDebit ? facts.debits : facts.credits).push_back(&row);
  }
}

void IndexMovements(const Snapshot& snapshot, Index& index, Findings& findings) {
  using inventory::MovementKind;
  for (const MovementRow& row : snapshot.movements) {
    const auto kind = inventory::ParseMovementKind(row.kind);
    const std::string subject = "stock movement " + std::to_string(row.id);
    if (!kind) {
      findings.Add(ViolationKind::kMalformedRow, subject, "unknown kind '" + row.kind + "'");
      continue;
    }
    const bool for_order = *kind == MovementKind::kReserve || *kind == MovementKind::kRelease;
    // A RELEASE of 0 is a release that found nothing reserved: it closes the order, so that
    // a late reserve takes nothing.
    const bool wrong_sign = (*kind == MovementKind::kReserve && row.delta >= 0) ||
                            (*kind == MovementKind::kRelease && row.delta < 0);
    if (wrong_sign || (for_order && !row.order_id)) {
      findings.Add(ViolationKind::kMalformedRow, subject,
                   row.kind + " of " + row.product_id + " with delta " + std::to_string(row.delta) +
                       (wrong_sign ? " has the wrong sign" : " names no order"));
      continue;
    }
    index.movements.push_back(&row);
    if (!for_order) continue;
    OrderFacts& facts = index.orders[*row.order_id];
    (*kind == MovementKind::kReserve ? facts.reserves : facts.releases).push_back(&row);
  }
}

void IndexSagas(const std::vector<SagaRow>& sagas, Index& index, Findings& findings) {
  for (const SagaRow& row : sagas) {
    const bool order_saga = row.saga_type == sagas::kOrderSagaType;
    const bool cancel_saga = row.saga_type == sagas::kCancelSagaType;
    if ((!order_saga && !cancel_saga) || !IsKnownSagaStatus(row.status)) {
      findings.Add(ViolationKind::kMalformedRow, "saga " + row.saga_id,
                   "unknown saga type '" + row.saga_type + "' or status '" + row.status + "'");
      continue;
    }
    OrderFacts& facts = index.orders[row.order_id];
    (order_saga ? facts.order_sagas : facts.cancel_sagas).push_back(&row);
    if (IsRunning(row.status)) facts.saga_running = true;
  }
}

// Why an order has no final state yet (other than a running saga).
void FindUnsettledReasons(OrderFacts& facts) {
  using order::OrderStatus;
  if (facts.status == OrderStatus::kPaymentPending || facts.status == OrderStatus::kPaymentDone) {
    facts.unsettled_reasons.push_back("the order is " + facts.order->status);
  }
  if (facts.refund_queued) facts.unsettled_reasons.push_back("a refund waits for the wallet");
  if (facts.status == OrderStatus::kPlaced && facts.order->cancel_requested) {
    facts.unsettled_reasons.push_back("a cancel was requested but the order is still PLACED");
  }
  for (const auto* rows : {&facts.payments, &facts.refunds}) {
    for (const PaymentRow* row : *rows) {
      if (payment::ParsePaymentStatus(row->payment_status) == payment::PaymentStatus::kPending) {
        facts.unsettled_reasons.push_back(row->type + " " + row->transaction_id + " is PENDING");
      }
    }
  }
}

}  // namespace

Index IndexSnapshot(const Snapshot& snapshot, Findings& findings) {
  Index index;
  IndexOrders(snapshot, index, findings);
  IndexPayments(snapshot, index, findings);
  IndexLedger(snapshot, index, findings);
  IndexMovements(snapshot, index, findings);
  if (snapshot.sagas) IndexSagas(*snapshot.sagas, index, findings);
  for (const std::string& order_id : snapshot.queued_refund_order_ids) {
    index.orders[order_id].refund_queued = true;
  }
  for (auto& [order_id, facts] : index.orders) {
    facts.order_id = order_id;
    FindUnsettledReasons(facts);
  }
  return index;
}

}  // namespace tinysaga::invariants::internal
