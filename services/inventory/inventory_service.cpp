#include "inventory/inventory_service.h"

#include <memory>
#include <string>

#include "inventory/handlers/inventory_api.h"
#include "inventory/handlers/inventory_commands.h"
#include "inventory/log.h"
#include "inventory/schema.h"
#include "tinysaga/contracts/topics.h"

namespace tinysaga::inventory {

int Run(const platform::ServiceConfig& config) {
  return platform::RunService(config, schema::Migrations(), [&](platform::ServiceContext& service) {
    auto api = std::make_shared<InventoryApi>(*service.db, service.clock, service.rng);
    api->Register(*service.server, config.internal_secret);
    if (service.messaging) {
      auto subscribed = service.messaging->Subscribe(
          "commands", {std::string(contracts::kInventoryCommandsTopic)},
          InventoryCommandHandler(service.clock, service.rng));
      // RegisterRoutes has no error path: a service that cannot consume its commands still
      // serves its catalogue, and says so loudly.
      if (!subscribed.ok()) {
        Log()->error("cannot subscribe to {}: {}", contracts::kInventoryCommandsTopic,
                     subscribed.error().detail);
      }
    }
    return platform::ServiceParts(std::move(api));
  });
}

}  // namespace tinysaga::inventory
