#pragma once
// Payment's side of the choreographed sagas (tinysaga/saga/choreography.h): the handler of
// inventory.events in choreography mode, inside the inbox transaction.
//
//   OutOfStock    -> refund the order's payment -> Refunded on payment.events
//   StockReleased -> the same: a cancel, or the Order service giving up; the stock is back,
//                    so is the money
//   StockReserved -> nothing
//
// Nothing of it is written here: which events call for which command is derived from the
// sagas' declarations (saga/choreography_reactions.h), the command is built by the declaration
// (saga::ChoreographyCommand) and run by the same handlers as orchestration's commands
// (payment_commands.h), answering on payment.events. Inventory's events carry no saga data, so
// the declaration builds the command from Payment's record of the order instead: the payment and
// the request it came with, what Payment's own PaymentCompleted carried. An order Payment never
// charged is answered as its command handlers answer one (NeverChargedReply).
//
// Thread safety: a function of its arguments and the session; clock and rng must be
// thread-safe when consumers run on several threads.

#include "tinysaga/contracts/messages.h"
#include "tinysaga/core/clock.h"
#include "tinysaga/core/result.h"
#include "tinysaga/core/rng.h"
#include "tinysaga/platform/messaging.h"

namespace soci {
class session;
}

namespace tinysaga::payment {

// The inventory.events handler. The clock and rng must outlive it.
platform::MessageHandler PaymentEventHandler(const Clock& clock, Rng& rng);

}  // namespace tinysaga::payment
