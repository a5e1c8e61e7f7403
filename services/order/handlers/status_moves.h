#pragma once
// Moving an order for a saga, in both modes: the orchestrator's commands (order_commands.h)
// and the other services' events that Order follows (order_events.h) name the statuses the
// order should reach, in turn; this walks them inside the caller's transaction.

#include <optional>
#include <span>
#include <string>

#include "order/domain/order.h"
#include "tinysaga/core/result.h"

namespace soci {
class session;
}

namespace tinysaga::order {

// Walks `order` through `targets` in turn, as PlanSagaCommand decides each: a status the order
// has reached is skipped, an allowed one is applied with its history line, and the first one
// the status table forbids ends the walk. Returns why it ended there (for OrderStatusRejected),
// or nullopt when the order is at or past every target. kUnavailable when the order changed
// since it was read (the conditional update missed): the message is tried again.
Result<std::optional<std::string>> MoveOrder(soci::session& session, Order& order,
                                             std::span<const StatusTarget> targets,
                                             TimestampMs now_ms);

}  // namespace tinysaga::order
