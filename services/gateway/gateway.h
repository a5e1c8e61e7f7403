#pragma once
// The API gateway: the single entry point. For each /api request it authenticates the JWT,
// rate-limits per user (or per address when anonymous), resolves the owning service, strips
// any identity headers the client tried to set, adds the caller's identity with the internal
// credential, and forwards the request to the next healthy instance (round-robin). It also
// serves the web UI and, in dev mode, issues tokens.
//
// Lifecycle: construct, Register() on a server before it starts, StartHealthChecks(); the
// destructor stops the health checker. The client must outlive the gateway.
// Thread-safe: handlers run concurrently on the server's I/O threads.

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "gateway/domain/rate_limiter.h"
#include "gateway/static_files.h"
#include "gateway/upstream_pool.h"
#include "tinysaga/core/clock.h"
#include "tinysaga/http/client.h"
#include "tinysaga/http/server.h"
#include "tinysaga/platform/caller.h"

namespace prometheus {
class Registry;
template <typename T>
class Family;
class Counter;
class Gauge;
}  // namespace prometheus

namespace tinysaga::gateway {

struct GatewayConfig {
  std::map<std::string, std::vector<http::Endpoint>> upstreams;  // service -> instances
  std::string jwt_secret;
  std::string internal_secret;
  RateLimit rate_limit;
  std::string web_dir;
  bool dev_mode = false;  // POST /api/auth/dev-token issues tokens for anyone
  std::chrono::milliseconds health_interval{500};
  std::chrono::milliseconds health_timeout{1'000};
  std::chrono::milliseconds upstream_timeout{30'000};  // a payment may retry the wallet for a while
};

class Gateway {
 public:
  Gateway(GatewayConfig config, http::Client& client, const Clock& clock, prometheus::Registry& registry);
  ~Gateway();

  void Register(http::Server& server);
  void StartHealthChecks();
  // Every service has at least one instance whose last health check passed.
  bool Ready() const;
  // Every instance of every service passed its last health check.
  bool AllInstancesHealthy() const;

 private:
  void Handle(http::Request request, http::Respond respond);
  // Authentication and the rate limit, common to every /api request: the caller, or the
  // refusal to answer.
  std::variant<platform::Caller, http::Response> Admit(const http::Request& request);
  // GET /api/orders/{orderId}/events: server-sent events relayed from the Order service.
  http::Response OpenEventStream(const http::Request& request);
  void RelayEventStream(const http::Request& request, std::shared_ptr<http::Stream> stream);
  Result<platform::Caller> Authenticate(const http::Request& request) const;
  http::Response IssueDevToken(const http::Request& request) const;
  void Forward(std::shared_ptr<UpstreamPool> pool, std::vector<size_t> order, size_t attempt,
               std::shared_ptr<http::Request> request, http::Respond respond);
  void CheckHealthForever();

  const GatewayConfig config_;
  http::Client& client_;
  const Clock& clock_;
  RateLimiter rate_limiter_;
  StaticFiles static_files_;
  std::map<std::string, std::shared_ptr<UpstreamPool>> pools_;

  prometheus::Family<prometheus::Counter>& upstream_failures_;
  prometheus::Counter& rate_limited_;
  prometheus::Family<prometheus::Gauge>& upstream_healthy_;

  std::mutex health_mutex_;
  std::condition_variable health_wakeup_;
  bool stopping_ = false;
  std::thread health_thread_;
};

}  // namespace tinysaga::gateway
