#include "payment/handlers/payment_commands.h"

#include "payment/log.h"
#include "payment/payment_repository.h"
#include "payment/refund_queue.h"
#include "tinysaga/contracts/codec.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/platform/messaging.h"

namespace tinysaga::payment {

Result<contracts::Payload> ChargeReplyFor(const std::optional<PaymentRecord>& payment) {
  if (!payment) return contracts::Payload(contracts::PaymentDeclined{"no payment for this order"});
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

PaymentCommands::PaymentCommands(const Clock& clock, Rng& rng) : clock_(clock), rng_(rng) {}

Result<void> PaymentCommands::Handle(soci::session& session, const contracts::Message& command) {
  if (std::holds_alternative<contracts::ChargeWallet>(command.payload)) {
    return OnChargeWallet(session, command);
  }
  if (const auto* refund = std::get_if<contracts::Refund>(&command.payload)) {
    return OnRefund(session, command, *refund);
  }
  return MakeError(Errc::kInvalidRequest, std::string(contracts::kPaymentCommandsTopic) +
                                              " does not take " + std::string(command.type()));
}

Result<void> PaymentCommands::OnChargeWallet(soci::session& session,
                                             const contracts::Message& command) {
  const OrderId& order_id = command.envelope.order_id;
  TS_ASSIGN_OR_RETURN(contracts::Payload reply, ChargeReplyFor(FindPayment(session, order_id)));
  Log()->info("ChargeWallet saga={} order={} -> {}", command.envelope.saga_id.value(),
              order_id.value(), contracts::TypeName(reply));
  Reply(session, command, std::move(reply));
  return Ok();
}

Result<void> PaymentCommands::OnRefund(soci::session& session, const contracts::Message& command,
                                       const contracts::Refund& refund) {
  const OrderId& order_id = command.envelope.order_id;
  if (auto row = FindOrderTransaction(session, order_id, TransactionType::kRefund)) {
    TS_ASSIGN_OR_RETURN(Money amount, Money::FromCents(row->amount_cents, row->currency));
    Log()->info("Refund saga={} order={} -> Refunded {} (recorded)",
                command.envelope.saga_id.value(), order_id.value(), amount.cents());
    Reply(session, command,
          contracts::Refunded{.transaction_id = row->transaction_id, .amount = amount});
    return Ok();
  }
  EnqueueRefund(session,
                RefundJob{.order_id = order_id,
                          .user_id = refund.user_id,
                          .command_id = command.envelope.message_id,
                          .command = contracts::Serialize(command),
                          .attempts = 0,
                          .next_attempt_at_ms = clock_.NowMs()},
                clock_.NowMs());
  Log()->info("Refund saga={} order={} queued for the wallet", command.envelope.saga_id.value(),
              order_id.value());
  return Ok();
}

void PaymentCommands::Reply(soci::session& session, const contracts::Message& command,
                            contracts::Payload reply) {
  const TimestampMs now_ms = clock_.NowMs();
  platform::AppendMessage(session, contracts::kSagaRepliesTopic,
                          platform::ReplyTo(command, std::move(reply), now_ms, rng_), now_ms);
}

}  // namespace tinysaga::payment
