// Orders: every effect belongs to a known order, and each order's status agrees with its
// payment and the stock it holds.

#include <string>

#include "checks.h"

namespace tinysaga::invariants::internal {
namespace {

using order::OrderStatus;
using payment::PaymentStatus;

// "PAYMENT txn_1, wallet DEBIT txn_2, RESERVE 3, order saga sag_1".
std::string DescribeReferences(const OrderFacts& facts) {
  std::string text;
  const auto add = [&text](const std::string& item) { text += (text.empty() ? "" : ", ") + item; };
  for (const auto* rows : {&facts.payments, &facts.refunds}) {
    for (const PaymentRow* row : *rows) add(row->type + " " + row->transaction_id);
  }
  for (const auto* rows : {&facts.debits, &facts.credits}) {
    for (const LedgerRow* row : *rows) add("wallet " + row->entry_type + " " + row->entry_id);
  }
  for (const auto* rows : {&facts.reserves, &facts.releases}) {
    for (const MovementRow* row : *rows) add(row->kind + " " + std::to_string(row->id));
  }
  for (const auto* rows : {&facts.order_sagas, &facts.cancel_sagas}) {
    for (const SagaRow* row : *rows) add(row->saga_type + " saga " + row->saga_id);
  }
  if (facts.refund_queued) add("a queued refund");
  return text;
}

std::string DescribePayment(const PaymentRow* payment) {
  if (!payment) return "there is no PAYMENT row";
  return "payment " + payment->transaction_id + " is " + payment->payment_status;
}

// Whatever the status, a payment is for the order's price and by the order's owner.
void CheckPaymentTerms(const OrderFacts& facts, Findings& findings) {
  const PaymentRow* payment = facts.payment();
  if (!payment) return;
  const OrderRow& order = *facts.order;
  if (payment->amount_cents != order.price_cents || payment->user_id != order.user_id) {
    findings.Add(ViolationKind::kOrderInconsistent, OrderSubject(order.order_id),
                 "payment " + payment->transaction_id + " is " + Cents(payment->amount_cents) +
                     " from " + payment->user_id + ", but the order costs " +
                     Cents(order.price_cents) + " and is " + order.user_id + "'s");
  }
}

}  // namespace

void CheckOrphans(const OrderFacts& facts, Findings& findings) {
  if (facts.order) return;
  findings.Add(ViolationKind::kOrphanEffect, OrderSubject(facts.order_id),
               "no such order in the Order DB, but " + DescribeReferences(facts) + " refer to it");
}

void CheckInFlight(const OrderFacts& facts, const Rules& rules, Findings& findings) {
  if (!rules.settled || facts.unsettled_reasons.empty()) return;
  std::string message = "not at rest:";
  for (const std::string& reason : facts.unsettled_reasons) {
    message += (message.back() == ':' ? " " : "; ") + reason;
  }
  // The sagas' states usually say why (a saga that gave up, or none at all).
  for (const auto* rows : {&facts.order_sagas, &facts.cancel_sagas}) {
    for (const SagaRow* row : *rows) {
      message += "; " + row->saga_type + " saga " + row->saga_id + " is " + row->status;
    }
  }
  findings.Add(ViolationKind::kInFlight, OrderSubject(facts.order_id), message);
}

void CheckOrderStatus(const OrderFacts& facts, Findings& findings) {
  // Orders in flight have no final state yet; duplicated payments are reported on their own.
  if (!facts.order || !facts.status || facts.InFlight() || facts.payments.size() > 1) return;
  CheckPaymentTerms(facts, findings);
  const OrderRow& order = *facts.order;
  const PaymentRow* payment = facts.payment();
  const auto payment_status = facts.PaymentStatus();
  const int64_t reserved = facts.NetReservedUnits();
  const std::string subject = OrderSubject(order.order_id);
  const std::string holds = "holds " + std::to_string(reserved) + " of its " +
                            std::to_string(order.quantity) + " units of " + order.product_id;
  switch (*facts.status) {
    case OrderStatus::kInitiated:
      // A FAILED payment may have left the order as it was (it could not be moved on).
      if (payment && payment_status != PaymentStatus::kFailed) {
        findings.Add(ViolationKind::kOrderInconsistent, subject,
                     "INITIATED but " + DescribePayment(payment) + " (it can only have failed)");
      }
      if (reserved != 0) {
        findings.Add(ViolationKind::kOrderInconsistent, subject,
                     "INITIATED but " + holds + " (none is taken before payment)");
      }
      return;
    case OrderStatus::kPlaced:
    case OrderStatus::kOnWay:
    case OrderStatus::kDelivered:
      if (payment_status != PaymentStatus::kCompleted) {
        findings.Add(ViolationKind::kOrderInconsistent, subject,
                     order.status + " but " + DescribePayment(payment) + " (it must be COMPLETED)");
      }
      if (reserved != order.quantity) {
        findings.Add(ViolationKind::kOrderInconsistent, subject,
                     order.status + " but " + holds + " (it must hold all of them)");
      }
      return;
    case OrderStatus::kFailed:
    case OrderStatus::kCanceled:
      if (payment_status == PaymentStatus::kCompleted ||
          payment_status == PaymentStatus::kPending) {
        findings.Add(
            ViolationKind::kOrderInconsistent, subject,
            order.status + " but " + DescribePayment(payment) + " (it must be FAILED or REFUNDED)");
      }
      if (reserved != 0) {
        findings.Add(ViolationKind::kOrderInconsistent, subject,
                     order.status + " but " + holds + " (it must hold none)");
      }
      return;
    case OrderStatus::kPaymentPending:
    case OrderStatus::kPaymentDone:
      return;  // in flight, never reaches here
  }
}

}  // namespace tinysaga::invariants::internal
