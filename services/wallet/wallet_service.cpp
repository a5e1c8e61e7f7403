#include "wallet/wallet_service.h"

#include <memory>

#include "wallet/handlers/payment_operations_api.h"
#include "wallet/handlers/wallet_api.h"
#include "wallet/schema.h"

namespace tinysaga::wallet {
namespace {

// What the wallet's routes use; destroyed after the server stopped (platform::RunService).
struct WalletParts {
  explicit WalletParts(platform::ServiceContext& service)
      : api(*service.db, service.clock, service.rng),
        payment_operations(*service.db, service.clock, service.rng, service.config.dev_mode) {}

  WalletApi api;
  PaymentOperationsApi payment_operations;
};

}  // namespace

int Run(const platform::ServiceConfig& config) {
  return platform::RunService(config, schema::Migrations(), [&](platform::ServiceContext& service) {
    auto parts = std::make_shared<WalletParts>(service);
    parts->api.Register(*service.server, config.internal_secret);
    parts->payment_operations.Register(*service.server, config.internal_secret);
    return platform::ServiceParts(std::move(parts));
  });
}

}  // namespace tinysaga::wallet
