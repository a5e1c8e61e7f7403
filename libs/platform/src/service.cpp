#include "tinysaga/platform/service.h"

#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <pthread.h>
#include <signal.h>
#include <spdlog/cfg/env.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <string.h>

#include <nlohmann/json.hpp>

#include "tinysaga/bus/kafka/kafka_bus.h"
#include "tinysaga/bus/tables.h"
#include "tinysaga/core/ids.h"
#include "tinysaga/http/problem.h"
#include "tinysaga/storage/idempotency.h"

namespace tinysaga::platform {
namespace {

constexpr std::string_view kMetricsContentType = "text/plain; version=0.0.4";
constexpr std::string_view kReplayedHeader = "Idempotent-Replayed";
// Services act for the system, not for a user; their keys live in a scope of their own that
// no user id can name ('@' is not allowed in user ids).
constexpr std::string_view kServiceIdempotencyScope = "@service";

// The platform module's logger; stderr, so that stdout stays free for command output.
std::shared_ptr<spdlog::logger> Log() {
  static const std::shared_ptr<spdlog::logger> logger = [] {
    if (auto existing = spdlog::get("platform")) return existing;
    return spdlog::stderr_color_mt("platform");
  }();
  return logger;
}

sigset_t TerminationSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  return signals;
}

Result<void> ValidateConfig(const ServiceConfig& config) {
  if (!IsValidName(config.name))
    return MakeError(Errc::kInvalidRequest, "service name must match [A-Za-z0-9_-]{1,64}");
  if (config.internal_secret.empty()) {
    return MakeError(Errc::kInvalidRequest,
                     "the internal secret (TINYSAGA_INTERNAL_SECRET) is required");
  }
  if (config.worker_threads < 1)
    return MakeError(Errc::kInvalidRequest, "worker_threads must be at least 1");
  if (config.db_pool_size < 1)
    return MakeError(Errc::kInvalidRequest, "db_pool_size must be at least 1");
  return Ok();
}

// Internal details (SQL text, exception messages) go to the log, never to the client.
http::Response ProblemFor(const Error& error, std::string_view context) {
  if (error.code != Errc::kInternal) return http::Problem(error);
  Log()->error("{}: {}", context, error.detail);
  return http::Problem(500, "internal", "internal error");
}

void AddOperationalRoutes(ServiceContext& context, std::function<bool()> ready) {
  context.server->Route("GET", "/healthz", [](const http::Request&) {
    return http::Response::Json(200, {{"status", "ok"}});
  });
  storage::Db* db =
      context.db.get();  // outlives the server: ServiceContext destroys the server first
  Messaging* messaging = context.messaging.get();  // outlives the server too
  // Ready = can serve its HTTP API: its database answers. Consumers joining (or rejoining a
  // group after a restart, which on a real Kafka can take the group's session timeout) do
  // not make it unready: the API works meanwhile and a load balancer must not take it out.
  // They are reported here ("joining" or "joined"; "none" without a broker) for `tinysaga up`,
  // which waits for them.
  context.server->Route("GET", "/readyz", [db, messaging,
                                           ready = std::move(ready)](const http::Request&) {
    if (!db->Healthy()) return http::Problem(503, "service-unavailable", "database not reachable");
    if (ready && !ready()) return http::Problem(503, "service-unavailable", "not ready");
    const char* consumers = !messaging ? "none" : messaging->Consuming() ? "joined" : "joining";
    return http::Response::Json(200, {{"status", "ready"}, {"consumers", consumers}});
  });
  // An operator sees a stepped system clock here; the process keeps its own course until its
  // next start (SystemClock).
  prometheus::Gauge& clock_step =
      prometheus::BuildGauge()
          .Name("tinysaga_clock_step_seconds")
          .Help("How far the system clock was stepped since this process started (its "
                "timestamps and deadlines do not follow the step until it restarts)")
          .Register(*context.registry)
          .Add({});
  const SystemClock* clock = &context.clock;  // outlives the server, as db does
  context.server->Route("GET", "/metrics", [registry = context.registry, messaging, clock,
                                            &clock_step](const http::Request&) {
    if (messaging) messaging->UpdateMetrics();
    clock_step.Set(static_cast<double>(clock->WallStepMs()) / 1000.0);
    const prometheus::TextSerializer serializer;
    return http::Response::Text(200, serializer.Serialize(registry->Collect()),
                                std::string(kMetricsContentType));
  });
}

http::ServerOptions ServerOptionsFor(const ServiceConfig& config,
                                     std::shared_ptr<prometheus::Registry> registry) {
  http::ServerOptions options;
  options.address = config.listen_address;
  options.port = config.port;
  options.listen_fd = config.listen_fd;
  options.worker_threads = config.worker_threads;
  options.name = config.name;
  options.registry = std::move(registry);
  return options;
}

std::string IdempotencyScope(const Caller& caller) {
  return caller.role == CallerRole::kService ? std::string(kServiceIdempotencyScope)
                                             : caller.user_id;
}

bool IsSuccess(int status) { return status >= 200 && status < 300; }

// Only 2xx responses are stored, and services answer those in JSON.
http::Response Replay(const storage::StoredResponse& stored) {
  http::Response response{.status = stored.status, .body = stored.body};
  http::SetHeader(response.headers, "Content-Type", "application/json");
  http::SetHeader(response.headers, kReplayedHeader, "true");
  return response;
}

std::string RequestIdOf(const http::Request& request) {
  return std::string(request.Header(kRequestIdHeader).value_or("-"));
}

}  // namespace

