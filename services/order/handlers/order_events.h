#pragma once
// The Order service's side of the choreographed sagas (tinysaga/saga/choreography.h): the
// handler of payment.events and inventory.events in choreography mode. It runs inside the
// inbox transaction, so the status changes, their history lines, the event's fact for the
// saga view and the inbox row commit together, exactly once per event. What each event does
// to the order: FollowEvent (order/domain/choreography.h). Which events it hears is derived
// from the saga declarations: every fact that is a message another service sends
// (saga::FactsHeardBy).
//
// Errors, as platform::MessageHandler expects: a followed event for an order that does not
// exist is poison (dead-lettered: something upstream invented it); a concurrent change of the
// order is kUnavailable (tried again, and then sees the new status). An event whose target the
// order's status forbids changes nothing but its fact: events are facts, and the order's
// status table decides.
//
// Thread safety: a function of its arguments and the session; the clock must be thread-safe.

#include "tinysaga/contracts/messages.h"
#include "tinysaga/core/clock.h"
#include "tinysaga/core/result.h"
#include "tinysaga/platform/messaging.h"

namespace soci {
class session;
}

namespace tinysaga::order {

// Moves the order as FollowEvent says for `event` (nothing for an event Order does not
// follow), without recording a fact: what orchestration mode does with PaymentCompleted
// (order_commands.h). The order missing is kInvalidRequest, as above.
Result<void> FollowOrderEvent(soci::session& session, const contracts::Message& event,
                              const Clock& clock);

// FollowOrderEvent, and the event's fact for the choreography saga view.
Result<void> ApplyOrderEvent(soci::session& session, const contracts::Message& event,
                             const Clock& clock);

// ApplyOrderEvent bound to a clock that must outlive the handler.
platform::MessageHandler OrderEventHandler(const Clock& clock);

}  // namespace tinysaga::order
