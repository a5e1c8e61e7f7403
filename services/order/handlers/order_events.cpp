#include "order/handlers/order_events.h"

#include <spdlog/spdlog.h>

#include "order/domain/choreography.h"
#include "order/handlers/status_moves.h"
#include "order/order_repository.h"
#include "tinysaga/platform/handlers.h"
#include "tinysaga/saga/choreography_reactions.h"
#include "tinysaga/sagas/order_sagas.h"

namespace tinysaga::order {

Result<void> FollowOrderEvent(soci::session& session, const contracts::Message& event,
                              const Clock& clock) {
  const OrderId& order_id = event.envelope.order_id;
  std::optional<Order> order = FindOrder(session, order_id);
  if (!order) {
    return MakeError(Errc::kInvalidRequest, std::string(event.type()) + " for order " +
                                                order_id.value() + ", which does not exist");
  }
  const std::optional<std::vector<StatusTarget>> targets = FollowEvent(*order, event.payload);
  if (!targets) return Ok();
  TS_ASSIGN_OR_RETURN(std::optional<std::string> refused,
                      MoveOrder(session, *order, *targets, clock.NowMs()));
  if (refused) {
    spdlog::info("order: {} leaves order {} {}: {}", event.type(), order_id.value(),
                 FormatOrderStatus(order->status), *refused);
  }
  return Ok();
}

Result<void> ApplyOrderEvent(soci::session& session, const contracts::Message& event,
                             const Clock& clock) {
  if (!Follows(event.payload)) return Ok();
  TS_RETURN_IF_ERROR(FollowOrderEvent(session, event, clock));
  AppendSagaFact(session, event.envelope.order_id, FactOf(event));
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
