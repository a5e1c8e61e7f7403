#include "wallet/wallet_service.h"

#include <memory>

#include "wallet/handlers/wallet_api.h"
#include "wallet/schema.h"

namespace tinysaga::wallet {

int Run(const platform::ServiceConfig& config) {
  return platform::RunService(config, schema::Migrations(), [&](platform::ServiceContext& service) {
    auto api = std::make_shared<WalletApi>(*service.db, service.clock, service.rng);
    api->Register(*service.server, config.internal_secret);
    return platform::ServiceParts(std::move(api));
  });
}

}  // namespace tinysaga::wallet
