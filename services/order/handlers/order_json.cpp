#include "order/handlers/order_json.h"

namespace tinysaga::order {

nlohmann::json OrderJson(const Order& order) {
  return nlohmann::json{
      {"orderId", order.order_id.value()},
      {"userId", order.user_id.value()},
      {"productId", order.product_id.value()},
      {"quantity", order.quantity},
      {"price", order.price_cents},
      {"currency", order.currency},
      {"status", FormatOrderStatus(order.status)},
      {"statusInfo", order.status_info},
      {"createdAt", FormatRfc3339(order.created_at_ms)},
      {"updatedAt", FormatRfc3339(order.updated_at_ms)},
      {"cancelRequested", order.cancel_requested()},
  };
}

nlohmann::json OrderJson(const Order& order, const std::vector<StatusChange>& history) {
  nlohmann::json json = OrderJson(order);
  nlohmann::json& lines = json["history"] = nlohmann::json::array();
  for (const StatusChange& change : history) {
    lines.push_back({{"status", FormatOrderStatus(change.status)},
                     {"statusInfo", change.status_info},
                     {"at", FormatRfc3339(change.at_ms)}});
  }
  return json;
}

}  // namespace tinysaga::order
