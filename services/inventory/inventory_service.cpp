#include "inventory/inventory_service.h"

#include <memory>

#include "inventory/handlers/inventory_api.h"
#include "inventory/schema.h"

namespace tinysaga::inventory {

int Run(const platform::ServiceConfig& config) {
  return platform::RunService(config, schema::Migrations(), [&](platform::ServiceContext& service) {
    auto api = std::make_shared<InventoryApi>(*service.db, service.clock, service.rng);
    api->Register(*service.server, config.internal_secret);
    return platform::ServiceParts(std::move(api));
  });
}

}  // namespace tinysaga::inventory
