#pragma once
// `tinysaga gateway`: wires the gateway onto an HTTP server and runs until SIGINT/SIGTERM.

#include <string>

#include "gateway/domain/rate_limiter.h"
#include "tinysaga/platform/service.h"

namespace tinysaga::gateway {

struct GatewayOptions {
  platform::ServiceConfig service;  // listen address/fd, internal secret, peers = upstreams, dev mode
  std::string jwt_secret;
  RateLimit rate_limit;
  RateLimit auth_failure_limit{.rate_per_second = 1, .burst = 20};  // see GatewayConfig
  std::string web_dir;
  int io_threads = 2;
};

int Run(const GatewayOptions& options);

}  // namespace tinysaga::gateway
