#include "inventory/inventory_service.h"

#include "inventory/handlers/inventory_api.h"
#include "inventory/log.h"
#include "inventory/schema.h"

namespace tinysaga::inventory {

int Run(const platform::ServiceConfig& config) {
  // Before CreateService starts any thread, so that RunUntilSignal's sigwait gets the signals
  // (idempotent: main may have done it already).
  platform::BlockTerminationSignals();
  auto context = platform::CreateService(config, schema::Migrations());
  if (!context.ok()) {
    Log()->error("cannot start: {}", context.error().detail);
    return 1;
  }
  platform::ServiceContext& service = **context;
  // Declared after the context and destroyed before it: the server (stopped by
  // RunUntilSignal) no longer calls the api when the api goes.
  InventoryApi api(*service.db, service.clock, service.rng);
  api.Register(*service.server, config.internal_secret);
  Log()->info("inventory serving");
  platform::RunUntilSignal(*service.server);
  Log()->info("inventory stopped");
  return 0;
}

}  // namespace tinysaga::inventory
