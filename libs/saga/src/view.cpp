#include "tinysaga/saga/view.h"

#include <algorithm>

namespace tinysaga::saga {
namespace {

void ApplyForwardEvent(StepView& step, const StepEvent& event) {
  switch (event.type) {
    case StepEventType::kSent:
      if (!step.started_ms) step.started_ms = event.time_ms;
      step.attempts = std::max(step.attempts, event.attempt);
      step.status = StepViewStatus::kRunning;
      return;
    case StepEventType::kSucceeded:
      // A step without a command, or decided by the saga's starting event.
      if (!step.started_ms) step.started_ms = event.time_ms;
      step.attempts = std::max(step.attempts, event.attempt);
      step.status = StepViewStatus::kSucceeded;
      step.ended_ms = event.time_ms;
      step.error.clear();
      return;
    case StepEventType::kFailed:
    case StepEventType::kGaveUp:
      if (!step.started_ms) step.started_ms = event.time_ms;
      step.attempts = std::max(step.attempts, event.attempt);
      step.status = StepViewStatus::kFailed;
      step.ended_ms = event.time_ms;
      step.error = event.error;
      return;
    case StepEventType::kRetrying:
    case StepEventType::kTimedOut:
      step.error = event.error;
      return;
  }
}

void ApplyCompensationEvent(StepView& step, const StepEvent& event) {
  switch (event.type) {
    case StepEventType::kSent:
      step.status = StepViewStatus::kCompensating;
      return;
    case StepEventType::kSucceeded:
      step.status = StepViewStatus::kCompensated;
      step.ended_ms = event.time_ms;
      return;
    case StepEventType::kFailed:
    case StepEventType::kGaveUp:
      step.status = StepViewStatus::kCompensationFailed;
      step.ended_ms = event.time_ms;
      step.error = event.error;
      return;
    case StepEventType::kRetrying:
    case StepEventType::kTimedOut:
      step.error = event.error;
      return;
  }
}

nlohmann::json OptionalTime(const std::optional<TimestampMs>& time_ms) {
  return time_ms ? nlohmann::json(FormatRfc3339(*time_ms)) : nlohmann::json(nullptr);
}

nlohmann::json OrNull(const std::string& text) {
  return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
}

}  // namespace

std::string_view StepViewStatusName(StepViewStatus status) {
  switch (status) {
    case StepViewStatus::kPending:
      return "PENDING";
    case StepViewStatus::kRunning:
      return "RUNNING";
    case StepViewStatus::kSucceeded:
      return "SUCCEEDED";
    case StepViewStatus::kFailed:
      return "FAILED";
    case StepViewStatus::kCompensating:
      return "COMPENSATING";
    case StepViewStatus::kCompensated:
      return "COMPENSATED";
    case StepViewStatus::kCompensationFailed:
      return "COMPENSATION_FAILED";
    case StepViewStatus::kSkipped:
      return "SKIPPED";
  }
  return "UNKNOWN";
}

SagaView BuildView(const SagaDefinition& definition, const SagaState& state,
                   std::string_view mode) {
  SagaView view{state.saga_id,        state.type, std::string(mode), state.status, state.order_id,
                state.failure_reason, {}};
  view.steps.reserve(definition.steps.size());
  for (const Step& step : definition.steps) {
    const int index = static_cast<int>(view.steps.size());
    view.steps.push_back(StepView{.name = step.name,
                                  .label = step.label,
                                  .undo_label = step.undo_label,
                                  .parallel_group = ParallelGroupOf(definition, index)});
  }
  for (const StepEvent& event : state.history) {
    if (event.step_index < 0 || event.step_index >= static_cast<int>(view.steps.size())) continue;
    StepView& step = view.steps[static_cast<size_t>(event.step_index)];
    if (event.kind == ActionKind::kForward) {
      ApplyForwardEvent(step, event);
    } else {
      ApplyCompensationEvent(step, event);
    }
  }
  if (state.terminal()) {
    for (StepView& step : view.steps) {
      if (step.status == StepViewStatus::kPending) step.status = StepViewStatus::kSkipped;
    }
  }
  return view;
}

nlohmann::json SagaViewToJson(const SagaView& view) {
  nlohmann::json steps = nlohmann::json::array();
  for (const StepView& step : view.steps) {
    steps.push_back({{"name", step.name},
                     {"label", step.label},
                     {"undoLabel", OrNull(step.undo_label)},
                     {"parallelGroup", step.parallel_group ? nlohmann::json(*step.parallel_group)
                                                           : nlohmann::json(nullptr)},
                     {"status", StepViewStatusName(step.status)},
                     {"attempts", step.attempts},
                     {"startedAt", OptionalTime(step.started_ms)},
                     {"endedAt", OptionalTime(step.ended_ms)},
                     {"error", OrNull(step.error)}});
  }
  nlohmann::json out = {{"sagaId", view.saga_id.value()},
                        {"type", view.type},
                        {"mode", view.mode},
                        {"state", SagaStatusName(view.state)},
                        {"orderId", view.order_id.value()},
                        {"steps", std::move(steps)}};
  if (!view.failure_reason.empty()) out["failureReason"] = view.failure_reason;
  return out;
}

nlohmann::json NotStartedViewJson(const SagaDefinition& definition, const OrderId& order_id,
                                  std::string_view mode) {
  const SagaState nothing_yet{.type = definition.type, .order_id = order_id};
  nlohmann::json out = SagaViewToJson(BuildView(definition, nothing_yet, mode));
  out["sagaId"] = nullptr;
  out["state"] = "NOT_STARTED";
  return out;
}

}  // namespace tinysaga::saga
