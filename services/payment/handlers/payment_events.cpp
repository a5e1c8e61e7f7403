#include "payment/handlers/payment_events.h"

#include <optional>
#include <string>

#include "payment/handlers/payment_commands.h"
#include "payment/log.h"
#include "payment/payment_repository.h"
#include "payment/payment_requests.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/platform/handlers.h"
#include "tinysaga/saga/choreography_reactions.h"
#include "tinysaga/sagas/order_sagas.h"

namespace tinysaga::payment {

namespace {

// The order's saga data as Payment recorded it, in the shape of the event that carried it whole
// (PaymentCompleted), rebuilt from the same rows as the reconciler's PaymentFailed. nullopt when
// Payment has no payment for the order. A payment without its request (a row from elsewhere:
// every payment is inserted with its claim) is an error, since refunding nothing would keep
// money that was taken.
Result<std::optional<contracts::Payload>> RecordedSagaData(soci::session& session,
                                                           const OrderId& order_id) {
  const std::optional<PaymentRecord> payment = FindPayment(session, order_id);
  if (!payment) return std::optional<contracts::Payload>();
  const std::optional<ClaimState> claim = FindClaimOfOrder(session, order_id);
  if (!claim) {
    return MakeError(Errc::kInvalidRequest,
                     "the payment of order " + order_id.value() + " has no request recorded");
  }
  const Transaction& row = payment->transaction;
  TS_ASSIGN_OR_RETURN(Money amount, Money::FromCents(row.amount_cents, row.currency));
  return std::optional<contracts::Payload>(
      contracts::PaymentCompleted{.user_id = row.user_id,
                                  .amount = std::move(amount),
                                  .transaction_id = row.transaction_id,
                                  .product_id = claim->claim.product_id,
                                  .quantity = claim->claim.quantity});
}

// Runs `reaction`'s command for `event` with `commands`.
Result<void> React(soci::session& session, const saga::ParticipantReaction& reaction,
                   const contracts::Message& event, const platform::MessageHandler& commands,
                   const Clock& clock, Rng& rng) {
  std::optional<contracts::Message> command = saga::ChoreographyCommand(reaction, event);
  if (!command) {
    TS_ASSIGN_OR_RETURN(std::optional<contracts::Payload> recorded,
                        RecordedSagaData(session, event.envelope.order_id));
    if (!recorded) {
      TS_ASSIGN_OR_RETURN(contracts::Payload reply, NeverChargedReply(reaction.action->command));
      Log()->info("{} order={}: never charged, {} answered {}", event.type(),
                  event.envelope.order_id.value(), reaction.action->command,
                  contracts::TypeName(reply));
      const TimestampMs now_ms = clock.NowMs();
      platform::AppendMessage(session, contracts::kPaymentEventsTopic,
                              platform::ReplyTo(event, std::move(reply), now_ms, rng), now_ms);
      return Ok();
    }
    command = saga::ChoreographyCommand(reaction,
                                        contracts::Message{event.envelope, std::move(*recorded)});
  }
  if (!command) {
    return MakeError(
        Errc::kInvalidRequest,
        std::string(event.type()) + " carries no saga data for " + reaction.action->command);
  }
  return commands(session, *command);
}

}  // namespace

platform::MessageHandler PaymentEventHandler(const Clock& clock, Rng& rng) {
  // The orchestrator's commands' own handler, answering on payment.events instead.
  platform::MessageHandler commands =
      PaymentCommandHandler(clock, rng, contracts::kPaymentEventsTopic);
  auto events = platform::Handlers::ForEvents(std::string(contracts::kInventoryEventsTopic));
  for (const saga::ParticipantReaction& reaction :
       saga::ParticipantReactions(sagas::DefaultDefinitions(), contracts::Participant::kPayment)) {
    events.OnType(reaction.trigger, [reaction, commands, &clock, &rng](
                                        soci::session& session, const contracts::Message& event) {
      return React(session, reaction, event, commands, clock, rng);
    });
  }
  return std::move(events).Build();
}

}  // namespace tinysaga::payment
