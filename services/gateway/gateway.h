#pragma once
// The API gateway: the single entry point. For each /api request it authenticates the JWT,
// rate-limits per user (or per address when anonymous, and per address for failed tokens), resolves
// the owning service, strips any identity headers the client tried to set, adds the caller's
// identity with the internal credential, and forwards the request to the next healthy instance
// (round-robin). It also serves the web UI and, in dev mode, issues tokens.
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
#include "tinysaga/auth/token.h"
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
  // Requests that carry a token which fails verification, per client address. Checked before
  // the token is verified, so a token guesser is answered 429 once its burst is spent; a
  // request with a valid token or without one never spends from it (README "Rate limits").
  RateLimit auth_failure_limit{.rate_per_second = 1, .burst = 20};
  size_t event_streams_per_user_max = 8;  // open GET /api/orders/{id}/events per user; beyond: 429
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
  // Every service has at least one instance whose last health check passed (it serves HTTP).
  bool Ready() const;
  // Every instance of every service passed its last health check and its consumers have
  // joined their groups: `tinysaga up` waits for this before it says ready.
  bool AllInstancesStarted() const;
  // GET /metrics: the Prometheus text of `registry` for an admin token; 401 without a valid
  // token, 403 for a user (upstream names and traffic are not for the public).
  http::Response Metrics(const http::Request& request, prometheus::Registry& registry);

 private:
  void Handle(http::Request request, http::Respond respond);
  // GET /api/dead-letters: every service's dead letters, merged (dead_letters.cpp).
  void ListDeadLetters(const http::Request& request, const platform::Caller& caller,
                       http::Respond respond);
  // Authentication and the rate limit, common to every /api request: the caller, or the
  // refusal to answer.
  std::variant<platform::Caller, http::Response> Admit(const http::Request& request);
  // GET /api/orders/{orderId}/events: server-sent events relayed from the Order service.
  http::Response OpenEventStream(const http::Request& request);
  http::Response OpenEventStreamHead(const http::Request& request, const platform::Caller& caller);
  // A slot for one more stream of `user_id`, held for `request` until RelayEventStream takes it;
  // false when the user has event_streams_per_user_max open.
  bool ReserveEventStream(const http::Request& request, const std::string& user_id);
  struct StreamCounts;
  static void ReleaseEventStream(const std::shared_ptr<StreamCounts>& counts,
                                 const std::string& user_id);
  void RelayEventStream(const http::Request& request, std::shared_ptr<http::Stream> stream);
  Result<platform::Caller> Authenticate(const http::Request& request) const;
  http::Response IssueDevToken(const http::Request& request) const;
  void Forward(std::shared_ptr<UpstreamPool> pool, std::vector<size_t> order, size_t attempt,
               std::shared_ptr<http::Request> request, http::Respond respond);
  void CheckHealthForever();
  // Open event streams per user; shared with the streams' callbacks, which may outlive the
  // gateway inside the client.
  struct StreamCounts {
    std::mutex mutex;
    std::map<std::string, size_t> open_by_user;
    // Slots reserved by the head and not yet taken by the stream handler, by request: the
    // server calls both with the same Request object, one right after the other.
    std::map<const http::Request*, std::string> reserved;
  };

  const GatewayConfig config_;
  http::Client& client_;
  const Clock& clock_;
  RateLimiter rate_limiter_;
  RateLimiter auth_failure_limiter_;
  auth::TokenVerifier tokens_;
  std::shared_ptr<StreamCounts> stream_counts_ = std::make_shared<StreamCounts>();
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
