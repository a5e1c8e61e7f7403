#include "orchestrator/orchestrator_service.h"

#include <cstdlib>
#include <memory>
#include <thread>

#include "orchestrator/domain/saga_catalog.h"
#include "orchestrator/handlers/saga_api.h"
#include "orchestrator/log.h"
#include "orchestrator/orchestrator.h"
#include "orchestrator/saga_timer.h"
#include "orchestrator/schema.h"
#include "tinysaga/core/thread_name.h"
#include "tinysaga/saga/definition.h"

namespace tinysaga::orchestrator {
namespace {

// What the process's routes, consumer and timer use. Built while the routes are registered;
// destroyed after the server and the messaging have stopped (platform::RunService), and
// stops and joins the timer thread first.
struct OrchestratorParts {
  OrchestratorParts(platform::ServiceContext& service, const OrchestratorOptions& options)
      : catalog(options.timings),
        timer(service.clock, options),
        orchestrator(
            *service.db, service.clock, service.rng, catalog, *service.registry, options,
            OrchestratorHooks{[&service] { service.NotifyOutbox(); },
                              [this](TimestampMs deadline_ms) { timer.Schedule(deadline_ms); }}),
        operator_actions(*service.registry),
        api(*service.db, catalog, service.clock,
            SagaApiHooks{[&service] { service.NotifyOutbox(); },
                         [this](TimestampMs deadline_ms) { timer.Schedule(deadline_ms); },
                         [this](platform::OperatorVerb verb, platform::OperatorOutcome outcome) {
                           operator_actions.Count(verb, outcome);
                         }}) {}

  ~OrchestratorParts() {
    timer.Stop();
    if (timer_thread.joinable()) timer_thread.join();
  }
  OrchestratorParts(const OrchestratorParts&) = delete;
  OrchestratorParts& operator=(const OrchestratorParts&) = delete;

  SagaCatalog catalog;
  SagaTimer timer;
  Orchestrator orchestrator;
  platform::OperatorActions operator_actions;
  SagaApi api;
  std::thread timer_thread;  // last: started when everything above exists
};

// Subscribes the orchestrator and starts the timer thread.
void StartOrchestrating(platform::ServiceContext& service, OrchestratorParts& parts) {
  if (!service.messaging) {
    Log()->warn("no broker configured: sagas are neither started nor answered");
  } else if (auto subscribed = service.messaging->Subscribe(
                 "sagas", SubscribedTopics(parts.catalog), parts.orchestrator.Handler());
             !subscribed.ok()) {
    // Only a programmer error can get here (a second subscription of one name, or one after
    // Start): crash loudly rather than serve without consuming.
    Log()->critical("cannot subscribe: {}", subscribed.error().detail);
    std::abort();
  }
  parts.timer_thread = std::thread([&parts] {
    NameThisThread("saga-timer");
    parts.timer.Run(parts.orchestrator);
  });
}

}  // namespace

Result<void> CheckOptions(const OrchestratorOptions& options) {
  auto bad = [](std::string_view what) {
    return MakeError(Errc::kInvalidRequest,
                     "orchestrator option out of range: " + std::string(what));
  };
  if (options.timer_batch_max < 1 || options.timer_batch_max > 10'000) {
    return bad("timer batch (1..10000)");
  }
  if (options.timer_wait_min.count() < 1 || options.timer_wait_max < options.timer_wait_min) {
    return bad("timer waits (1 ms <= min <= max)");
  }
  if (options.timer_error_backoff.count() < 1 || options.unreadable_retry.count() < 1 ||
      options.gauge_interval.count() < 1) {
    return bad("timer intervals (>= 1 ms)");
  }
  const SagaCatalog catalog(options.timings);
  for (const saga::SagaDefinition& definition : catalog.definitions()) {
    if (auto checked = saga::CheckDefinition(definition); !checked.ok()) {
      return bad("saga timings: " + checked.error().detail);
    }
  }
  return Ok();
}

int Run(const platform::ServiceConfig& config, const OrchestratorOptions& options) {
  if (auto checked = CheckOptions(options); !checked.ok()) {
    Log()->error("{}: cannot start: {}", config.name, checked.error().detail);
    return 1;
  }
  return platform::RunService(config, schema::Migrations(), [&](platform::ServiceContext& service) {
    auto parts = std::make_shared<OrchestratorParts>(service, options);
    parts->api.Register(*service.server, config.internal_secret);
    if (config.saga_mode == SagaMode::kChoreography) {
      Log()->info("choreography mode: serving saga views only");
    } else {
      StartOrchestrating(service, *parts);
    }
    return platform::ServiceParts(std::move(parts));
  });
}

}  // namespace tinysaga::orchestrator
