#pragma once
// The Order DB through SOCI. Every function runs on the caller's session, inside the caller's
// transaction (storage::Db::Write) when it writes; SOCI exceptions propagate to Db, which
// rolls back and turns them into error values. Status changes are conditional updates
// (`WHERE status = expected`), so two racing writers cannot both move one order.

#include <optional>
#include <vector>

#include "order/domain/list_query.h"
#include "order/domain/order.h"

namespace soci {
class session;
}

namespace tinysaga::order {

void InsertOrder(soci::session& session, const Order& order);

// Appends one line to the order's history (kept in insertion order).
void AppendStatusChange(soci::session& session, const OrderId& order_id,
                        const StatusChange& change);

std::optional<Order> FindOrder(soci::session& session, const OrderId& order_id);

// Oldest first.
std::vector<StatusChange> ListStatusChanges(soci::session& session, const OrderId& order_id);

struct OrderFilter {
  std::optional<UserId> user_id;      // nullopt: every user's
  std::optional<OrderStatus> status;  // nullopt: any status
  std::optional<OrderCursor> after;   // only orders strictly older than this
  int limit = kListLimitDefault;      // rows returned at most
};

// Newest first by (created_at_ms, order_id).
std::vector<Order> ListOrders(soci::session& session, const OrderFilter& filter);

// Writes every mutable field of `order` (product, quantity, price, status, status info,
// updated time) if the stored status is still `expected_status`. False when the order is
// missing or its status changed meanwhile; nothing is written then.
bool UpdateOrderIf(soci::session& session, const Order& order, OrderStatus expected_status);

}  // namespace tinysaga::order
