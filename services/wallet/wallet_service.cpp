#include "wallet/wallet_service.h"

#include "wallet/handlers/wallet_api.h"
#include "wallet/log.h"
#include "wallet/schema.h"

namespace tinysaga::wallet {

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
  WalletApi api(*service.db, service.clock, service.rng);
  api.Register(*service.server, config.internal_secret);
  Log()->info("wallet serving");
  platform::RunUntilSignal(*service.server);
  Log()->info("wallet stopped");
  return 0;
}

}  // namespace tinysaga::wallet
