#include "demo_data.h"

#include <nlohmann/json.hpp>

namespace tinysaga::app {
namespace {

struct DemoProduct {
  const char* id;
  const char* name;
  const char* type;
  int64_t price_cents;
  int64_t stock;
};

constexpr DemoProduct kProducts[] = {
    {"keyboard", "Mechanical keyboard", "peripheral", 8'900, 25},
    {"mouse", "Wireless mouse", "peripheral", 2'500, 100},
    {"monitor", "27-inch monitor", "display", 24'900, 10},
    {"laptop", "Ultralight laptop", "computer", 129'900, 3},
    {"cable", "USB-C cable", "accessory", 900, 500},
    {"headphones", "Noise-cancelling headphones", "audio", 14'900, 0},  // out of stock
};

struct DemoWallet {
  const char* user_id;
  int64_t deposit_cents;  // 0: no wallet at all
};

constexpr DemoWallet kWallets[] = {
    {"alice", 500'000},  // rich
    {"bob", 1'500},      // poor: enough for a cable, not for a keyboard
    {"carol", 0},        // empty: no wallet yet
};

Result<http::Response> Call(http::Client& client, const http::Endpoint& gateway, const std::string& token,
                            std::string method, std::string target, const nlohmann::json& body,
                            std::string idempotency_key = "") {
  http::Request request{.method = std::move(method), .target = std::move(target), .body = body.dump()};
  request.headers = {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}};
  if (!idempotency_key.empty()) request.headers.emplace_back("Idempotency-Key", idempotency_key);
  const std::string what = request.method + " " + request.target;
  TS_ASSIGN_OR_RETURN(auto response, client.SendAndWait(gateway, std::move(request)));
  if (response.status >= 500) {
    return MakeError(Errc::kUnavailable, what + " answered " + std::to_string(response.status));
  }
  return response;
}

Result<void> Expect(const Result<http::Response>& response, std::initializer_list<int> statuses, const std::string& what) {
  if (!response.ok()) return response.error();
  for (int status : statuses) {
    if (response->status == status) return Ok();
  }
  return MakeError(Errc::kInternal, what + ": HTTP " + std::to_string(response->status) + " " + response->body);
}

}  // namespace

Result<void> SeedDemoData(http::Client& client, const http::Endpoint& gateway, const std::string& admin_token) {
  for (const auto& product : kProducts) {
    auto created = Call(client, gateway, admin_token, "POST", "/api/products",
                        {{"productId", product.id},
                         {"productName", product.name},
                         {"productType", product.type},
                         {"price", product.price_cents}});
    TS_RETURN_IF_ERROR(Expect(created, {201, 409}, std::string("create product ") + product.id));
    if (created->status == 409) continue;  // seeded by an earlier run: keep its stock as it is
    auto stocked = Call(client, gateway, admin_token, "PUT", std::string("/api/products/") + product.id + "/stock",
                        {{"availableCount", product.stock}});
    TS_RETURN_IF_ERROR(Expect(stocked, {200}, std::string("stock product ") + product.id));
  }
  for (const auto& wallet : kWallets) {
    if (wallet.deposit_cents == 0) continue;
    auto deposited = Call(client, gateway, admin_token, "POST", std::string("/api/wallets/") + wallet.user_id + "/deposits",
                          {{"amount", wallet.deposit_cents}}, std::string("demo-seed-") + wallet.user_id);
    TS_RETURN_IF_ERROR(Expect(deposited, {201}, std::string("deposit for ") + wallet.user_id));
  }
  return Ok();
}

}  // namespace tinysaga::app