void ConfigureLogging(std::string_view service_name) {
  std::string name;
  for (char c : service_name)
    name += c == '%' ? std::string("%%") : std::string(1, c);  // '%' starts a flag
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l " + name + " [%n] %v",
                      spdlog::pattern_time_type::utc);
  spdlog::cfg::load_env_levels();
}

Result<std::unique_ptr<ServiceContext>> CreateService(
    const ServiceConfig& config, const std::vector<storage::Migration>& migrations,
    std::function<bool()> ready) {
  TS_RETURN_IF_ERROR(ValidateConfig(config));
  ConfigureLogging(config.name);
  auto context = std::make_unique<ServiceContext>();
  context->config = config;
  context->registry = std::make_shared<prometheus::Registry>();
  storage::DbOptions db_options;
  db_options.url = storage::DbUrlFor(config.db_url_template, config.name);
  db_options.pool_size = config.db_pool_size;
  db_options.sqlite_synchronous = config.sqlite_synchronous;
  TS_ASSIGN_OR_RETURN(context->db, storage::Db::Open(db_options));
  std::vector<storage::Migration> all = migrations;
  for (storage::Migration& table : bus::Migrations()) all.push_back(std::move(table));
  TS_RETURN_IF_ERROR(context->db->Migrate(all));
  context->server = std::make_unique<http::Server>(ServerOptionsFor(config, context->registry));
  if (!config.kafka_bootstrap.empty()) {
    auto bus = std::make_shared<bus::KafkaBus>(bus::KafkaOptions{
        .bootstrap_servers = config.kafka_bootstrap, .client_id = "tinysaga-" + config.name});
    TS_ASSIGN_OR_RETURN(context->messaging,
                        Messaging::Create(config.name, std::move(bus), *context->db,
                                          context->clock, *context->registry));
    TS_RETURN_IF_ERROR(context->messaging->UseBroker(config.kafka_bootstrap));
  }
  AddOperationalRoutes(*context, std::move(ready));
  ServiceContext* service = context.get();  // outlives the routes, like the db
  context->dead_letters =
      std::make_unique<DeadLetterApi>(config.name, *context->db, context->clock, *context->registry,
                                      [service] { service->NotifyOutbox(); });
  context->dead_letters->Register(*context->server, config.internal_secret);
  return context;
}

void ServiceContext::NotifyOutbox() {
  if (messaging) messaging->NotifyOutbox();
}

int RunService(const ServiceConfig& config, const std::vector<storage::Migration>& migrations,
               const RegisterRoutes& register_routes) {
  // Before CreateService starts any thread, so that RunUntilSignal's sigwait gets the signals
  // (idempotent: main may have done it already).
  BlockTerminationSignals();
  auto context = CreateService(config, migrations);
  if (!context.ok()) {
    Log()->error("{}: cannot start: {}", config.name, context.error().detail);
    return 1;
  }
  ServiceContext& service = **context;
  // Declared after the context and destroyed before it: the server (stopped by
  // RunUntilSignal) no longer calls into the parts when they go.
  const ServiceParts parts = register_routes(service);
  if (service.messaging) service.messaging->Start();
  Log()->info("{} serving", config.name);
  RunUntilSignal(*service.server);
  // Before the parts go: no message handler may run while they are destroyed.
  if (service.messaging) service.messaging->Stop();
  Log()->info("{} stopped", config.name);
  return 0;
}

