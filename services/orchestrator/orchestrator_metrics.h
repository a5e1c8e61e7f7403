#pragma once
// The orchestrator's Prometheus metrics, registered once in the service's registry:
//
//   tinysaga_sagas_started_total{type}              sagas started
//   tinysaga_sagas_completed_total{type}            sagas that reached COMPLETED
//   tinysaga_sagas_failed_total{type}               sagas that reached FAILED (compensated)
//   tinysaga_sagas_gave_up_total{type}              sagas that reached GAVE_UP (for an operator)
//   tinysaga_saga_compensations_gave_up_total{type} undo steps refused or out of attempts
//                                                   (a saga for an operator)
//   tinysaga_saga_timeouts_total{type}              timer decisions applied (a reply deadline
//                                                   passed, or a backoff ended)
//   tinysaga_saga_command_retries_total{type}       commands sent again (attempt > 1)
//   tinysaga_saga_inputs_ignored_total{reason}      inputs acknowledged without effect
//   tinysaga_saga_unreadable_total                  stored sagas that could not be read
//   tinysaga_sagas_unfinished{state}                RUNNING / COMPENSATING sagas right now
//                                                   (refreshed by the timer thread)
//   tinysaga_saga_step_duration_seconds{type,step,kind}
//                                                   histogram: from a command's attempt sent to
//                                                   its reply applied (success, failure or
//                                                   retry); kind FORWARD or COMPENSATION
//
// The per-type counters exist from the start, at 0, for every saga type the orchestrator runs:
// a rate over a counter that appears only with its first increment misses that increment, and
// a dashboard could not tell "none yet" from "not scraped".
//
// Counters count decisions as they are made inside their transaction. The timer's are
// counted after its commit; the message handler's cannot be (the inbox consumer commits), so a
// transaction that is rolled back and run again (a busy database) counts its decisions twice.
//
// Thread-safe (prometheus-cpp metrics are); children are created up front or on first use.

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tinysaga/saga/definition.h"
#include "tinysaga/saga/engine.h"

namespace tinysaga::orchestrator {

// Why an input was acknowledged without changing anything.
inline constexpr std::string_view kIgnoredNotStartEvent = "not-a-start-event";
inline constexpr std::string_view kIgnoredSagaExists = "saga-exists";
inline constexpr std::string_view kIgnoredUnknownSaga = "unknown-saga";
inline constexpr std::string_view kIgnoredCommand = "command";
// The engine's own reasons are saga::DispositionName: ignored-stale, ignored-unexpected,
// ignored-terminal.

// How long one command attempt waited for the reply the decision applied.
struct StepLatency {
  std::string step;  // the definition's step name
  saga::ActionKind kind = saga::ActionKind::kForward;
  int64_t duration_ms = 0;
  bool operator==(const StepLatency&) const = default;
};

// What one applied decision did, for the counters. Pure.
struct DecisionCounts {
  bool timed_out = false;  // made by the timer
  bool completed = false;
  bool failed = false;
  bool gave_up = false;
  int compensations_gave_up = 0;  // refused, or out of attempts
  int retries = 0;
  // One per reply applied (each matched with its attempt's kSent line); none for timeouts.
  std::vector<StepLatency> step_latencies;

  // From the decision's new state and the history entries added after `history_before`;
  // `definition` is the saga's, for the step names.
  static DecisionCounts Of(const saga::SagaDefinition& definition, const saga::Decision& decision,
                           size_t history_before, bool by_timer);
};

class OrchestratorMetrics {
 public:
  // `saga_types`: the types whose per-type counters start at 0 (the catalog's).
  OrchestratorMetrics(prometheus::Registry& registry, const std::vector<std::string>& saga_types);

  void Started(std::string_view type);
  void Decided(std::string_view type, const DecisionCounts& counts);
  void Ignored(std::string_view reason);
  void Unreadable();
  // Sets the gauge from CountUnfinishedByStatus; statuses not listed become 0.
  void SetUnfinished(const std::vector<std::pair<std::string, int64_t>>& counts);

 private:
  prometheus::Counter& Child(prometheus::Family<prometheus::Counter>& family,
                             std::string_view label, std::string_view value);

  prometheus::Family<prometheus::Counter>& started_;
  prometheus::Family<prometheus::Counter>& completed_;
  prometheus::Family<prometheus::Counter>& failed_;
  prometheus::Family<prometheus::Counter>& sagas_gave_up_;
  prometheus::Family<prometheus::Counter>& gave_up_;
  prometheus::Family<prometheus::Counter>& timeouts_;
  prometheus::Family<prometheus::Counter>& retries_;
  prometheus::Family<prometheus::Counter>& ignored_;
  prometheus::Counter& unreadable_;
  prometheus::Family<prometheus::Histogram>& step_durations_;
  prometheus::Family<prometheus::Gauge>& unfinished_;
  prometheus::Gauge& running_;
  prometheus::Gauge& compensating_;
};

}  // namespace tinysaga::orchestrator
