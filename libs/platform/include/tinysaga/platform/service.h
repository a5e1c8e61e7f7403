#pragma once
// What every service process shares: its configuration, the wiring of the HTTP server with
// /healthz, /readyz and /metrics, request guards, and the run-until-signal loop.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tinysaga/core/clock.h"
#include "tinysaga/core/result.h"
#include "tinysaga/core/rng.h"
#include "tinysaga/core/saga_mode.h"
#include "tinysaga/http/server.h"
#include "tinysaga/platform/caller.h"
#include "tinysaga/platform/dead_letter_api.h"
#include "tinysaga/platform/messaging.h"
#include "tinysaga/storage/db.h"

namespace prometheus {
class Registry;
}

namespace tinysaga::platform {

// Command-line and environment configuration common to all services (see apps/tinysaga).
struct ServiceConfig {
  std::string name;  // "order", "payment", ...
  std::string listen_address = "127.0.0.1";
  uint16_t port = 0;                              // used when listen_fd < 0
  int listen_fd = -1;                             // inherited listening socket from `tinysaga up`
  std::string db_url_template = "sqlite:./data";  // see storage::DbUrlFor
  std::string sqlite_synchronous = "FULL";
  std::string internal_secret;  // TINYSAGA_INTERNAL_SECRET; required
  // Blocking handlers mostly wait: on the group commit's fsync, on a peer. A worker per request
  // in flight lets concurrent writes share one commit; with 4, Payment's (each holds its worker
  // across two commits and three calls) queued. Orchestration at C=64 (tinysaga bench): 4
  // workers 328 sagas/s, 8: 421, 16: 525, 32: 520, at 5.1 -> 3.3 ms of CPU per saga.
  int worker_threads = 32;
  size_t db_pool_size = 4;
  // Other services' instances, by service name: "inventory" -> {"http://127.0.0.1:9001", ...}.
  std::vector<std::pair<std::string, std::vector<std::string>>> peers;
  bool dev_mode = false;  // enables dev-only endpoints
  // Kafka bootstrap servers ("host:port,..."); empty: no messaging (HTTP only, e.g. unit tests).
  std::string kafka_bootstrap;
  // "orchestration" (default) or "choreography" (DESIGN.md, Saga modes).
  SagaMode saga_mode = SagaMode::kOrchestration;
};

// The pieces a service's handlers are built from. Owns the database, server and registry;
// destroyed in reverse order of construction after the server has stopped.
struct ServiceContext {
  ServiceConfig config;
  std::shared_ptr<prometheus::Registry> registry;
  std::unique_ptr<storage::Db> db;
  std::unique_ptr<http::Server> server;
  SystemClock clock;
  SystemRng rng;
  // Null when the service has no broker (config.kafka_bootstrap empty).
  std::unique_ptr<Messaging> messaging;
  // The admin routes of this database's dead letters (/api/dead-letters...).
  std::unique_ptr<DeadLetterApi> dead_letters;

  // Wakes the outbox relay after a commit that appended messages; a no-op without messaging.
  void NotifyOutbox();
};

// Opens and migrates the service's database, creates its server with the operational routes
// (/healthz always 200; /readyz 200 when the database answers and `ready` says so;
// /metrics in Prometheus text format) and the dead-letter routes (dead_letter_api.h). Routes are
// added by the caller before Start().
Result<std::unique_ptr<ServiceContext>> CreateService(
    const ServiceConfig& config, const std::vector<storage::Migration>& migrations,
    std::function<bool()> ready = {});

// Whatever a service's routes use (its api objects, peer clients), type-erased so that one
// RunService fits every service. Destroyed after the server has stopped and before the
// context, so no handler runs while or after it goes.
using ServiceParts = std::shared_ptr<void>;
using RegisterRoutes = std::function<ServiceParts(ServiceContext&)>;

// A service process's whole life: blocks the termination signals (before any thread starts),
// creates the context, lets `register_routes` add the service's routes, serves until SIGINT or
// SIGTERM, then stops the server and destroys the parts and the context in that order.
// Returns the process exit code: 0 after a clean stop, 1 when the service could not start.
int RunService(const ServiceConfig& config, const std::vector<storage::Migration>& migrations,
               const RegisterRoutes& register_routes);

// Wraps a handler: refuses requests without the internal credential (401), parses the
// caller, turns any escaped exception into a logged 500 problem (never a crash).
using CallerHandler = std::function<http::Response(const http::Request&, const Caller&)>;
http::Handler Guarded(std::string internal_secret, CallerHandler handler);

// Guarded for an async route (http::Server::RouteAsync): the handler runs on the I/O thread,
// must not block, and answers through `respond` at once or later from any thread (a long
// poll). An escaped exception is the server's logged 500.
using CallerAsyncHandler =
    std::function<void(const http::Request&, const Caller&, http::Respond respond)>;
http::AsyncHandler GuardedAsync(std::string internal_secret, CallerAsyncHandler handler);

// Where a route's handler runs: on a worker (the default: it may wait on the database's
// writer or on another service), or inline on the I/O thread (http::Server::RouteInline: a
// short read from the service's own database, such as the polled GET of an order).
enum class RunsOn { kWorker, kIoThread };

// Adds a Guarded route whose handler is a member function of a service's API object, which
// must outlive the server: `RouteGuarded(server, secret, "GET", "/api/x/{id}", this, &Api::GetX)`.
template <typename Api>
void RouteGuarded(http::Server& server, const std::string& internal_secret, std::string method,
                  std::string pattern, Api* api,
                  http::Response (Api::*endpoint)(const http::Request&, const Caller&),
                  RunsOn runs_on = RunsOn::kWorker) {
  http::Handler handler =
      Guarded(internal_secret, [api, endpoint](const http::Request& request, const Caller& caller) {
        return (api->*endpoint)(request, caller);
      });
  if (runs_on == RunsOn::kIoThread) {
    server.RouteInline(std::move(method), std::move(pattern), std::move(handler));
  } else {
    server.Route(std::move(method), std::move(pattern), std::move(handler));
  }
}

// For POSTs that require an Idempotency-Key (API.md): 400 if the header is missing or
// invalid; otherwise runs `effect` inside one write transaction together with the key's
// bookkeeping, replays the stored response for a repeated request, 422 for a key reused
// with another request. Only 2xx responses are stored: an error changed nothing and may be retried.
using TransactionalEffect = std::function<Result<http::Response>(soci::session&)>;
http::Response Idempotent(const http::Request& request, const Caller& caller, storage::Db& db,
                          const Clock& clock, const TransactionalEffect& effect);

// Starts the server and blocks until SIGINT or SIGTERM, then stops it. The signals are taken
// with sigwait, so they must be blocked in every thread: call BlockTerminationSignals() first
// thing in main, before any thread exists (threads inherit the mask). A thread started with
// the signals unblocked would receive them itself and the process would die without a clean
// stop. A second signal during the stop is ignored; the stop is bounded by the server's grace.
void RunUntilSignal(http::Server& server);

// Blocks SIGINT and SIGTERM in the calling thread (and so in every thread it starts later).
// Idempotent.
void BlockTerminationSignals();

// One line format for every module's logger, on stderr:
//   2026-01-01T00:00:00.000Z info order [storage] message
// The level comes from the SPDLOG_LEVEL environment variable (default info). CreateService
// calls it; other commands may call it themselves. Not thread-safe: call it before threads start.
void ConfigureLogging(std::string_view service_name);

}  // namespace tinysaga::platform
