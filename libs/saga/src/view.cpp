#include "tinysaga/saga/view.h"

#include <algorithm>

#include "tinysaga/contracts/topics.h"
#include "tinysaga/saga/engine.h"

namespace tinysaga::saga {
namespace {

void ApplyForwardEvent(StepView& step, const StepEvent& event) {
  switch (event.type) {
    case StepEventType::kSent:
      if (!step.started_ms) step.started_ms = event.time_ms;
      step.attempts = std::max(step.attempts, event.attempt);
      step.status = StepViewStatus::kRunning;
      step.ended_ms.reset();  // sent again after an operator's retry
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
    case StepEventType::kRetried:
    case StepEventType::kAborted:
      return;  // the operator's line; the step's own events follow
  }
}

void ApplyCompensationEvent(StepView& step, const StepEvent& event) {
  switch (event.type) {
    case StepEventType::kSent:
      step.status = StepViewStatus::kCompensating;
      step.ended_ms.reset();
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
    case StepEventType::kRetried:
    case StepEventType::kAborted:
      return;
  }
}

nlohmann::json OptionalTime(const std::optional<TimestampMs>& time_ms) {
  return time_ms ? nlohmann::json(FormatRfc3339(*time_ms)) : nlohmann::json(nullptr);
}

nlohmann::json OrNull(const std::string& text) {
  return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
}

std::string StepNameAt(const SagaDefinition& definition, int index) {
  if (index < 0 || index >= static_cast<int>(definition.steps.size())) return "";
  return definition.steps[static_cast<size_t>(index)].name;
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

SagaView BuildView(const SagaDefinition& definition, const SagaState& state, SagaMode mode) {
  SagaView view{state.saga_id,  state.type,           mode, state.status,
                state.order_id, state.failure_reason, {}};
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
  nlohmann::json out = {{"sagaId", view.saga_id.value()},   {"type", view.type},
                        {"mode", SagaModeName(view.mode)},  {"state", SagaStatusName(view.state)},
                        {"orderId", view.order_id.value()}, {"steps", std::move(steps)}};
  if (!view.failure_reason.empty()) out["failureReason"] = view.failure_reason;
  return out;
}

nlohmann::json NotStartedViewJson(const SagaDefinition& definition, const OrderId& order_id,
                                  SagaMode mode) {
  const SagaState nothing_yet{.type = definition.type, .order_id = order_id};
  nlohmann::json out = SagaViewToJson(BuildView(definition, nothing_yet, mode));
  out["sagaId"] = nullptr;
  out["state"] = "NOT_STARTED";
  return out;
}

nlohmann::json SagaHistoryJson(const SagaDefinition& definition,
                               const std::vector<StepEvent>& history) {
  nlohmann::json events = nlohmann::json::array();
  for (const StepEvent& event : history) {
    events.push_back({{"at", FormatRfc3339(event.time_ms)},
                      {"step", StepNameAt(definition, event.step_index)},
                      {"kind", ActionKindName(event.kind)},
                      {"attempt", event.attempt},
                      {"type", StepEventTypeName(event.type)},
                      {"replyType", OrNull(event.reply_type)},
                      {"error", OrNull(event.error)},
                      {"messageId", OrNull(event.message_id)},
                      {"actor", OrNull(event.actor)},
                      {"reason", OrNull(event.reason)}});
  }
  return events;
}

nlohmann::json SagaProgressJson(const SagaDefinition& definition, const SagaState& state) {
  const bool running = !state.terminal();
  // In a parallel group, the first step still in flight.
  int current = state.step_index;
  for (const Branch& branch : state.branches) {
    if (branch.phase != StepPhase::kNone) {
      current = branch.step_index;
      break;
    }
  }
  return {
      {"currentStep", running ? OrNull(StepNameAt(definition, current)) : nlohmann::json(nullptr)},
      {"attempt", running ? nlohmann::json(state.attempt) : nlohmann::json(nullptr)},
      {"phase", running ? nlohmann::json(StepPhaseName(state.phase)) : nlohmann::json(nullptr)},
      {"deadlineAt", running && state.deadline_ms > 0
                         ? nlohmann::json(FormatRfc3339(state.deadline_ms))
                         : nlohmann::json(nullptr)},
      {"retries", state.retries}};
}

nlohmann::json OrchestratedMessagesJson(const SagaDefinition& definition, const SagaState& state) {
  nlohmann::json messages = nlohmann::json::array();
  auto message = [&](std::string_view direction, const std::string& id, const std::string& type,
                     std::string_view topic, TimestampMs time_ms, int step) {
    messages.push_back({{"direction", direction},
                        {"messageId", id},
                        {"type", type},
                        {"topic", topic.empty() ? nlohmann::json(nullptr) : nlohmann::json(topic)},
                        {"at", FormatRfc3339(time_ms)},
                        {"step", OrNull(StepNameAt(definition, step))}});
  };
  if (!state.start_message_id.empty()) {
    message("received", state.start_message_id, state.start_message_type,
            contracts::ChoreographyTopicOf(state.start_message_type), state.started_ms, -1);
  }
  int retries = 0;  // as it was when each command went out: part of its id
  for (const StepEvent& event : state.history) {
    if (event.type == StepEventType::kRetried) ++retries;
    const bool known_step =
        event.step_index >= 0 && event.step_index < static_cast<int>(definition.steps.size());
    if (event.type == StepEventType::kSent && known_step && event.attempt >= 1) {
      const Step& step = definition.steps[static_cast<size_t>(event.step_index)];
      const std::optional<Action>& action =
          event.kind == ActionKind::kForward ? step.forward : step.compensation;
      if (!action) continue;
      message("sent",
              CommandId(state.saga_id, event.step_index, event.kind, event.attempt, retries),
              action->command, contracts::CommandTopic(action->participant), event.time_ms,
              event.step_index);
    } else if (!event.message_id.empty() && event.message_id != state.start_message_id) {
      message("received", event.message_id, event.reply_type, contracts::kSagaRepliesTopic,
              event.time_ms, event.step_index);
    }
  }
  return messages;
}

}  // namespace tinysaga::saga
