// Sagas (orchestration mode): one order saga per paid order, one cancel saga per order
// canceled after payment, none stuck past its deadline, and terminal sagas agreeing with
// their orders.

#include <string>

#include "checks.h"
#include "tinysaga/saga/state.h"

namespace tinysaga::invariants::internal {
namespace {

using order::OrderStatus;

bool Is(const SagaRow& row, saga::SagaStatus status) {
  return row.status == saga::SagaStatusName(status);
}

bool IsRunning(const SagaRow& row) {
  return Is(row, saga::SagaStatus::kRunning) || Is(row, saga::SagaStatus::kCompensating);
}

std::string Seconds(int64_t ms) { return std::to_string(ms / 1000) + " s"; }

// The order saga is started by Payment's outcome event: every order whose payment was
// decided, and every order a saga has moved past PAYMENT_PENDING, has one. A payment FAILED
// as ORDER_REJECTED (the order had changed, so it never became PAYMENT_PENDING) sends no
// event and starts no saga.
bool NeedsOrderSaga(const OrderFacts& facts) {
  for (const PaymentRow* row : facts.payments) {
    const auto status = payment::ParsePaymentStatus(row->payment_status);
    const bool rejected =
        status == payment::PaymentStatus::kFailed && row->failure_reason &&
        payment::ParseFailureReason(*row->failure_reason) == payment::FailureReason::kOrderRejected;
    if (status != payment::PaymentStatus::kPending && !rejected) return true;
  }
  return facts.status != OrderStatus::kInitiated && facts.status != OrderStatus::kPaymentPending &&
         facts.status != OrderStatus::kCanceled;
}

void ReportDuplicateSagas(const OrderFacts& facts, Findings& findings) {
  for (const auto* rows : {&facts.order_sagas, &facts.cancel_sagas}) {
    if (rows->size() < 2) continue;
    std::string ids;
    for (const SagaRow* row : *rows)
      ids += (ids.empty() ? "" : ", ") + row->saga_id + " " + row->status;
    findings.Add(ViolationKind::kSagaDuplicate, OrderSubject(facts.order_id),
                 std::to_string(rows->size()) + " " + rows->front()->saga_type + " sagas: " + ids);
  }
}

void ReportMissingSagas(const OrderFacts& facts, Findings& findings) {
  const std::string subject = OrderSubject(facts.order_id);
  if (facts.order_sagas.empty() && NeedsOrderSaga(facts)) {
    findings.Add(ViolationKind::kSagaMissing, subject,
                 "the order is " + facts.order->status +
                     " and its payment was decided, but it has no order saga");
  }
  const auto payment_status = facts.PaymentStatus();
  const bool was_paid = payment_status == payment::PaymentStatus::kCompleted ||
                        payment_status == payment::PaymentStatus::kRefunded;
  if (facts.cancel_sagas.empty() && facts.status == OrderStatus::kCanceled && was_paid) {
    findings.Add(ViolationKind::kSagaMissing, subject,
                 "the order was CANCELED after payment, but it has no cancel saga");
  }
}

void CheckTerminalSagaAgrees(const OrderFacts& facts, Findings& findings) {
  const std::string subject = OrderSubject(facts.order_id);
  const OrderStatus status = *facts.status;
  const std::string& status_name = facts.order->status;
  if (facts.order_sagas.size() == 1) {
    const SagaRow& row = *facts.order_sagas.front();
    const bool placed_or_later = status == OrderStatus::kPlaced || status == OrderStatus::kOnWay ||
                                 status == OrderStatus::kDelivered ||
                                 status == OrderStatus::kCanceled;
    if ((Is(row, saga::SagaStatus::kCompleted) && !placed_or_later) ||
        (Is(row, saga::SagaStatus::kFailed) && status != OrderStatus::kFailed)) {
      findings.Add(
          ViolationKind::kSagaStatus, subject,
          "order saga " + row.saga_id + " is " + row.status + " but the order is " + status_name);
    }
  }
  if (facts.cancel_sagas.size() == 1) {
    const SagaRow& row = *facts.cancel_sagas.front();
    if ((Is(row, saga::SagaStatus::kCompleted) && status != OrderStatus::kCanceled) ||
        (Is(row, saga::SagaStatus::kFailed) && status == OrderStatus::kCanceled)) {
      findings.Add(
          ViolationKind::kSagaStatus, subject,
          "cancel saga " + row.saga_id + " is " + row.status + " but the order is " + status_name);
    }
  }
}

}  // namespace

void CheckSagaDeadlines(const std::vector<SagaRow>& sagas, const Rules& rules, Findings& findings,
                        Summary& summary) {
  for (const SagaRow& row : sagas) {
    ++summary.sagas_by_type_and_status[row.saga_type + " " + row.status];
    if (Is(row, saga::SagaStatus::kGaveUp)) {
      findings.Add(ViolationKind::kSagaGaveUp, "saga " + row.saga_id,
                   row.saga_type + " saga for order " + row.order_id +
                       " gave up, for an operator: " + row.gave_up_why);
    }
    if (!rules.settled || !IsRunning(row)) continue;
    const std::string what =
        row.saga_type + " saga for order " + row.order_id + " is " + row.status;
    if (!row.deadline_ms) {
      findings.Add(ViolationKind::kSagaOverdue, "saga " + row.saga_id,
                   what + " without a deadline, so nothing will move it on");
    } else if (rules.now_ms - *row.deadline_ms > rules.saga_grace_ms) {
      findings.Add(ViolationKind::kSagaOverdue, "saga " + row.saga_id,
                   what + " and its deadline passed " + Seconds(rules.now_ms - *row.deadline_ms) +
                       " ago (grace " + Seconds(rules.saga_grace_ms) + ")");
    }
  }
}

void CheckOrderSagas(const OrderFacts& facts, const Rules& rules, Findings& findings) {
  if (!facts.order || !facts.status) return;  // orphans and malformed orders are reported
  ReportDuplicateSagas(facts, findings);
  // A saga starts from an event that may still be in an outbox.
  if (rules.settled) ReportMissingSagas(facts, findings);
  if (!facts.InFlight()) CheckTerminalSagaAgrees(facts, findings);
}

}  // namespace tinysaga::invariants::internal
