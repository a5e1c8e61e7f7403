#include "payment/payment_service.h"

#include <spdlog/spdlog.h>

#include <memory>

#include "payment/handlers/payment_api.h"
#include "payment/schema.h"
#include "payment/wallet_client.h"
#include "tinysaga/http/client.h"
#include "tinysaga/platform/peer_client.h"

namespace tinysaga::payment {
namespace {

// What the payment routes use, destroyed in reverse order: the api, then the Wallet client,
// then the HTTP client it sends through.
struct PaymentParts {
  PaymentParts(platform::ServiceContext& service, std::vector<http::Endpoint> wallet_endpoints)
      : wallet(client, std::move(wallet_endpoints), service.config.internal_secret),
        api(*service.db, service.clock, service.rng, wallet) {}

  http::Client client;
  WalletClient wallet;
  PaymentApi api;
};

}  // namespace

int Run(const platform::ServiceConfig& config) {
  auto wallet_endpoints = platform::PeerEndpoints(config, "wallet");
  if (!wallet_endpoints.ok()) {
    spdlog::error("payment: bad wallet peer URL: {}", wallet_endpoints.error().detail);
    return 1;
  }
  if (wallet_endpoints->empty())
    spdlog::warn("payment: no wallet peer configured; user listings will answer 503");
  return platform::RunService(
      config, schema::AllMigrations(), [&](platform::ServiceContext& service) {
        auto parts = std::make_shared<PaymentParts>(service, std::move(*wallet_endpoints));
        parts->api.Register(*service.server, config.internal_secret);
        return platform::ServiceParts(std::move(parts));
      });
}

}  // namespace tinysaga::payment
