#include "order/order_service.h"

#include <spdlog/spdlog.h>

#include "order/handlers/order_api.h"
#include "order/inventory_client.h"
#include "order/schema.h"
#include "tinysaga/http/client.h"

namespace tinysaga::order {
namespace {

// The configured instances of peer `name`; an unparsable URL is a configuration error.
Result<std::vector<http::Endpoint>> PeerEndpoints(const platform::ServiceConfig& config,
                                                  const std::string& name) {
  std::vector<http::Endpoint> endpoints;
  for (const auto& [peer, urls] : config.peers) {
    if (peer != name) continue;
    for (const std::string& url : urls) {
      TS_ASSIGN_OR_RETURN(http::Endpoint endpoint, http::Endpoint::Parse(url));
      endpoints.push_back(std::move(endpoint));
    }
  }
  return endpoints;
}

}  // namespace

int Run(const platform::ServiceConfig& config) {
  auto inventory_endpoints = PeerEndpoints(config, "inventory");
  if (!inventory_endpoints.ok()) {
    spdlog::error("order: bad inventory peer URL: {}", inventory_endpoints.error().detail);
    return 1;
  }
  if (inventory_endpoints->empty())
    spdlog::warn("order: no inventory peer configured; orders cannot be priced");

  auto context = platform::CreateService(config, schema::AllMigrations());
  if (!context.ok()) {
    spdlog::error("order: cannot start: {}", context.error().detail);
    return 1;
  }
  // Declared after the context, so destroyed before it: the server has stopped by then.
  http::Client client;
  InventoryClient inventory(client, std::move(*inventory_endpoints), config.internal_secret);
  OrderApi api(*(*context)->db, (*context)->clock, (*context)->rng, inventory);
  api.Register(*(*context)->server, config.internal_secret);
  spdlog::info("order: serving");
  platform::RunUntilSignal(*(*context)->server);
  spdlog::info("order: stopped");
  return 0;
}

}  // namespace tinysaga::order
