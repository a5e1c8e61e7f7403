#include "inventory/handlers/inventory_events.h"

#include <string_view>

#include "inventory/handlers/inventory_commands.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/platform/handlers.h"
#include "tinysaga/saga/choreography.h"
#include "tinysaga/saga/order_sagas.h"

namespace tinysaga::inventory {
namespace {

// The saga the answer belongs to: the event's, or the order's saga of `saga_type`.
SagaId SagaOf(const contracts::Message& event, std::string_view saga_type) {
  if (!event.envelope.saga_id.empty()) return event.envelope.saga_id;
  return saga::ChoreographySagaId(saga_type, event.envelope.order_id);
}

}  // namespace

platform::MessageHandler InventoryEventHandler(const Clock& clock, Rng& rng) {
  // Publishes Inventory's answer to `event` on inventory.events, in the saga of `saga_type`.
  auto announce = [&clock, &rng](soci::session& session, const contracts::Message& event,
                                 std::string_view saga_type,
                                 Result<contracts::Payload> answer) -> Result<void> {
    if (!answer.ok()) return answer.error();
    const TimestampMs now_ms = clock.NowMs();
    platform::AppendMessage(
        session, contracts::kInventoryEventsTopic,
        platform::FollowUp(event, SagaOf(event, saga_type), std::move(answer).value(), now_ms, rng),
        now_ms);
    return Ok();
  };
  auto events = platform::Handlers::ForEvents("inventory: payment.events, order.events");
  events
      .On<contracts::PaymentCompleted>([&clock, announce](soci::session& session,
                                                          const contracts::Message& event,
                                                          const contracts::PaymentCompleted& paid) {
        return announce(session, event, saga::kOrderSagaType,
                        ReserveForOrder(session, event.envelope.order_id,
                                        contracts::ReserveStock{paid.product_id, paid.quantity},
                                        clock.NowMs()));
      })
      .On<contracts::OrderCancelRequested>(
          [&clock, announce](soci::session& session, const contracts::Message& event,
                             const contracts::OrderCancelRequested& cancel) {
            return announce(
                session, event, saga::kCancelSagaType,
                ReleaseForOrder(session, event.envelope.order_id,
                                contracts::ReleaseStock{cancel.product_id, cancel.quantity},
                                clock.NowMs()));
          });
  return std::move(events).Build();
}

}  // namespace tinysaga::inventory
