#include "inventory/handlers/inventory_events.h"

#include <optional>
#include <variant>

#include "inventory/handlers/inventory_commands.h"
#include "tinysaga/contracts/topics.h"
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

Result<void> ApplyInventoryEvent(soci::session& session, const contracts::Message& event,
                                 const Clock& clock, Rng& rng) {
  const TimestampMs now_ms = clock.NowMs();
  const OrderId& order_id = event.envelope.order_id;
  std::optional<contracts::Payload> answer;
  SagaId saga_id;
  if (const auto* paid = std::get_if<contracts::PaymentCompleted>(&event.payload)) {
    TS_ASSIGN_OR_RETURN(answer, ReserveForOrder(session, order_id,
                                                contracts::ReserveStock{paid->product_id,
                                                                        paid->quantity},
                                                now_ms));
    saga_id = SagaOf(event, saga::kOrderSagaType);
  } else if (const auto* cancel = std::get_if<contracts::OrderCancelRequested>(&event.payload)) {
    TS_ASSIGN_OR_RETURN(answer, ReleaseForOrder(session, order_id,
                                                contracts::ReleaseStock{cancel->product_id,
                                                                        cancel->quantity},
                                                now_ms));
    saga_id = SagaOf(event, saga::kCancelSagaType);
  } else {
    return Ok();  // PaymentFailed, Refunded ...: nothing for Inventory to do
  }
  platform::AppendMessage(
      session, contracts::kInventoryEventsTopic,
      platform::FollowUp(event, std::move(saga_id), std::move(*answer), now_ms, rng), now_ms);
  return Ok();
}

platform::MessageHandler InventoryEventHandler(const Clock& clock, Rng& rng) {
  return [&clock, &rng](soci::session& session, const contracts::Message& event) {
    return ApplyInventoryEvent(session, event, clock, rng);
  };
}

}  // namespace tinysaga::inventory
