#include "inventory/inventory_service.h"

#include <memory>
#include <string>

#include "inventory/handlers/inventory_api.h"
#include "inventory/handlers/inventory_commands.h"
#include "inventory/handlers/inventory_events.h"
#include "inventory/handlers/inventory_faults.h"
#include "inventory/log.h"
#include "inventory/schema.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/platform/handlers.h"
#include "tinysaga/saga/choreography.h"
#include "tinysaga/saga/choreography_reactions.h"
#include "tinysaga/sagas/order_sagas.h"

namespace tinysaga::inventory {
namespace {

// What the inventory's routes and consumers use; destroyed after the server and the consumers
// stopped (platform::RunService), so the handlers may refer to the fault switch.
struct InventoryParts {
  explicit InventoryParts(platform::ServiceContext& service)
      : api(*service.db, service.clock, service.rng), faults(service.config.dev_mode) {}

  InventoryApi api;
  InventoryFaults faults;
};

}  // namespace

int Run(const platform::ServiceConfig& config) {
  return platform::RunService(config, schema::Migrations(), [&](platform::ServiceContext& service) {
    auto parts = std::make_shared<InventoryParts>(service);
    parts->api.Register(*service.server, config.internal_secret);
    parts->faults.Register(*service.server, config.internal_secret);
    if (service.messaging) {
      // Orchestration: the orchestrator's commands. Choreography: the events Inventory reacts to.
      const bool choreography = config.saga_mode == SagaMode::kChoreography;
      std::vector<std::string> topics =
          choreography ? saga::ChoreographyTopics(sagas::DefaultDefinitions(),
                                                  contracts::Participant::kInventory)
                       : std::vector<std::string>{std::string(contracts::kInventoryCommandsTopic)};
      platform::MessageHandler handler =
          choreography ? InventoryEventHandler(service.clock, service.rng, &parts->faults)
                       : InventoryCommandHandler(service.clock, service.rng,
                                                 contracts::kSagaRepliesTopic, &parts->faults);
      platform::IgnoredTypes ignores = platform::Handlers::IgnoredBy(handler);
      auto subscribed = service.messaging->Subscribe(choreography ? "events" : "commands", topics,
                                                     std::move(handler), {}, std::move(ignores));
      // RegisterRoutes has no error path: a service that cannot consume its messages still
      // serves its catalogue, and says so loudly.
      if (!subscribed.ok()) {
        Log()->error("cannot subscribe to {}: {}", topics.front(), subscribed.error().detail);
      }
    }
    return platform::ServiceParts(std::move(parts));
  });
}

}  // namespace tinysaga::inventory
