#include "gateway/gateway_service.h"

#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "gateway/gateway.h"
#include "tinysaga/http/problem.h"

namespace tinysaga::gateway {
namespace {

Result<GatewayConfig> BuildConfig(const GatewayOptions& options) {
  GatewayConfig config;
  for (const auto& [service, urls] : options.service.peers) {
    for (const auto& url : urls) {
      TS_ASSIGN_OR_RETURN(auto endpoint, http::Endpoint::Parse(url));
      config.upstreams[service].push_back(endpoint);
    }
  }
  config.jwt_secret = options.jwt_secret;
  config.internal_secret = options.service.internal_secret;
  config.rate_limit = options.rate_limit;
  config.auth_failure_limit = options.auth_failure_limit;
  config.web_dir = options.web_dir;
  config.dev_mode = options.service.dev_mode;
  return config;
}

}  // namespace

int Run(const GatewayOptions& options) {
  auto config = BuildConfig(options);
  if (!config.ok()) {
    spdlog::error("gateway: {}", config.error().detail);
    return 2;
  }
  auto registry = std::make_shared<prometheus::Registry>();
  SystemClock clock;
  http::Client client(http::ClientOptions{.io_threads = 1});
  Gateway gateway(std::move(config).value(), client, clock, *registry);

  http::Server server(http::ServerOptions{.address = options.service.listen_address,
                                          .port = options.service.port,
                                          .listen_fd = options.service.listen_fd,
                                          .io_threads = options.io_threads,
                                          .worker_threads = 1,
                                          .name = "gateway",
                                          .registry = registry});
  server.Route("GET", "/healthz", [](const http::Request&) {
    return http::Response::Json(200, {{"status", "ok"}});
  });
  server.Route("GET", "/readyz", [&gateway](const http::Request&) {
    return gateway.Ready() ? http::Response::Json(200, {{"status", "ready"}})
                           : http::Problem(MakeError(Errc::kUnavailable,
                                                     "not every service has a healthy instance"));
  });
  // Every instance of every service ready and consuming from the broker: what `tinysaga up`
  // waits for before it says ready, so that its first saga runs at once (readiness proper
  // needs only one instance per service that serves HTTP).
  server.Route("GET", "/readyz/instances", [&gateway](const http::Request&) {
    return gateway.AllInstancesStarted()
               ? http::Response::Json(200, {{"status", "ready"}})
               : http::Problem(MakeError(Errc::kUnavailable, "not every instance is started yet"));
  });
  // Admin only: the gateway faces the network (the services' own /metrics stay on loopback).
  server.Route("GET", "/metrics", [&gateway, registry](const http::Request& request) {
    return gateway.Metrics(request, *registry);
  });
  gateway.Register(server);
  gateway.StartHealthChecks();
  platform::RunUntilSignal(server);
  return 0;
}

}  // namespace tinysaga::gateway
