#include "payment/handlers/payment_events.h"

#include <optional>
#include <string>

#include "payment/handlers/payment_commands.h"
#include "payment/log.h"
#include "payment/payment_repository.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/platform/handlers.h"

namespace tinysaga::payment {

namespace {

// Refunds what the order paid because of `event` (OutOfStock or StockReleased).
Result<void> RefundFor(soci::session& session, const contracts::Message& event, TimestampMs now_ms,
                       Rng& rng) {
  const std::optional<PaymentRecord> payment = FindPayment(session, event.envelope.order_id);
  if (!payment) {
    Log()->info("{} order={}: no payment, nothing to refund", event.type(),
                event.envelope.order_id.value());
    TS_ASSIGN_OR_RETURN(Money nothing, Money::FromCents(0));
    platform::AppendMessage(
        session, contracts::kPaymentEventsTopic,
        platform::ReplyTo(event, contracts::Refunded{.transaction_id = {}, .amount = nothing},
                          now_ms, rng),
        now_ms);
    return Ok();
  }
  return AnswerOrQueueRefund(session, event, payment->transaction.user_id, now_ms, rng);
}

}  // namespace

platform::MessageHandler PaymentEventHandler(const Clock& clock, Rng& rng) {
  auto refund = [&clock, &rng](soci::session& session, const contracts::Message& event,
                               const auto&) {
    return RefundFor(session, event, clock.NowMs(), rng);
  };
  auto events = platform::Handlers::ForEvents(std::string(contracts::kInventoryEventsTopic));
  events.On<contracts::OutOfStock>(refund).On<contracts::StockReleased>(refund);
  return std::move(events).Build();
}

}  // namespace tinysaga::payment
