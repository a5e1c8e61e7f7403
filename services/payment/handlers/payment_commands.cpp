#include "payment/handlers/payment_commands.h"

#include <algorithm>
#include <vector>

#include "payment/log.h"
#include "payment/payment_repository.h"
#include "payment/refund_queue.h"
#include "tinysaga/contracts/codec.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/platform/handlers.h"
#include "tinysaga/saga/choreography.h"
#include "tinysaga/saga/choreography_reactions.h"
#include "tinysaga/sagas/order_sagas.h"

namespace tinysaga::payment {

Result<contracts::Payload> NeverChargedReply(std::string_view command_type,
                                             std::string_view currency) {
  if (command_type == contracts::TypeNameOf<contracts::ChargeWallet>()) {
    return contracts::Payload(contracts::PaymentDeclined{"no payment for this order"});
  }
  if (command_type == contracts::TypeNameOf<contracts::Refund>()) {
    TS_ASSIGN_OR_RETURN(Money nothing, Money::FromCents(0, std::string(currency)));
    return contracts::Payload(contracts::Refunded{.transaction_id = {}, .amount = nothing});
  }
  return MakeError(Errc::kInvalidRequest, "Payment has no command " + std::string(command_type));
}

Result<contracts::Payload> ChargeReplyFor(const std::optional<PaymentRecord>& payment) {
  if (!payment) return NeverChargedReply(contracts::TypeNameOf<contracts::ChargeWallet>());
  const Transaction& row = payment->transaction;
  switch (*row.payment_status) {
    case PaymentStatus::kPending:
      return MakeError(Errc::kUnavailable,
                       "payment " + row.transaction_id.value() + " is still PENDING");
    case PaymentStatus::kCompleted:
    case PaymentStatus::kRefunded: {
      TS_ASSIGN_OR_RETURN(Money amount, Money::FromCents(row.amount_cents, row.currency));
      return contracts::Payload(
          contracts::PaymentCharged{.transaction_id = row.transaction_id, .amount = amount});
    }
    case PaymentStatus::kFailed:
      break;
  }
  switch (payment->failure_reason.value_or(FailureReason::kUnavailable)) {
    case FailureReason::kInsufficientFunds:
      return contracts::Payload(contracts::PaymentDeclined{"insufficient funds"});
    case FailureReason::kOrderRejected:
      return contracts::Payload(contracts::PaymentDeclined{"the order was no longer payable"});
    case FailureReason::kUnavailable:
      break;
  }
  return contracts::Payload(
      contracts::PaymentUnavailable{"the wallet could not be reached after the retries"});
}

bool CausesRefund(const contracts::Message& message) {
  if (std::holds_alternative<contracts::Refund>(message.payload)) return true;
  // In choreography: the events the declarations answer with a refund.
  static const std::vector<saga::ParticipantReaction> reactions =
      saga::ParticipantReactions(sagas::DefaultDefinitions(), contracts::Participant::kPayment);
  return std::any_of(reactions.begin(), reactions.end(), [&](const saga::ParticipantReaction& r) {
    return r.trigger == message.type() &&
           r.action->command == contracts::TypeNameOf<contracts::Refund>();
  });
}

std::string_view RefundAnswerTopic(const contracts::Message& cause) {
  const contracts::Envelope& envelope = cause.envelope;
  for (const saga::SagaDefinition& definition : sagas::DefaultDefinitions()) {
    if (envelope.saga_id == saga::ChoreographySagaId(definition.type, envelope.order_id)) {
      return contracts::EventsTopic(contracts::Participant::kPayment);
    }
  }
  return contracts::kSagaRepliesTopic;
}

Result<void> AnswerOrQueueRefund(soci::session& session, const contracts::Message& cause,
                                 const UserId& user_id, TimestampMs now_ms, Rng& rng) {
  const OrderId& order_id = cause.envelope.order_id;
  if (auto row = FindOrderTransaction(session, order_id, TransactionType::kRefund)) {
    TS_ASSIGN_OR_RETURN(Money amount, Money::FromCents(row->amount_cents, row->currency));
    Log()->info("{} saga={} order={} -> Refunded {} (recorded)", cause.type(),
                cause.envelope.saga_id.value(), order_id.value(), amount.cents());
    platform::AppendMessage(
        session, RefundAnswerTopic(cause),
        platform::ReplyTo(cause,
                          contracts::Refunded{.transaction_id = row->transaction_id,
                                              .amount = amount},
                          now_ms, rng),
        now_ms);
    return Ok();
  }
  if (auto refused = RefusedReason(session, order_id)) {
    Log()->warn("{} saga={} order={} -> RefundRefused (recorded: {})", cause.type(),
                cause.envelope.saga_id.value(), order_id.value(), *refused);
    platform::AppendMessage(
        session, RefundAnswerTopic(cause),
        platform::ReplyTo(cause, contracts::RefundRefused{*refused}, now_ms, rng), now_ms);
    return Ok();
  }
  EnqueueRefund(session,
                RefundJob{.order_id = order_id,
                          .user_id = user_id,
                          .command_id = cause.envelope.message_id,
                          .command = contracts::Serialize(cause),
                          .attempts = 0,
                          .next_attempt_at_ms = now_ms},
                now_ms);
  Log()->info("{} saga={} order={}: refund queued for the wallet", cause.type(),
              cause.envelope.saga_id.value(), order_id.value());
  return Ok();
}

platform::MessageHandler PaymentCommandHandler(const Clock& clock, Rng& rng,
                                               std::string_view reply_topic) {
  auto commands = platform::Handlers::ForCommands(std::string(contracts::kPaymentCommandsTopic),
                                                  clock, rng, reply_topic);
  commands
      .Answer<contracts::ChargeWallet>([](soci::session& session, const contracts::Message& command,
                                          const contracts::ChargeWallet&) {
        const OrderId& order_id = command.envelope.order_id;
        Result<contracts::Payload> reply = ChargeReplyFor(FindPayment(session, order_id));
        if (reply.ok()) {
          Log()->info("ChargeWallet saga={} order={} -> {}", command.envelope.saga_id.value(),
                      order_id.value(), contracts::TypeName(reply.value()));
        }
        return reply;
      })
      .On<contracts::Refund>([&clock, &rng](soci::session& session,
                                            const contracts::Message& command,
                                            const contracts::Refund& refund) -> Result<void> {
        const TimestampMs now_ms = clock.NowMs();
        if (!FindPayment(session, command.envelope.order_id)) {
          TS_ASSIGN_OR_RETURN(contracts::Payload nothing,
                              NeverChargedReply(command.type(), refund.amount.currency()));
          Log()->info("Refund saga={} order={}: no payment, nothing to refund",
                      command.envelope.saga_id.value(), command.envelope.order_id.value());
          platform::AppendMessage(session, RefundAnswerTopic(command),
                                  platform::ReplyTo(command, std::move(nothing), now_ms, rng),
                                  now_ms);
          return Ok();
        }
        return AnswerOrQueueRefund(session, command, refund.user_id, now_ms, rng);
      });
  return std::move(commands).Build();
}

}  // namespace tinysaga::payment
