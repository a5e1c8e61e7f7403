#include "inventory/handlers/inventory_api.h"

#include <nlohmann/json.hpp>

#include "inventory/domain/product.h"
#include "inventory/domain/stock.h"
#include "inventory/domain/validation.h"
#include "inventory/inventory_repository.h"
#include "inventory/log.h"
#include "tinysaga/core/json_reader.h"
#include "tinysaga/core/query.h"
#include "tinysaga/http/problem.h"
#include "tinysaga/platform/service.h"

namespace tinysaga::inventory {
namespace {

// The problem for an error. Internal details (SQL text, exception messages) go to the log,
// never to the client.
http::Response ProblemFor(const Error& error) {
  if (error.code != Errc::kInternal) return http::Problem(error);
  Log()->error("internal error: {}", error.detail);
  return http::Problem(500, "internal", "internal error");
}

constexpr size_t kProductIdBytesMax = 64;
constexpr size_t kCurrencyBytesMax = 16;  // the rule is 3 letters; this only bounds the read

nlohmann::json ProductJson(const Product& product) {
  return {
      {"productId", product.product_id.value()}, {"productName", product.product_name},
      {"productType", product.product_type},     {"price", product.price.cents()},
      {"currency", product.price.currency()},    {"availableProductCount", product.available_count},
  };
}

// Admin-only endpoints: anonymous 401, user 403. Services act for the system (the demo
// seeding, later sagas), so they pass like admins.
Result<void> RequireAdmin(const platform::Caller& caller) {
  if (!caller.authenticated()) return MakeError(Errc::kUnauthorized, "authentication required");
  if (!caller.privileged()) return MakeError(Errc::kForbidden, "admin role required");
  return Ok();
}

// The {productId} path parameter; an id that could never exist is simply not found.
Result<ProductId> ProductIdFromPath(const http::Request& request) {
  auto it = request.path_params.find("productId");
  if (it == request.path_params.end() || !IsValidName(it->second)) {
    return MakeError(Errc::kNotFound, "no such product");
  }
  return ProductId(it->second);
}

Result<NewProductRequest> ReadNewProduct(const std::string& body) {
  TS_ASSIGN_OR_RETURN(JsonReader json, JsonReader::ParseBody(body));
  // Lengths from 0 here: the domain checks (ValidateNewProduct) say what a product needs, in
  // characters, and name the field.
  NewProductRequest request;
  request.product_id = json.OptionalString("productId", 0, kProductIdBytesMax);
  request.product_name =
      json.String("productName", 0, kProductNameCharactersMax * kUtf8BytesPerCharacterMax);
  request.product_type =
      json.String("productType", 0, kProductTypeCharactersMax * kUtf8BytesPerCharacterMax);
  request.price_cents = json.Integer("price", 0, Money::kAmountCentsMax);
  request.currency = json.OptionalString("currency", 0, kCurrencyBytesMax);
  TS_RETURN_IF_ERROR(json.Finish());
  return request;
}

Result<std::optional<Product>> LoadProduct(storage::Db& db, const ProductId& product_id) {
  return db.Read<std::optional<Product>>(
      [&](soci::session& session) { return FindProduct(session, product_id); });
}

// Who acted, for the logs: the user id, or "service" for a service caller.
std::string CallerName(const platform::Caller& caller) {
  return caller.user_id.empty() ? std::string("service") : caller.user_id;
}

}  // namespace

InventoryApi::InventoryApi(storage::Db& db, const Clock& clock, Rng& rng)
    : db_(db), clock_(clock), rng_(rng) {}

http::Response InventoryApi::GetProducts(const http::Request& /*request*/,
                                         const platform::Caller& /*caller*/) {
  // One more than the bound tells whether the list was cut.
  auto products = db_.Read<std::vector<Product>>(
      [](soci::session& session) { return ListProducts(session, kProductsListMax + 1); });
  if (!products.ok()) return ProblemFor(products.error());
  if (products->size() > kProductsListMax) {
    Log()->warn("product list truncated to {} products", kProductsListMax);
    products->erase(products->begin() + kProductsListMax, products->end());
  }
  nlohmann::json list = nlohmann::json::array();
  for (const Product& product : *products) list.push_back(ProductJson(product));
  return http::Response::Json(200, {{"products", std::move(list)}});
}

http::Response InventoryApi::GetProduct(const http::Request& request,
                                        const platform::Caller& /*caller*/) {
  auto product_id = ProductIdFromPath(request);
  if (!product_id.ok()) return ProblemFor(product_id.error());
  auto product = LoadProduct(db_, *product_id);
  if (!product.ok()) return ProblemFor(product.error());
  if (!*product) return ProblemFor(MakeError(Errc::kNotFound, "no product " + product_id->value()));
  return http::Response::Json(200, ProductJson(**product));
}

http::Response InventoryApi::GetAvailability(const http::Request& request,
                                             const platform::Caller& /*caller*/) {
  auto product_id = ProductIdFromPath(request);
  if (!product_id.ok()) return ProblemFor(product_id.error());
  auto quantity = ParseQueryInteger("quantity", request.Query("quantity"), 1, kQuantityMax, 1);
  if (!quantity.ok()) return ProblemFor(quantity.error());
  auto product = LoadProduct(db_, *product_id);
  if (!product.ok()) return ProblemFor(product.error());
  if (!*product) return ProblemFor(MakeError(Errc::kNotFound, "no product " + product_id->value()));
  const int64_t available_count = (*product)->available_count;
  return http::Response::Json(200, {{"productId", product_id->value()},
                                    {"available", IsAvailable(available_count, *quantity)},
                                    {"availableCount", available_count}});
}

http::Response InventoryApi::PostProduct(const http::Request& request,
                                         const platform::Caller& caller) {
  if (auto allowed = RequireAdmin(caller); !allowed.ok()) return ProblemFor(allowed.error());
  auto new_product = ReadNewProduct(request.body);
  if (!new_product.ok()) return ProblemFor(new_product.error());
  const ProductId generated_id(new_product->product_id ? std::string() : NewId("prd", rng_));
  auto product = ValidateNewProduct(*new_product, generated_id, clock_.NowMs());
  if (!product.ok()) return ProblemFor(product.error());
  auto inserted = db_.Write<bool>([&](soci::session& session) -> Result<bool> {
    TS_RETURN_IF_ERROR(InsertProduct(session, *product));
    return true;
  });
  if (!inserted.ok()) return ProblemFor(inserted.error());
  Log()->info("created product={} by={}", product->product_id.value(), CallerName(caller));
  http::Response response = http::Response::Json(201, ProductJson(*product));
  http::SetHeader(response.headers, "Location", "/api/products/" + product->product_id.value());
  return response;
}

http::Response InventoryApi::PutStock(const http::Request& request,
                                      const platform::Caller& caller) {
  if (auto allowed = RequireAdmin(caller); !allowed.ok()) return ProblemFor(allowed.error());
  auto product_id = ProductIdFromPath(request);
  if (!product_id.ok()) return ProblemFor(product_id.error());
  auto json = JsonReader::ParseBody(request.body);
  if (!json.ok()) return ProblemFor(json.error());
  const int64_t available_count = json->Integer("availableCount", 0, kAvailableCountMax);
  if (auto finished = json->Finish(); !finished.ok()) return ProblemFor(finished.error());
  const TimestampMs now_ms = clock_.NowMs();
  auto product = db_.Write<Product>([&](soci::session& session) {
    return SetStock(session, *product_id, available_count, now_ms);
  });
  if (!product.ok()) return ProblemFor(product.error());
  Log()->info("stock product={} available={} by={}", product_id->value(), available_count,
              CallerName(caller));
  return http::Response::Json(200, ProductJson(*product));
}

void InventoryApi::Register(http::Server& server, const std::string& internal_secret) {
  platform::RouteGuarded(server, internal_secret, "GET", "/api/products", this,
                         &InventoryApi::GetProducts);
  // Read by Order for every new order (its price), so on the I/O thread.
  platform::RouteGuarded(server, internal_secret, "GET", "/api/products/{productId}", this,
                         &InventoryApi::GetProduct, platform::RunsOn::kIoThread);
  platform::RouteGuarded(server, internal_secret, "GET", "/api/products/{productId}/availability",
                         this, &InventoryApi::GetAvailability);
  platform::RouteGuarded(server, internal_secret, "POST", "/api/products", this,
                         &InventoryApi::PostProduct);
  platform::RouteGuarded(server, internal_secret, "PUT", "/api/products/{productId}/stock", this,
                         &InventoryApi::PutStock);
}

}  // namespace tinysaga::inventory
