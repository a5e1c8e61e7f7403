#pragma once
// The order saga's commands to Payment (topic payment.commands), each handled inside the inbox
// transaction (platform::MessageHandler): its effects, its reply on saga.replies and the inbox
// row commit together. A handler must not wait on HTTP while it holds that transaction, so:
//
// - ChargeWallet is answered from the outcome POST /api/payment recorded for the order:
//   COMPLETED (or REFUNDED) -> PaymentCharged; FAILED for insufficient funds or because the
//   order was no longer payable -> PaymentDeclined; FAILED because the wallet was unreachable
//   -> PaymentUnavailable; PENDING (the request is still running) -> kUnavailable, so the
//   consumer retries the command later. No PAYMENT row (a saga started some other way) ->
//   PaymentDeclined("no payment for this order"): Payment never debits from a command, since
//   that would mean an HTTP call inside the transaction; the saga then fails the order
//   without a refund, which is right because nothing was taken.
// - Refund is answered at once from the order's REFUND row when there is one, and for an order
//   Payment never charged (no PAYMENT row) with a refund of nothing; otherwise the command is
//   queued (refund_queue.h) and the refund worker calls the wallet outside any transaction and
//   replies then.
// Any other message on the topic is poison (dead-lettered). The same handlers run Payment's
// share of choreography (payment_events.h), on the commands the declarations derive.
//
// Thread-safe (no state).

#include <optional>
#include <string_view>

#include "payment/payment_repository.h"
#include "tinysaga/contracts/messages.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/core/clock.h"
#include "tinysaga/core/result.h"
#include "tinysaga/core/rng.h"
#include "tinysaga/platform/messaging.h"

namespace soci {
class session;
}

namespace tinysaga::payment {

// The payment.commands handler, answering on `reply_topic` (in choreography: payment.events).
// The clock and rng must outlive it.
platform::MessageHandler PaymentCommandHandler(
    const Clock& clock, Rng& rng, std::string_view reply_topic = contracts::kSagaRepliesTopic);

// What Payment answers its command `command_type` with for an order it never charged (no PAYMENT
// row, hence no debit: POST /api/payment records the payment before it debits): ChargeWallet ->
// PaymentDeclined, Refund -> Refunded of nothing (in `currency`). The same in both modes: the
// command handlers answer so, and so does choreography for an order Payment has no record of.
// kInvalidRequest for a type that is not Payment's command.
Result<contracts::Payload> NeverChargedReply(std::string_view command_type,
                                             std::string_view currency = Money::kDefaultCurrency);

// Gives back what the order paid, for `cause`, a Refund command (answered on
// RefundAnswerTopic, in the cause's saga). Answers at once from the order's REFUND row when there
// is one, and RefundRefused when the wallet refused the order's refund for good; otherwise
// queues the refund (refund_queue.h) for the worker, who answers when the wallet gave the
// money back (or refused). Inside the handler's transaction.
Result<void> AnswerOrQueueRefund(soci::session& session, const contracts::Message& cause,
                                 const UserId& user_id, TimestampMs now_ms, Rng& rng);

// Whether `message` asks Payment for a refund: a Refund command, or in choreography OutOfStock
// or StockReleased.
bool CausesRefund(const contracts::Message& message);

// Where the answer to a refund's cause goes, also when the refund worker answers it later: a
// choreographed saga's (its saga id is saga::ChoreographySagaId's) to payment.events, where its
// other participants listen, an orchestrated saga's to saga.replies.
std::string_view RefundAnswerTopic(const contracts::Message& cause);

// The reply ChargeWallet gets for the order's recorded payment; kUnavailable while PENDING.
// Pure; for tests.
Result<contracts::Payload> ChargeReplyFor(const std::optional<PaymentRecord>& payment);

}  // namespace tinysaga::payment
