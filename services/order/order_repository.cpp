#include "order/order_repository.h"

#include <soci/soci.h>

#include <stdexcept>
#include <string>

namespace tinysaga::order {
namespace {

constexpr const char* kOrderColumns =
    "order_id, user_id, product_id, quantity, price_cents, currency, status, status_info, "
    "created_at_ms, updated_at_ms, cancel_requested_at_ms";

// One orders row in the types SOCI binds (64-bit integers as long long, see the conventions).
struct OrderRow {
  std::string order_id;
  std::string user_id;
  std::string product_id;
  long long quantity = 0;
  long long price_cents = 0;
  std::string currency;
  std::string status;
  std::string status_info;
  long long created_at_ms = 0;
  long long updated_at_ms = 0;
  long long cancel_requested_at_ms = 0;
  soci::indicator cancel_requested_indicator = soci::i_null;

  void BindInto(soci::statement& statement) {
    statement.exchange(soci::into(order_id));
    statement.exchange(soci::into(user_id));
    statement.exchange(soci::into(product_id));
    statement.exchange(soci::into(quantity));
    statement.exchange(soci::into(price_cents));
    statement.exchange(soci::into(currency));
    statement.exchange(soci::into(status));
    statement.exchange(soci::into(status_info));
    statement.exchange(soci::into(created_at_ms));
    statement.exchange(soci::into(updated_at_ms));
    statement.exchange(soci::into(cancel_requested_at_ms, cancel_requested_indicator));
  }

