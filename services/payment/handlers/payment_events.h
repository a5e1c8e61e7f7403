#pragma once
// Payment's side of the choreographed sagas (tinysaga/saga/choreography.h): the handler of
// inventory.events in choreography mode, inside the inbox transaction.
//
//   OutOfStock    -> refund the order's payment -> Refunded on payment.events
//   StockReleased -> the same: a cancel, or the Order service giving up; the stock is back,
//                    so is the money
//   StockReserved -> nothing
//
// Which events call for a refund is derived from the sagas' declarations
// (saga/choreography_reactions.h), not written here.
//
// The refund is AnswerOrQueueRefund's (payment_commands.h): answered at once when the order
// was refunded before, else queued for the refund worker, which publishes Refunded when the
// wallet gave the money back (or voided a debit it had not seen). An order Payment never
// charged is answered at once with a refund of nothing.
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
