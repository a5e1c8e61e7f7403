#include "orchestrator/orchestrator_metrics.h"

#include <algorithm>
#include <cassert>
#include <optional>

namespace tinysaga::orchestrator {
namespace {

prometheus::Family<prometheus::Counter>& CounterFamily(prometheus::Registry& registry,
                                                       const std::string& name,
                                                       const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry);
}

// From 5 ms (a reply over the development broker) to 30 s (a step whose participant waits on
// a retried dependency, under its reply deadline).
const prometheus::Histogram::BucketBoundaries& StepBuckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  return kBuckets;
}

bool IsReplyOutcome(saga::StepEventType type) {
  return type == saga::StepEventType::kSucceeded || type == saga::StepEventType::kFailed ||
         type == saga::StepEventType::kRetrying;
}

// The time the attempt `reply` answers was sent, searched backwards from `reply_index`; none
// for an attempt that was never sent (a step decided by the saga's start event).
std::optional<TimestampMs> SentAt(const std::vector<saga::StepEvent>& history, size_t reply_index) {
  const saga::StepEvent& reply = history[reply_index];
  for (size_t i = reply_index; i-- > 0;) {
    const saga::StepEvent& event = history[i];
    if (event.type == saga::StepEventType::kSent && event.step_index == reply.step_index &&
        event.kind == reply.kind && event.attempt == reply.attempt) {
      return event.time_ms;
    }
  }
  return std::nullopt;
}

}  // namespace

DecisionCounts DecisionCounts::Of(const saga::SagaDefinition& definition,
                                  const saga::Decision& decision, size_t history_before,
                                  bool by_timer) {
  DecisionCounts counts;
  if (decision.disposition != saga::Disposition::kApplied) return counts;
  const saga::SagaState& state = decision.state;
  counts.timed_out = by_timer;
  counts.completed = state.status == saga::SagaStatus::kCompleted;
  counts.failed = state.status == saga::SagaStatus::kFailed;
  counts.gave_up = state.status == saga::SagaStatus::kGaveUp;
  for (size_t i = history_before; i < state.history.size(); ++i) {
    const saga::StepEvent& event = state.history[i];
    if ((event.type == saga::StepEventType::kGaveUp ||
         event.type == saga::StepEventType::kFailed) &&
        event.kind == saga::ActionKind::kCompensation) {
      ++counts.compensations_gave_up;
    }
    if (event.type == saga::StepEventType::kSent && event.attempt > 1) ++counts.retries;
    if (!IsReplyOutcome(event.type)) continue;
    const std::optional<TimestampMs> sent_at = SentAt(state.history, i);
    if (!sent_at) continue;
    // The state was checked against its definition when it was read (ReadStoredSaga).
    assert(event.step_index >= 0 && event.step_index < static_cast<int>(definition.steps.size()));
    counts.step_latencies.push_back(
        {.step = definition.steps[static_cast<size_t>(event.step_index)].name,
         .kind = event.kind,
         .duration_ms = std::max<int64_t>(0, event.time_ms - *sent_at)});
  }
  return counts;
}

OrchestratorMetrics::OrchestratorMetrics(prometheus::Registry& registry,
                                         const std::vector<std::string>& saga_types)
    : started_(CounterFamily(registry, "tinysaga_sagas_started_total", "Sagas started, by type")),
      completed_(CounterFamily(registry, "tinysaga_sagas_completed_total",
                               "Sagas that completed every step, by type")),
      failed_(CounterFamily(registry, "tinysaga_sagas_failed_total",
                            "Sagas that failed and finished compensating, by type")),
      sagas_gave_up_(CounterFamily(registry, "tinysaga_sagas_gave_up_total",
                                   "Sagas that ended with a step they could neither finish nor "
                                   "undo (for an operator), by type")),
      gave_up_(CounterFamily(registry, "tinysaga_saga_compensations_gave_up_total",
                             "Compensations refused or out of attempts (for an operator)")),
      timeouts_(CounterFamily(registry, "tinysaga_saga_timeouts_total",
                              "Timer decisions applied: reply deadlines passed, backoffs ended")),
      retries_(CounterFamily(registry, "tinysaga_saga_command_retries_total",
                             "Saga commands sent again after a timeout or a retry reply")),
      ignored_(CounterFamily(registry, "tinysaga_saga_inputs_ignored_total",
                             "Events and replies acknowledged without effect, by reason")),
      unreadable_(CounterFamily(registry, "tinysaga_saga_unreadable_total",
                                "Stored sagas whose state could not be read")
                      .Add({})),
      step_durations_(prometheus::BuildHistogram()
                          .Name("tinysaga_saga_step_duration_seconds")
                          .Help("From a saga command's attempt sent to its reply applied, by "
                                "saga type, step and kind (FORWARD or COMPENSATION)")
                          .Register(registry)),
      unfinished_(prometheus::BuildGauge()
                      .Name("tinysaga_sagas_unfinished")
                      .Help("Unfinished sagas by state, refreshed every few seconds")
                      .Register(registry)),
      running_(unfinished_.Add(
          {{"state", std::string(saga::SagaStatusName(saga::SagaStatus::kRunning))}})),
      compensating_(unfinished_.Add(
          {{"state", std::string(saga::SagaStatusName(saga::SagaStatus::kCompensating))}})) {
  for (const std::string& type : saga_types) {
    for (auto* family :
         {&started_, &completed_, &failed_, &sagas_gave_up_, &gave_up_, &timeouts_, &retries_}) {
      Child(*family, "type", type);
    }
  }
}

prometheus::Counter& OrchestratorMetrics::Child(prometheus::Family<prometheus::Counter>& family,
                                                std::string_view label, std::string_view value) {
  return family.Add({{std::string(label), std::string(value)}});
}

void OrchestratorMetrics::Started(std::string_view type) {
  Child(started_, "type", type).Increment();
}

void OrchestratorMetrics::Decided(std::string_view type, const DecisionCounts& counts) {
  if (counts.timed_out) Child(timeouts_, "type", type).Increment();
  if (counts.completed) Child(completed_, "type", type).Increment();
  if (counts.failed) Child(failed_, "type", type).Increment();
  if (counts.gave_up) Child(sagas_gave_up_, "type", type).Increment();
  if (counts.compensations_gave_up > 0) {
    Child(gave_up_, "type", type).Increment(counts.compensations_gave_up);
  }
  if (counts.retries > 0) Child(retries_, "type", type).Increment(counts.retries);
  for (const StepLatency& latency : counts.step_latencies) {
    step_durations_
        .Add({{"type", std::string(type)},
              {"step", latency.step},
              {"kind", std::string(saga::ActionKindName(latency.kind))}},
             StepBuckets())
        .Observe(static_cast<double>(latency.duration_ms) / 1000.0);
  }
}

void OrchestratorMetrics::Ignored(std::string_view reason) {
  Child(ignored_, "reason", reason).Increment();
}

void OrchestratorMetrics::Unreadable() { unreadable_.Increment(); }

void OrchestratorMetrics::SetUnfinished(
    const std::vector<std::pair<std::string, int64_t>>& counts) {
  double running = 0;
  double compensating = 0;
  for (const auto& [status, count] : counts) {
    if (status == saga::SagaStatusName(saga::SagaStatus::kRunning)) running = double(count);
    if (status == saga::SagaStatusName(saga::SagaStatus::kCompensating)) {
      compensating = double(count);
    }
  }
  running_.Set(running);
  compensating_.Set(compensating);
}

}  // namespace tinysaga::orchestrator
