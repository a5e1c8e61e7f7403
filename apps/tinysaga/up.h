#pragma once
// `tinysaga up`: the development supervisor (see supervisor.h and README.md).

#include <cstdint>
#include <string>
#include <vector>

#include "gateway/domain/rate_limiter.h"
#include "tinysaga/core/saga_mode.h"

namespace tinysaga::app {

struct UpOptions {
  uint16_t port = 8080;
  std::string data_dir = "./data";
  std::string db_url_template;  // empty: SQLite files under data_dir
  bool demo = true;
  int instances = 1;            // instances of each business service (order, payment, wallet, inventory)
  std::string sqlite_synchronous = "FULL";
  gateway::RateLimit rate_limit;
  std::string web_dir;
  SagaMode saga_mode = SagaMode::kOrchestration;
  std::string kafka;  // bootstrap servers of a real Kafka; empty: the development broker in-process
  gateway::RateLimit auth_failure_limit{.rate_per_second = 1,
                                        .burst = 20};  // failed tokens per address
  // Production (README "Running in production"): no dev-token endpoint, no fault switches, no
  // demo data, and TINYSAGA_JWT_SECRET required (32+ characters, not the development one).
  // Dev mode listens on loopback only; production may give the gateway another address.
  bool production = false;
  std::string listen_address = "127.0.0.1";  // the gateway's; the services stay on loopback
  // "SERVICE=ARG": ARG added to the command line of every instance of SERVICE (e.g. a saga's
  // timings for a test or a demonstration); an unknown SERVICE is refused.
  std::vector<std::string> service_args;
};

int RunUp(const UpOptions& options);

}  // namespace tinysaga::app
