#include "order/handlers/saga_operations.h"

#include <spdlog/spdlog.h>

#include "order/domain/choreography.h"
#include "order/order_repository.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/platform/messaging.h"
#include "tinysaga/saga/choreography.h"
#include "tinysaga/sagas/order_sagas.h"

namespace tinysaga::order {
namespace {

// The saga the order is going through now, as its view shows it: the cancel saga once there
// is one, else the order saga.
struct CurrentSaga {
  const saga::SagaDefinition* definition = nullptr;
  saga::SagaState state;
};

std::optional<CurrentSaga> CurrentSagaOf(soci::session& session, const Order& order) {
  const auto facts = SagaFacts(order, ListStatusChanges(session, order.order_id),
                               ListSagaFacts(session, order.order_id));
  const std::string failure_reason =
      order.status == OrderStatus::kFailed ? order.status_info : std::string();
  for (std::string_view type : {sagas::kCancelSagaType, sagas::kOrderSagaType}) {
    const saga::SagaDefinition* definition = sagas::DefaultDefinition(type);
    auto state = saga::ChoreographyState(*definition, order.order_id, facts, failure_reason);
    if (state) return CurrentSaga{definition, std::move(*state)};
  }
  return std::nullopt;
}

struct Loaded {
  Order order;
  CurrentSaga saga;
};

Result<Loaded> Load(soci::session& session, const OrderId& order_id) {
  std::optional<Order> order = FindOrder(session, order_id);
  if (!order) return MakeError(Errc::kNotFound, "order '" + order_id.value() + "' not found");
  std::optional<CurrentSaga> saga = CurrentSagaOf(session, *order);
  if (!saga) return MakeError(Errc::kNotFound, "order '" + order_id.value() + "' has no saga");
  return Loaded{std::move(*order), std::move(*saga)};
}

// The engine's words (tinysaga/saga/engine.cpp), so both modes refuse alike.
Error Conflict(const saga::SagaState& state, std::string_view why) {
  return MakeError(Errc::kConflict, "the " + state.type + " saga is " +
                                        std::string(saga::SagaStatusName(state.status)) + ": " +
                                        std::string(why));
}

saga::ChoreographyFact OperatorFact(std::string_view saga_type, std::string_view verb,
                                    const saga::OperatorRequest& request, TimestampMs now_ms) {
  return {.saga_type = std::string(saga_type),
          .type = std::string(verb),
          .time_ms = now_ms,
          .detail = "",
          .message_id = "",
          .actor = request.actor,
          .reason = request.reason};
}

// Announces OrderCancelRequested in the order's saga of `saga_type`, recorded as that saga's
// fact with the event's id and `detail`.
Result<void> AnnounceCancel(soci::session& session, const Order& order, std::string_view saga_type,
                            std::string detail, TimestampMs now_ms, Rng& rng) {
  TS_ASSIGN_OR_RETURN(contracts::Message event,
                      CancelRequestedEvent(order, saga_type, now_ms, rng));
  AppendSagaFact(session, order.order_id,
                 {std::string(saga_type), "OrderCancelRequested", now_ms, std::move(detail),
                  event.envelope.message_id});
  platform::AppendMessage(session, contracts::kOrderEventsTopic, event, now_ms);
  return Ok();
}

}  // namespace

Result<contracts::Message> CancelRequestedEvent(const Order& order, std::string_view saga_type,
                                                TimestampMs now_ms, Rng& rng) {
  TS_ASSIGN_OR_RETURN(Money amount, Money::FromCents(order.price_cents, order.currency));
  contracts::Message event =
      platform::NewEvent(order.order_id,
                         contracts::OrderCancelRequested{order.user_id, std::move(amount),
                                                         order.product_id, order.quantity},
                         now_ms, rng);
  event.envelope.saga_id = saga::ChoreographySagaId(saga_type, order.order_id);
  return event;
}

Result<bool> AbortChoreographedSaga(soci::session& session, const OrderId& order_id,
                                    const saga::OperatorRequest& request, TimestampMs now_ms,
                                    Rng& rng) {
  TS_ASSIGN_OR_RETURN(Loaded loaded, Load(session, order_id));
  const saga::SagaState& state = loaded.saga.state;
  if (state.status != saga::SagaStatus::kRunning) {
    if (saga::LastOperatorVerb(state.history) == saga::StepEventType::kAborted) return false;
    return Conflict(state, "only a RUNNING saga can be aborted");
  }
  if (!loaded.saga.definition->reversible) {
    return Conflict(state, "its steps cannot be undone; retry it if it gives up");
  }
  Order& order = loaded.order;
  const OrderStatus previous = order.status;
  if (previous != OrderStatus::kPaymentPending && previous != OrderStatus::kPaymentDone) {
    return Conflict(state, "the order is " + std::string(FormatOrderStatus(previous)) +
                               ", past the point of no return");
  }
  TS_ASSIGN_OR_RETURN(StatusChange change, ChangeStatus(order, OrderStatus::kFailed, Actor::kSaga,
                                                        std::string(saga::kAbortedReason), now_ms));
  if (!UpdateOrderIf(session, order, previous)) {
    return MakeError(Errc::kConflict, "the order changed meanwhile; try again");
  }
  AppendStatusChange(session, order_id, change);
  AppendSagaFact(session, order_id,
                 OperatorFact(sagas::kOrderSagaType, saga::kAbortFact, request, now_ms));
  TS_RETURN_IF_ERROR(AnnounceCancel(session, order, sagas::kOrderSagaType,
                                    std::string(saga::kAbortedReason), now_ms, rng));
  spdlog::warn("order: {} saga aborted by {} ({}): FAILED, stock released, refund",
               order_id.value(), request.actor, request.reason);
  return true;
}

Result<bool> RetryChoreographedSaga(soci::session& session, const OrderId& order_id,
                                    const saga::OperatorRequest& request, TimestampMs now_ms,
                                    Rng& rng) {
  TS_ASSIGN_OR_RETURN(Loaded loaded, Load(session, order_id));
  const saga::SagaState& state = loaded.saga.state;
  if (state.status != saga::SagaStatus::kGaveUp) {
    if (saga::LastOperatorVerb(state.history) == saga::StepEventType::kRetried) return false;
    return Conflict(state, "only a saga that GAVE_UP can be retried");
  }
  const Order& order = loaded.order;
  const std::string_view type = loaded.saga.definition->type;
  if (type == sagas::kCancelSagaType) {
    if (order.status != OrderStatus::kPlaced || !order.cancel_requested()) {
      return Conflict(state, "the order is " + std::string(FormatOrderStatus(order.status)) +
                                 " with no cancel to finish");
    }
    // Watched by the deadlines again, from now on (whether they or a refusal gave it up).
    ReopenCancelIf(session, order_id, now_ms);
  }
  AppendSagaFact(session, order_id, OperatorFact(type, saga::kRetryFact, request, now_ms));
  TS_RETURN_IF_ERROR(AnnounceCancel(session, order, type, "retried by an operator", now_ms, rng));
  spdlog::warn("order: {} {} saga retried by {} ({})", order_id.value(), type, request.actor,
               request.reason);
  return true;
}

}  // namespace tinysaga::order
