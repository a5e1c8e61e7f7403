#include "payment/payment_service.h"

#include <spdlog/spdlog.h>

#include "payment/handlers/payment_api.h"
#include "payment/schema.h"
#include "payment/wallet_client.h"
#include "tinysaga/http/client.h"

namespace tinysaga::payment {
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
  auto wallet_endpoints = PeerEndpoints(config, "wallet");
  if (!wallet_endpoints.ok()) {
    spdlog::error("payment: bad wallet peer URL: {}", wallet_endpoints.error().detail);
    return 1;
  }
  if (wallet_endpoints->empty())
    spdlog::warn("payment: no wallet peer configured; user listings will answer 503");

  auto context = platform::CreateService(config, schema::AllMigrations());
  if (!context.ok()) {
    spdlog::error("payment: cannot start: {}", context.error().detail);
    return 1;
  }
  // Declared after the context, so destroyed before it: the server has stopped by then.
  http::Client client;
  WalletClient wallet(client, std::move(*wallet_endpoints), config.internal_secret);
  PaymentApi api(*(*context)->db, (*context)->clock, (*context)->rng, wallet);
  api.Register(*(*context)->server, config.internal_secret);
  spdlog::info("payment: serving");
  platform::RunUntilSignal(*(*context)->server);
  spdlog::info("payment: stopped");
  return 0;
}

}  // namespace tinysaga::payment
