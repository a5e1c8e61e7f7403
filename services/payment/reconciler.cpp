#include "payment/reconciler.h"

#include "payment/log.h"
#include "payment/payment_repository.h"
#include "payment/payment_requests.h"
#include "payment/refund_queue.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/core/breaks.h"
#include "tinysaga/http/problem.h"
#include "tinysaga/platform/messaging.h"

namespace tinysaga::payment {
namespace {

// Fails one stale payment; false when it was not PENDING any more.
Result<bool> FailStalePayment(soci::session& session, const Transaction& payment, Rng& rng,
                              TimestampMs now_ms) {
  const OrderId& order_id = *payment.order_id;
  if (!FinishPaymentIf(session, payment.transaction_id, PaymentStatus::kFailed,
                       FailureReason::kUnavailable, now_ms)) {
    return false;
  }
  // --break void-of-unseen-debit-skipped (simulator only, core/breaks.h) removes the void of
  // a debit this payment may have made before it was left PENDING (a crash, a lost answer).
  if (!IsBroken(Break::kVoidOfUnseenDebitSkipped)) {
    EnqueueVoid(session, order_id, payment.user_id, now_ms);
  }
  const std::optional<ClaimState> claim = FindClaimOfOrder(session, order_id);
  if (!claim) {
    // Every PENDING payment is inserted with its claim, so this is a row from elsewhere:
    // without the product the event cannot be built; the void still runs.
    Log()->error("payment {} order={}: no request recorded; no PaymentFailed sent",
                 payment.transaction_id.value(), order_id.value());
    return true;
  }
  TS_ASSIGN_OR_RETURN(Money amount, Money::FromCents(payment.amount_cents, payment.currency));
  const contracts::PaymentFailed event{.user_id = payment.user_id,
                                       .amount = std::move(amount),
                                       .product_id = claim->claim.product_id,
                                       .quantity = claim->claim.quantity,
                                       .failure = contracts::PaymentFailure::kUnavailable};
  platform::AppendMessage(
      session, contracts::kPaymentEventsTopic,
      platform::NewEvent(order_id, event, now_ms, rng, claim->claim.traceparent), now_ms);
  const http::Response answer =
      http::Problem(503, "service-unavailable",
                    "the payment did not finish; it failed and any debit is given back");
  FinishClaimOfOrder(session, order_id, storage::StoredResponse{answer.status, answer.body},
                     now_ms);
  return true;
}

}  // namespace

Reconciler::Reconciler(storage::Db& db, Rng& rng, std::function<void()> notify_outbox,
                       ReconcilerOptions options)
    : db_(db), rng_(rng), notify_outbox_(std::move(notify_outbox)), options_(options) {}

Result<size_t> Reconciler::RunOnce(TimestampMs now_ms) {
  const TimestampMs created_before_ms = now_ms - options_.stale_after.count();
  TS_ASSIGN_OR_RETURN(std::vector<Transaction> stale,
                      db_.Read<std::vector<Transaction>>(
                          [&](soci::session& session) -> Result<std::vector<Transaction>> {
                            return ListPendingPayments(session, created_before_ms,
                                                       options_.batch_max);
                          }));
  size_t failed = 0;
  for (const Transaction& payment : stale) {
    auto written = db_.Write<bool>(
        [&](soci::session& session) { return FailStalePayment(session, payment, rng_, now_ms); });
    if (!written.ok()) {
      Log()->error("payment {}: not reconciled: {}", payment.transaction_id.value(),
                   written.error().detail);
      continue;
    }
    if (!*written) continue;  // its request finished meanwhile
    ++failed;
    Log()->warn("payment {} order={} was PENDING since {}: FAILED (unavailable), debit voided",
                payment.transaction_id.value(), payment.order_id->value(),
                FormatRfc3339(payment.timestamp_ms));
  }
  if (failed > 0 && notify_outbox_) notify_outbox_();
  return failed;
}

}  // namespace tinysaga::payment
