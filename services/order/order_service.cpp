#include "order/order_service.h"

#include <spdlog/spdlog.h>

#include <memory>

#include "order/handlers/order_api.h"
#include "order/inventory_client.h"
#include "order/schema.h"
#include "tinysaga/http/client.h"
#include "tinysaga/platform/peer_client.h"

namespace tinysaga::order {
namespace {

// What the order routes use, destroyed in reverse order: the api, then the Inventory client,
// then the HTTP client it sends through.
struct OrderParts {
  OrderParts(platform::ServiceContext& service, std::vector<http::Endpoint> inventory_endpoints)
      : inventory(client, std::move(inventory_endpoints), service.config.internal_secret),
        api(*service.db, service.clock, service.rng, inventory) {}

  http::Client client;
  InventoryClient inventory;
  OrderApi api;
};

}  // namespace

int Run(const platform::ServiceConfig& config) {
  auto inventory_endpoints = platform::PeerEndpoints(config, "inventory");
  if (!inventory_endpoints.ok()) {
    spdlog::error("order: bad inventory peer URL: {}", inventory_endpoints.error().detail);
    return 1;
  }
  if (inventory_endpoints->empty())
    spdlog::warn("order: no inventory peer configured; orders cannot be priced");
  return platform::RunService(
      config, schema::AllMigrations(), [&](platform::ServiceContext& service) {
        auto parts = std::make_shared<OrderParts>(service, std::move(*inventory_endpoints));
        parts->api.Register(*service.server, config.internal_secret);
        return platform::ServiceParts(std::move(parts));
      });
}

}  // namespace tinysaga::order
