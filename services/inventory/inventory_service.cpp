#include "inventory/inventory_service.h"

#include <memory>
#include <string>

#include "inventory/handlers/inventory_api.h"
#include "inventory/handlers/inventory_commands.h"
#include "inventory/handlers/inventory_events.h"
#include "inventory/log.h"
#include "inventory/schema.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/saga/choreography.h"
#include "tinysaga/saga/choreography_reactions.h"
#include "tinysaga/sagas/order_sagas.h"

namespace tinysaga::inventory {

int Run(const platform::ServiceConfig& config) {
  return platform::RunService(config, schema::Migrations(), [&](platform::ServiceContext& service) {
    auto api = std::make_shared<InventoryApi>(*service.db, service.clock, service.rng);
    api->Register(*service.server, config.internal_secret);
    if (service.messaging) {
      // Orchestration: the orchestrator's commands. Choreography: the events Inventory reacts to.
      const bool choreography = config.saga_mode == SagaMode::kChoreography;
      std::vector<std::string> topics =
          choreography ? saga::ChoreographyTopics(sagas::DefaultDefinitions(),
                                                  contracts::Participant::kInventory)
                       : std::vector<std::string>{std::string(contracts::kInventoryCommandsTopic)};
      auto subscribed = service.messaging->Subscribe(
          choreography ? "events" : "commands", topics,
          choreography ? InventoryEventHandler(service.clock, service.rng)
                       : InventoryCommandHandler(service.clock, service.rng));
      // RegisterRoutes has no error path: a service that cannot consume its messages still
      // serves its catalogue, and says so loudly.
      if (!subscribed.ok()) {
        Log()->error("cannot subscribe to {}: {}", topics.front(), subscribed.error().detail);
      }
    }
    return platform::ServiceParts(std::move(api));
  });
}

}  // namespace tinysaga::inventory
