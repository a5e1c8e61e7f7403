#include "order/handlers/order_events.h"

#include <spdlog/spdlog.h>

#include "order/domain/choreography.h"
#include "order/order_repository.h"
#include "tinysaga/platform/handlers.h"
#include "tinysaga/saga/choreography_reactions.h"
#include "tinysaga/sagas/order_sagas.h"

namespace tinysaga::order {

Result<void> ApplyOrderEvent(soci::session& session, const contracts::Message& event,
                             const Clock& clock) {
  if (!Follows(event.payload)) return Ok();
  const OrderId& order_id = event.envelope.order_id;
  const std::optional<Order> found = FindOrder(session, order_id);
  if (!found) {
    return MakeError(Errc::kInvalidRequest, std::string(event.type()) + " for order " +
                                                order_id.value() + ", which does not exist");
  }
  AppendSagaFact(session, order_id, FactOf(event));
  const TimestampMs now_ms = clock.NowMs();
  Order order = *found;
  const std::vector<StatusTarget> targets = FollowEvent(order, event.payload).value();
  for (const StatusTarget& target : targets) {
    const SagaCommandDecision decision = PlanSagaCommand(order, target.status);
    if (decision.plan == SagaCommandPlan::kAlreadyDone) continue;
    if (decision.plan == SagaCommandPlan::kReject) {
      spdlog::info("order: {} leaves order {} {}: {}", event.type(), order_id.value(),
                   FormatOrderStatus(order.status), decision.detail);
      break;
    }
    const OrderStatus previous = order.status;
    TS_ASSIGN_OR_RETURN(StatusChange change, ChangeStatus(order, target.status, Actor::kSaga,
                                                          target.status_info, now_ms));
    if (!UpdateOrderIf(session, order, previous)) {
      return MakeError(Errc::kUnavailable, "order " + order_id.value() + " changed meanwhile");
    }
    AppendStatusChange(session, order_id, change);
  }
  return Ok();
}

platform::MessageHandler OrderEventHandler(const Clock& clock) {
  auto events = platform::Handlers::ForEvents("order: the other services' events");
  for (const std::string& fact :
       saga::FactsHeardBy(sagas::DefaultDefinitions(), contracts::Participant::kOrder)) {
    events.OnType(fact, [&clock](soci::session& session, const contracts::Message& event) {
      return ApplyOrderEvent(session, event, clock);
    });
  }
  return std::move(events).Build();
}

}  // namespace tinysaga::order
