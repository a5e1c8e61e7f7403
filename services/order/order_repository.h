#pragma once
// The Order DB through SOCI. Every function runs on the caller's session, inside the caller's
// transaction (storage::Db::Write) when it writes; SOCI exceptions propagate to Db, which
// rolls back and turns them into error values. Status changes are conditional updates
// (`WHERE status = expected`), so two racing writers cannot both move one order.

#include <optional>
#include <vector>

#include "order/domain/list_query.h"
#include "order/domain/order.h"
#include "tinysaga/saga/choreography.h"

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

// Writes the mutable fields of `order` (product, quantity, price, status, status info,
// updated time) if the stored status is still `expected_status` and a cancel is requested
// exactly when `order` says so. False when the order is missing or changed meanwhile; nothing
// is written then. (The cancel request itself is written only by RecordCancelRequestIf.)
bool UpdateOrderIf(soci::session& session, const Order& order, OrderStatus expected_status);

// Stores `order.cancel_requested_at_ms` (and updated time) if the stored order is PLACED with
// no cancel requested yet. False otherwise, writing nothing: of two racing requests, one wins.
bool RecordCancelRequestIf(soci::session& session, const Order& order);

// Orders in `status` whose last change was at or before `updated_before_ms`, longest waiting
// first, at most `limit` (the choreography deadlines). PLACED ones only with a cancel
// requested: the deadlines act on no other, and those waiting to be shipped would otherwise
// fill every batch ahead of an unfinished cancel.
std::vector<Order> ListOrdersUnchangedSince(soci::session& session, OrderStatus status,
                                            TimestampMs updated_before_ms, int limit);

// A cancel the deadlines gave up on (cancel_gave_up_at_ms, 004): set if the order is PLACED
// with a cancel requested and not given up yet; false otherwise, writing nothing.
bool MarkCancelGaveUpIf(soci::session& session, const OrderId& order_id, TimestampMs now_ms);
// An operator's retry of a cancel given up: announced again from now on (updated_at_ms = now),
// and given up again only a whole give-up deadline later. False when it was not given up.
bool ReopenCancelIf(soci::session& session, const OrderId& order_id, TimestampMs now_ms);

// The facts of the order's choreographed sagas (table saga_facts), in the order recorded.
void AppendSagaFact(soci::session& session, const OrderId& order_id,
                    const saga::ChoreographyFact& fact);
std::vector<saga::ChoreographyFact> ListSagaFacts(soci::session& session,
                                                  const OrderId& order_id);

// What the event streams compare between polls (order/events): cheap, one indexed statement.
struct OrderWatchState {
  OrderStatus status = OrderStatus::kInitiated;
  int64_t history_count = 0;  // history only grows, so a new line changes the count
  bool cancel_requested = false;
};
std::optional<OrderWatchState> FindOrderWatchState(soci::session& session,
                                                   const OrderId& order_id);

}  // namespace tinysaga::order
