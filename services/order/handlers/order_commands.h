#pragma once
// The Order service's side of the sagas in orchestration mode: the order.commands handler,
// which also follows Payment's PaymentCompleted. It runs inside the inbox transaction
// (platform::Messaging), so the status change, its history line, the reply in the outbox and
// the inbox row commit together, exactly once per message.
//
//   PaymentCompleted PAYMENT_PENDING -> PAYMENT_DONE (an event: no reply)
//   MarkPlaced       PAYMENT_DONE -> PLACED, through PAYMENT_DONE when it overtook
//                    PaymentCompleted (they travel on different topics)
//   MarkFailed       INITIATED, PAYMENT_PENDING or PAYMENT_DONE -> FAILED, statusInfo = reason
//   MarkCanceled     PLACED with a cancel requested -> CANCELED
//   MarkOnWay        PLACED -> ON_WAY (docs/adding-a-step.md's ship step)
//
// Each is answered on saga.replies: OrderStatusChanged{status now} when the order is in the
// target status or went through it (so a resent command answers the same, and e.g. a late
// MarkPlaced for an order already ON_WAY is not mistaken for a failure), OrderStatusRejected
// {status, detail} when the status table forbids the change or the order does not exist.
// The contract's status must be an order status, so an unknown order is rejected with
// "FAILED" (it can never move) and a detail saying it does not exist.
//
// Payment's other events are nothing to do here. A command of another type is poison
// (kInvalidRequest: dead-lettered). A concurrent change of the same order (the conditional update
// missed) is kUnavailable, so the message is tried again and then sees the new status.
//
// Thread safety: a function of its arguments and the session; clock and rng must be
// thread-safe when consumers run on several threads.

#include <string>
#include <vector>

#include "tinysaga/contracts/messages.h"
#include "tinysaga/core/clock.h"
#include "tinysaga/core/result.h"
#include "tinysaga/core/rng.h"
#include "tinysaga/platform/messaging.h"

namespace soci {
class session;
}

namespace tinysaga::order {

// What the handler below hears: order.commands and payment.events.
std::vector<std::string> OrderCommandTopics();

// The orchestration handler: applies each command and appends its reply to saga.replies, and
// follows PaymentCompleted. The clock and rng must outlive it.
platform::MessageHandler OrderCommandHandler(const Clock& clock, Rng& rng);

}  // namespace tinysaga::order
