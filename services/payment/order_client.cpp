#include "payment/order_client.h"

#include <nlohmann/json.hpp>

#include "tinysaga/contracts/messages.h"

namespace tinysaga::payment {
namespace {

std::optional<std::string> TextField(const nlohmann::json& json, const char* field) {
  auto it = json.find(field);
  if (it == json.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

std::optional<int64_t> IntegerField(const nlohmann::json& json, const char* field) {
  auto it = json.find(field);
  if (it == json.end() || !it->is_number_integer()) return std::nullopt;
  if (it->is_number_unsigned() && it->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
    return std::nullopt;
  return it->get<int64_t>();
}

Error Unreadable(const std::string& body) {
  return MakeError(Errc::kUnavailable,
                   "order service answered a malformed order: " + body.substr(0, 300));
}

}  // namespace

OrderClient::OrderClient(http::Client& client, std::vector<http::Endpoint> endpoints,
                         std::string internal_secret, std::chrono::milliseconds timeout)
    : peer_(client, "order", std::move(endpoints), std::move(internal_secret), timeout) {}

Result<OrderView> OrderClient::GetOrder(const OrderId& order_id) {
  http::Request request;
  request.method = "GET";
  request.target = "/api/orders/" + http::PercentEncode(order_id.value());
  TS_ASSIGN_OR_RETURN(http::Response response, peer_.SendAsService(std::move(request)));
  if (response.status == 404) return MakeError(Errc::kNotFound, "no such order");
  if (response.status != 200) {
    return MakeError(Errc::kUnavailable,
                     "order service answered HTTP " + std::to_string(response.status));
  }
  TS_ASSIGN_OR_RETURN(OrderView order, ParseOrderView(response.body));
  if (order.order_id != order_id) return Unreadable(response.body);
  return order;
}

Result<void> OrderClient::MarkPaymentPending(const OrderId& order_id) {
  http::Request request;
  request.method = "POST";
  request.target = "/internal/orders/" + http::PercentEncode(order_id.value()) + "/payment-pending";
  TS_ASSIGN_OR_RETURN(http::Response response, peer_.SendAsService(std::move(request)));
  const std::string answered = "order service answered HTTP " + std::to_string(response.status);
  if (response.status == 200) return Ok();
  if (response.status == 409) return MakeError(Errc::kConflict, "the order is no longer INITIATED");
  if (response.status == 404) return MakeError(Errc::kNotFound, "no such order");
  return MakeError(Errc::kUnavailable, answered);
}

Result<OrderView> ParseOrderView(const std::string& body) {
  nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return Unreadable(body);
  auto order_id = TextField(json, "orderId");
  auto user_id = TextField(json, "userId");
  auto product_id = TextField(json, "productId");
  auto status = TextField(json, "status");
  auto currency = TextField(json, "currency");
  auto quantity = IntegerField(json, "quantity");
  auto price = IntegerField(json, "price");
  if (!order_id || !user_id || !product_id || !status || !currency || !quantity || !price ||
      !IsValidId(*order_id) || !IsValidName(*user_id) || !IsValidName(*product_id) ||
      *quantity < contracts::kQuantityMin || *quantity > contracts::kQuantityMax) {
    return Unreadable(body);
  }
  auto money = Money::FromCents(*price, *currency);
  if (!money.ok()) return Unreadable(body);
  return OrderView{.order_id = OrderId(*order_id),
                   .user_id = UserId(*user_id),
                   .product_id = ProductId(*product_id),
                   .quantity = *quantity,
                   .price = std::move(money).value(),
                   .status = *status};
}

}  // namespace tinysaga::payment
