#pragma once
// The body of GET /api/orders/{orderId}/saga in choreography mode, where the Order service
// shows the saga (the orchestrator does in orchestration mode): the same JSON, built from the
// facts the Order service keeps (order/domain/choreography.h, tinysaga/saga/choreography.h).
// The saga shown is the one the order is going through now (the cancel saga once there is
// one), with the others under "earlierSagas".

#include <nlohmann/json.hpp>
#include <optional>

#include "order/domain/order.h"

namespace soci {
class session;
}

namespace tinysaga::order {

// nullopt when the order has no saga yet (it was never paid for).
std::optional<nlohmann::json> ChoreographySagaJson(soci::session& session, const Order& order);

}  // namespace tinysaga::order
