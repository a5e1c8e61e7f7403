#pragma once
// The Order service in choreography mode (tinysaga/saga/choreography.h): which statuses the
// other services' events move an order to, the facts its saga view is built from, and the
// deadlines on the states where the order waits for someone else. Pure.

#include <optional>
#include <string>
#include <vector>

#include "order/domain/order.h"
#include "tinysaga/contracts/messages.h"
#include "tinysaga/saga/choreography.h"

namespace tinysaga::order {

// The statuses `event` moves the order to, in turn (empty: a fact only, no status change), or
// nullopt when Order does not follow the event at all.
//   PaymentCompleted -> PAYMENT_DONE
//   PaymentFailed    -> FAILED, "insufficient funds" or "payment service unavailable"
//   StockReserved    -> PAYMENT_DONE, PLACED (Inventory reserves only after the payment, and
//                       its event may overtake Payment's: they travel on different topics)
//   OutOfStock       -> PAYMENT_DONE (the refund follows)
//   StockReleased    -> nothing (the refund follows)
//   Refunded         -> CANCELED for a PLACED order with a cancel requested; else FAILED, "out
//                       of stock, payment refunded" (an order that gave up is FAILED already)
// A target the order has reached or passed is already done; one its status table forbids is
// refused (e.g. PLACED after the order gave up), and the order keeps its status.
std::optional<std::vector<StatusTarget>> FollowEvent(const Order& order,
                                                     const contracts::Payload& event);

// Whether Order follows events of this type at all (FollowEvent gives a value).
bool Follows(const contracts::Payload& event);

// The fact a followed event adds to the order's saga view: its saga is the cancel saga when
// its saga id says so, else the order saga (Payment's events carry no saga id).
saga::ChoreographyFact FactOf(const contracts::Message& event);

// Everything the view shows, oldest first: the facts recorded from events (and the cancel
// requests Order announced), the order's status history (each status in the saga whose
// declaration names it; the others left out), and its cancel request when it was not recorded
// as an event (orders from before issue 15). At equal times a recorded fact comes before the
// status it caused.
std::vector<saga::ChoreographyFact> SagaFacts(const Order& order,
                                              const std::vector<StatusChange>& history,
                                              const std::vector<saga::ChoreographyFact>& recorded);

// How long an order may wait on another service before Order acts, derived from the saga
// declarations (DeadlinesOf): as long as the orchestrator would wait on the same steps before
// it gave up, so both modes are as patient. The defaults (DefaultDeadlines) sit far above
// normal (milliseconds) and restart (seconds) times.
struct Deadlines {
  // PAYMENT_PENDING, the order saga's start: the charge's budget (about 2 minutes), which
  // outlasts Payment's own reconciler (sagas::SagaTimings::charge).
  int64_t payment_pending_ms = 0;
  // PAYMENT_DONE, where PaymentCompleted puts the order: the stock reservation's budget.
  int64_t payment_done_ms = 0;
  // A requested cancel, before it is announced again: the announcement reruns the whole cancel
  // saga, so one attempt of each of its steps.
  int64_t cancel_ms = 0;
  // A requested cancel still not done this long after it was requested (or an operator last
  // retried it) is given up: its saga GAVE_UP, for an operator, and no longer announced. The
  // cancel saga's whole forward budget: the longest the orchestrator could spend on it.
  int64_t cancel_give_up_ms = 0;
  bool operator==(const Deadlines&) const = default;
};

// The deadlines of `definitions`, which hold the order saga and the cancel saga.
Deadlines DeadlinesOf(const std::vector<saga::SagaDefinition>& definitions);
// DeadlinesOf(sagas::DefaultDefinitions()), computed once.
const Deadlines& DefaultDeadlines();

enum class DeadlineAction {
  kNone,
  // PAYMENT_PENDING or PAYMENT_DONE too long: FAILED now, and OrderCancelRequested in the order
  // saga, so Inventory releases whatever it reserved and Payment refunds whatever was paid.
  // (A release is an order's last word on stock, so a reserve that comes later takes nothing.)
  kGiveUp,
  // A cancel requested too long ago: OrderCancelRequested again (release and refund are
  // idempotent), in case the first one was dead-lettered somewhere on the way.
  kAnnounceCancelAgain,
};

DeadlineAction DeadlineActionFor(const Order& order, const Deadlines& deadlines,
                                 TimestampMs now_ms);

}  // namespace tinysaga::order