  Order ToOrder() const {
    auto parsed_status = ParseOrderStatus(status);
    // Only this service writes the column, always through FormatOrderStatus.
    if (!parsed_status)
      throw std::runtime_error("orders row " + order_id + " has status '" + status + "'");
    Order order{OrderId(order_id), UserId(user_id), ProductId(product_id), quantity,
                price_cents,       currency,        *parsed_status,        status_info,
                created_at_ms,     updated_at_ms};
    if (cancel_requested_indicator == soci::i_ok) {
      order.cancel_requested_at_ms = cancel_requested_at_ms;
    }
    return order;
  }
};

}  // namespace

void InsertOrder(soci::session& session, const Order& order) {
  long long quantity = order.quantity;
  long long price_cents = order.price_cents;
  long long created_at_ms = order.created_at_ms;
  long long updated_at_ms = order.updated_at_ms;
  long long cancel_requested_at_ms = order.cancel_requested_at_ms.value_or(0);
  soci::indicator cancel_requested_indicator =
      order.cancel_requested_at_ms ? soci::i_ok : soci::i_null;
  std::string status(FormatOrderStatus(order.status));
  session << "INSERT INTO orders (" << kOrderColumns
          << ") VALUES (:order_id, :user_id, :product_id, :quantity, :price_cents, :currency, "
             ":status, :status_info, :created_at_ms, :updated_at_ms, :cancel_requested_at_ms)",
      soci::use(order.order_id.value(), "order_id"), soci::use(order.user_id.value(), "user_id"),
      soci::use(order.product_id.value(), "product_id"), soci::use(quantity, "quantity"),
      soci::use(price_cents, "price_cents"), soci::use(order.currency, "currency"),
      soci::use(status, "status"), soci::use(order.status_info, "status_info"),
      soci::use(created_at_ms, "created_at_ms"), soci::use(updated_at_ms, "updated_at_ms"),
      soci::use(cancel_requested_at_ms, cancel_requested_indicator, "cancel_requested_at_ms");
}

void AppendStatusChange(soci::session& session, const OrderId& order_id,
                        const StatusChange& change) {
  std::string status(FormatOrderStatus(change.status));
  long long at_ms = change.at_ms;
  session << "INSERT INTO order_history (order_id, status, status_info, at_ms) "
             "VALUES (:order_id, :status, :status_info, :at_ms)",
      soci::use(order_id.value(), "order_id"), soci::use(status, "status"),
      soci::use(change.status_info, "status_info"), soci::use(at_ms, "at_ms");
}

std::optional<Order> FindOrder(soci::session& session, const OrderId& order_id) {
  OrderRow row;
  std::string id = order_id.value();
  soci::statement statement(session);
  row.BindInto(statement);
  statement.exchange(soci::use(id, "order_id"));
  statement.alloc();
  statement.prepare(std::string("SELECT ") + kOrderColumns +
                    " FROM orders WHERE order_id = :order_id");
  statement.define_and_bind();
  if (!statement.execute(true)) return std::nullopt;
  return row.ToOrder();
}

std::vector<StatusChange> ListStatusChanges(soci::session& session, const OrderId& order_id) {
  std::string status;
  std::string status_info;
  long long at_ms = 0;
  soci::statement statement =
      (session.prepare << "SELECT status, status_info, at_ms FROM order_history "
                          "WHERE order_id = :order_id ORDER BY id",
       soci::use(order_id.value(), "order_id"), soci::into(status), soci::into(status_info),
       soci::into(at_ms));
  statement.execute();
  std::vector<StatusChange> changes;
  while (statement.fetch()) {
    auto parsed_status = ParseOrderStatus(status);
    if (!parsed_status) throw std::runtime_error("order_history row has status '" + status + "'");
    changes.push_back(StatusChange{*parsed_status, status_info, at_ms});
  }
  return changes;
}

std::vector<Order> ListOrders(soci::session& session, const OrderFilter& filter) {
  // Bound values live here, for as long as the statement.
  std::string user_id = filter.user_id ? filter.user_id->value() : "";
  std::string status = filter.status ? std::string(FormatOrderStatus(*filter.status)) : "";
  long long after_ms = filter.after ? filter.after->created_at_ms : 0;
  std::string after_id = filter.after ? filter.after->order_id.value() : "";
  int limit = filter.limit;

  OrderRow row;
  soci::statement statement(session);
  row.BindInto(statement);
  std::string sql = std::string("SELECT ") + kOrderColumns + " FROM orders WHERE 1 = 1";
  if (filter.user_id) {
    sql += " AND user_id = :user_id";
    statement.exchange(soci::use(user_id, "user_id"));
  }
  if (filter.status) {
    sql += " AND status = :status";
    statement.exchange(soci::use(status, "status"));
  }
  if (filter.after) {
    sql +=
        " AND (created_at_ms < :after_ms OR (created_at_ms = :after_ms_tie AND order_id < "
        ":after_id))";
    statement.exchange(soci::use(after_ms, "after_ms"));
    statement.exchange(soci::use(after_ms, "after_ms_tie"));
    statement.exchange(soci::use(after_id, "after_id"));
  }
  sql += " ORDER BY created_at_ms DESC, order_id DESC LIMIT :limit";
  statement.exchange(soci::use(limit, "limit"));
  statement.alloc();
  statement.prepare(sql);
  statement.define_and_bind();
  statement.execute();
  std::vector<Order> orders;
  while (statement.fetch()) orders.push_back(row.ToOrder());
  return orders;
}

bool UpdateOrderIf(soci::session& session, const Order& order, OrderStatus expected_status) {
  long long quantity = order.quantity;
  long long price_cents = order.price_cents;
  long long updated_at_ms = order.updated_at_ms;
  std::string status(FormatOrderStatus(order.status));
  std::string expected(FormatOrderStatus(expected_status));
  // The cancel request is part of the expected state: a change decided on an order without
  // one must not apply once a cancel was requested meanwhile (PostgreSQL, READ COMMITTED).
  const char* cancel_condition = order.cancel_requested_at_ms
                                     ? " AND cancel_requested_at_ms IS NOT NULL"
                                     : " AND cancel_requested_at_ms IS NULL";
  soci::statement statement =
      (session.prepare << "UPDATE orders SET product_id = :product_id, quantity = :quantity, "
                          "price_cents = :price_cents, currency = :currency, status = :status, "
                          "status_info = :status_info, updated_at_ms = :updated_at_ms "
                          "WHERE order_id = :order_id AND status = :expected"
                       << cancel_condition,
       soci::use(order.product_id.value(), "product_id"), soci::use(quantity, "quantity"),
       soci::use(price_cents, "price_cents"), soci::use(order.currency, "currency"),
       soci::use(status, "status"), soci::use(order.status_info, "status_info"),
       soci::use(updated_at_ms, "updated_at_ms"), soci::use(order.order_id.value(), "order_id"),
       soci::use(expected, "expected"));
  statement.execute(true);
  return statement.get_affected_rows() == 1;
}

bool RecordCancelRequestIf(soci::session& session, const Order& order) {
  if (!order.cancel_requested_at_ms) return false;
  long long requested_at_ms = *order.cancel_requested_at_ms;
  long long updated_at_ms = order.updated_at_ms;
  std::string placed(FormatOrderStatus(OrderStatus::kPlaced));
  soci::statement statement =
      (session.prepare << "UPDATE orders SET cancel_requested_at_ms = :requested_at_ms, "
                          "updated_at_ms = :updated_at_ms WHERE order_id = :order_id "
                          "AND status = :placed AND cancel_requested_at_ms IS NULL",
       soci::use(requested_at_ms, "requested_at_ms"), soci::use(updated_at_ms, "updated_at_ms"),
       soci::use(order.order_id.value(), "order_id"), soci::use(placed, "placed"));
  statement.execute(true);
  return statement.get_affected_rows() == 1;
}

std::vector<Order> ListOrdersUnchangedSince(soci::session& session, OrderStatus status,
                                            TimestampMs updated_before_ms, int limit) {
  std::string status_name(FormatOrderStatus(status));
  long long before_ms = updated_before_ms;
  OrderRow row;
  soci::statement statement(session);
  row.BindInto(statement);
  statement.exchange(soci::use(status_name, "status"));
  statement.exchange(soci::use(before_ms, "before_ms"));
  statement.exchange(soci::use(limit, "limit"));
  statement.alloc();
  // PLACED: the cancels still announced (orders_cancel_requested, a partial index).
  const char* cancel_condition =
      status == OrderStatus::kPlaced
          ? " AND cancel_requested_at_ms IS NOT NULL AND cancel_gave_up_at_ms IS NULL"
          : "";
  statement.prepare(std::string("SELECT ") + kOrderColumns +
                    " FROM orders WHERE status = :status AND updated_at_ms <= :before_ms" +
                    cancel_condition + " ORDER BY updated_at_ms LIMIT :limit");
  statement.define_and_bind();
  statement.execute();
  std::vector<Order> orders;
  while (statement.fetch()) orders.push_back(row.ToOrder());
  return orders;
}

bool MarkCancelGaveUpIf(soci::session& session, const OrderId& order_id, TimestampMs now_ms) {
  long long now = now_ms;
  const std::string placed(FormatOrderStatus(OrderStatus::kPlaced));
  soci::statement statement =
      (session.prepare << "UPDATE orders SET cancel_gave_up_at_ms = :now_ms "
                          "WHERE order_id = :order_id AND status = :placed "
                          "AND cancel_requested_at_ms IS NOT NULL AND cancel_gave_up_at_ms IS NULL",
       soci::use(now, "now_ms"), soci::use(order_id.value(), "order_id"),
       soci::use(placed, "placed"));
  statement.execute(true);
  return statement.get_affected_rows() == 1;
}

bool ReopenCancelIf(soci::session& session, const OrderId& order_id, TimestampMs now_ms) {
  long long now = now_ms;
  soci::statement statement =
      (session.prepare << "UPDATE orders SET cancel_gave_up_at_ms = NULL, updated_at_ms = :now_ms "
                          "WHERE order_id = :order_id AND cancel_gave_up_at_ms IS NOT NULL",
       soci::use(now, "now_ms"), soci::use(order_id.value(), "order_id"));
  statement.execute(true);
  return statement.get_affected_rows() == 1;
}

void AppendSagaFact(soci::session& session, const OrderId& order_id,
                    const saga::ChoreographyFact& fact) {
  long long time_ms = fact.time_ms;
  session << "INSERT INTO saga_facts (order_id, saga_type, type, time_ms, detail, message_id, "
             "actor, reason) VALUES (:order_id, :saga_type, :type, :time_ms, :detail, "
             ":message_id, :actor, :reason)",
      soci::use(order_id.value(), "order_id"), soci::use(fact.saga_type, "saga_type"),
      soci::use(fact.type, "type"), soci::use(time_ms, "time_ms"), soci::use(fact.detail, "detail"),
      soci::use(fact.message_id, "message_id"), soci::use(fact.actor, "actor"),
      soci::use(fact.reason, "reason");
}

std::vector<saga::ChoreographyFact> ListSagaFacts(soci::session& session,
                                                  const OrderId& order_id) {
  saga::ChoreographyFact fact;
  long long time_ms = 0;
  soci::statement statement =
      (session.prepare << "SELECT saga_type, type, time_ms, detail, message_id, actor, reason "
                          "FROM saga_facts WHERE order_id = :order_id ORDER BY id",
       soci::use(order_id.value(), "order_id"), soci::into(fact.saga_type), soci::into(fact.type),
       soci::into(time_ms), soci::into(fact.detail), soci::into(fact.message_id),
       soci::into(fact.actor), soci::into(fact.reason));
  statement.execute();
  std::vector<saga::ChoreographyFact> facts;
  while (statement.fetch()) {
    fact.time_ms = time_ms;
    facts.push_back(fact);
  }
  return facts;
}

std::optional<OrderWatchState> FindOrderWatchState(soci::session& session,
                                                   const OrderId& order_id) {
  std::string status;
  long long history_count = 0;
  long long cancel_requested_at_ms = 0;
  soci::indicator cancel_requested_indicator = soci::i_null;
  // One statement, so the three values are from one snapshot on both databases.
  session << "SELECT o.status, (SELECT COUNT(*) FROM order_history h "
             "WHERE h.order_id = o.order_id), o.cancel_requested_at_ms "
             "FROM orders o WHERE o.order_id = :order_id",
      soci::into(status), soci::into(history_count),
      soci::into(cancel_requested_at_ms, cancel_requested_indicator),
      soci::use(order_id.value(), "order_id");
  if (!session.got_data()) return std::nullopt;
  auto parsed_status = ParseOrderStatus(status);
  if (!parsed_status) throw std::runtime_error("orders row has status '" + status + "'");
  return OrderWatchState{*parsed_status, history_count,
                         cancel_requested_indicator == soci::i_ok};
}

}  // namespace tinysaga::order
