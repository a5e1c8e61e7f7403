#pragma once
// `tinysaga up`: the development supervisor (see supervisor.h and README.md).

#include <cstdint>
#include <string>

#include "gateway/domain/rate_limiter.h"

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
  std::string saga_mode = "orchestration";  // or "choreography"
  std::string kafka;  // bootstrap servers of a real Kafka; empty: the development broker in-process
};

int RunUp(const UpOptions& options);

}  // namespace tinysaga::app