http::Handler Guarded(std::string internal_secret, CallerHandler handler) {
  return [secret = std::move(internal_secret),
          handler = std::move(handler)](const http::Request& request) {
    Result<Caller> caller = CallerOf(request, secret);
    if (!caller.ok()) {
      // Debug only: anyone can reach a port and fill the log otherwise.
      Log()->debug("{} {} request_id={}: {}", request.method, request.path, RequestIdOf(request),
                   caller.error().detail);
      return http::Problem(caller.error());
    }
    try {
      return handler(request, *caller);
    } catch (const std::exception& error) {
      Log()->error("{} {} request_id={}: unhandled exception: {}", request.method, request.path,
                   RequestIdOf(request), error.what());
    } catch (...) {
      Log()->error("{} {} request_id={}: unhandled non-standard exception", request.method,
                   request.path, RequestIdOf(request));
    }
    return http::Problem(500, "internal", "internal error");
  };
}

http::AsyncHandler GuardedAsync(std::string internal_secret, CallerAsyncHandler handler) {
  return [secret = std::move(internal_secret), handler = std::move(handler)](
             http::Request request, http::Respond respond) {
    Result<Caller> caller = CallerOf(request, secret);
    if (!caller.ok()) {
      Log()->debug("{} {} request_id={}: {}", request.method, request.path, RequestIdOf(request),
                   caller.error().detail);
      return respond(http::Problem(caller.error()));
    }
    handler(request, *caller, std::move(respond));
  };
}

http::Response Idempotent(const http::Request& request, const Caller& caller, storage::Db& db,
                          const Clock& clock, const TransactionalEffect& effect) {
  if (!caller.authenticated())
    return http::Problem(401, "unauthorized", "sign in to use an Idempotency-Key");
  const std::optional<std::string_view> key = request.Header(kIdempotencyKeyHeader);
  if (!key) return http::Problem(400, "invalid-request", "the Idempotency-Key header is required");
  if (!storage::IsValidIdempotencyKey(*key)) {
    return http::Problem(400, "invalid-request",
                         "the Idempotency-Key must be 1-128 printable ASCII characters");
  }
  const std::string scope = IdempotencyScope(caller);
  const std::string path = request.path.empty() ? request.target : request.path;
  const std::string fingerprint = storage::RequestFingerprint(request.method, path, request.body);
  // A non-2xx answer is returned as it is, but its transaction is rolled back: the effect's
  // partial work must not stay, and nothing is stored, so the request may be retried.
  std::optional<http::Response> rejected;
  bool replayed = false;
  auto result = db.Write<http::Response>([&](soci::session& session) -> Result<http::Response> {
    rejected.reset();  // the transaction may be retried after a transient failure
    replayed = false;
    TS_ASSIGN_OR_RETURN(auto stored,
                        storage::FindIdempotentResponse(session, scope, *key, fingerprint));
    if (stored) {
      replayed = true;
      return Replay(*stored);
    }
    TS_ASSIGN_OR_RETURN(http::Response response, effect(session));
    if (!IsSuccess(response.status)) {
      rejected = std::move(response);
      return MakeError(Errc::kInternal, "rolled back: the effect answered with an error status");
    }
    storage::SaveIdempotentResponse(session, scope, *key, fingerprint,
                                    {response.status, response.body}, clock.NowMs());
    return response;
  });
  if (rejected) return *std::move(rejected);
  if (!result.ok()) {
    return ProblemFor(result.error(),
                      request.method + " " + path + " request_id=" + RequestIdOf(request));
  }
  if (replayed) Log()->debug("replayed {} {} for key {}", request.method, path, *key);
  return std::move(result).value();
}

void BlockTerminationSignals() {
  const sigset_t signals = TerminationSignals();
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

void RunUntilSignal(http::Server& server) {
  BlockTerminationSignals();  // for this thread, in case main forgot; other threads need main to do
                              // it
  server.Start();
  Log()->info("listening on port {}", server.port());
  const sigset_t signals = TerminationSignals();
  int signal_number = 0;
  while (sigwait(&signals, &signal_number) != 0) {
  }
  Log()->info("{} received, stopping", strsignal(signal_number));
  server.Stop();
  Log()->info("stopped");
}

}  // namespace tinysaga::platform
