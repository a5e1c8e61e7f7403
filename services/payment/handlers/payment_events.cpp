#include "payment/handlers/payment_events.h"

#include <optional>
#include <string>

#include "payment/handlers/payment_commands.h"
#include "payment/log.h"
#include "payment/payment_repository.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/platform/handlers.h"
#include "tinysaga/saga/choreography_reactions.h"
#include "tinysaga/sagas/order_sagas.h"

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
  auto events = platform::Handlers::ForEvents(std::string(contracts::kInventoryEventsTopic));
  for (const saga::ParticipantReaction& reaction :
       saga::ParticipantReactions(sagas::DefaultDefinitions(), contracts::Participant::kPayment)) {
    // The refund is Payment's only command that follows another service's event (the charge
    // is POST /api/payment itself). A declaration asking for another would have its trigger
    // dead-lettered, saying so, until Payment learns it.
    const std::string& command = reaction.action->command;
    if (command == contracts::TypeNameOf<contracts::Refund>()) {
      events.OnType(reaction.trigger,
                    [&clock, &rng](soci::session& session, const contracts::Message& event) {
                      return RefundFor(session, event, clock.NowMs(), rng);
                    });
      continue;
    }
    const std::string refusal = "Payment does not run " + command + " on " + reaction.trigger;
    events.OnType(reaction.trigger, [refusal](soci::session&, const contracts::Message&) {
      return Result<void>(MakeError(Errc::kInvalidRequest, refusal));
    });
  }
  return std::move(events).Build();
}

}  // namespace tinysaga::payment
