#pragma once
// An operator's verbs on a choreographed saga (issue 15, --saga-mode choreography): the same
// verbs as the orchestrator's (tinysaga/saga/engine.h Retry and Abort), through the Order
// service's saga facts and the messages choreography already has. Nobody holds a saga record,
// so the saga is the one the facts replay to (saga::ChoreographyState, what the view shows):
//
// - abort (a RUNNING order saga: the order PAYMENT_PENDING or PAYMENT_DONE): what the deadlines
//   do when the order waited too long, for the operator's reason: the order FAILED "aborted by
//   an operator" and OrderCancelRequested in its order saga (Inventory releases whatever it
//   reserved, Payment refunds whatever was paid). A cancel saga cannot be undone: 409.
// - retry (a saga that GAVE_UP): the message that set off what gave up is announced again:
//   OrderCancelRequested in the cancel saga (Inventory releases again, idempotently, Payment
//   refunds) and the cancel is watched by the deadlines again (order_deadlines.h); for an order
//   saga whose refund gave up, OrderCancelRequested in the order saga (the same release, then
//   the refund).
//
// Each verb is a fact ("operator:retry" / "operator:abort" with who and why) written in the
// same transaction as the order's change and the event in the outbox. A verb repeated while its
// effect holds changes nothing (false); one the saga is in no state for is kConflict, with the
// same words as the orchestrator's; an unknown order, or one with no saga, is kNotFound.
//
// Thread safety: functions of their arguments and the session.

#include "order/domain/order.h"
#include "tinysaga/core/clock.h"
#include "tinysaga/core/result.h"
#include "tinysaga/core/rng.h"
#include "tinysaga/saga/engine.h"

namespace soci {
class session;
}

namespace tinysaga::order {

// Inside the caller's write transaction. True when the verb was applied (an event is in the
// outbox), false when it had been already.
Result<bool> AbortChoreographedSaga(soci::session& session, const OrderId& order_id,
                                    const saga::OperatorRequest& request, TimestampMs now_ms,
                                    Rng& rng);
Result<bool> RetryChoreographedSaga(soci::session& session, const OrderId& order_id,
                                    const saga::OperatorRequest& request, TimestampMs now_ms,
                                    Rng& rng);

// OrderCancelRequested for `order` in its saga of `saga_type` (the deadlines' and the verbs').
Result<contracts::Message> CancelRequestedEvent(const Order& order, std::string_view saga_type,
                                                TimestampMs now_ms, Rng& rng);

}  // namespace tinysaga::order
