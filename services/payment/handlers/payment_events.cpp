#include "payment/handlers/payment_events.h"

#include <variant>

#include "payment/handlers/payment_commands.h"
#include "payment/log.h"
#include "payment/payment_repository.h"
#include "tinysaga/contracts/topics.h"

namespace tinysaga::payment {

Result<void> ApplyPaymentEvent(soci::session& session, const contracts::Message& event,
                               const Clock& clock, Rng& rng) {
  const bool wants_refund = std::holds_alternative<contracts::OutOfStock>(event.payload) ||
                            std::holds_alternative<contracts::StockReleased>(event.payload);
  if (!wants_refund) return Ok();  // StockReserved: nothing for Payment
  const TimestampMs now_ms = clock.NowMs();
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

platform::MessageHandler PaymentEventHandler(const Clock& clock, Rng& rng) {
  return [&clock, &rng](soci::session& session, const contracts::Message& event) {
    return ApplyPaymentEvent(session, event, clock, rng);
  };
}

}  // namespace tinysaga::payment
