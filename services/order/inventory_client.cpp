#include "order/inventory_client.h"

#include <nlohmann/json.hpp>

namespace tinysaga::order {

InventoryClient::InventoryClient(http::Client& client, std::vector<http::Endpoint> endpoints,
                                 std::string internal_secret, std::chrono::milliseconds timeout)
    : peer_(client, "inventory", std::move(endpoints), std::move(internal_secret), timeout) {}

Result<ProductSnapshot> InventoryClient::GetProduct(const ProductId& product_id) {
  http::Request request;
  request.method = "GET";
  request.target = "/api/products/" + http::PercentEncode(product_id.value());
  TS_ASSIGN_OR_RETURN(http::Response response, peer_.SendAsService(std::move(request)));
  if (response.status == 404) {
    return MakeError(Errc::kNotFound, "product '" + product_id.value() + "' not found");
  }
  if (response.status != 200) {
    return MakeError(Errc::kUnavailable,
                     "inventory answered HTTP " + std::to_string(response.status));
  }
  return ParseProduct(response.body, product_id);
}

Result<ProductSnapshot> ParseProduct(const std::string& body, const ProductId& asked) {
  const Error broken = MakeError(Errc::kUnavailable, "inventory answered a malformed product");
  nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return broken;
  auto id = json.find("productId");
  auto price = json.find("price");
  auto currency = json.find("currency");
  auto available = json.find("availableProductCount");
  if (id == json.end() || !id->is_string() || id->get<std::string>() != asked.value())
    return broken;
  if (price == json.end() || !price->is_number_integer()) return broken;
  if (currency == json.end() || !currency->is_string()) return broken;
  if (available == json.end() || !available->is_number_integer()) return broken;
  // Unsigned values above INT64_MAX would wrap in get<int64_t>(): treat them as broken too.
  if (price->is_number_unsigned() && price->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
    return broken;
  if (available->is_number_unsigned() &&
      available->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    return broken;
  }
  return ProductSnapshot{asked, price->get<int64_t>(), currency->get<std::string>(),
                         available->get<int64_t>()};
}

}  // namespace tinysaga::order
