#include "tinysaga/saga/state.h"

#include <algorithm>

namespace tinysaga::saga {

bool CompensationAbandoned(const std::vector<StepEvent>& history, int step_index) {
  // What went before a retry is being tried again.
  auto since = std::find_if(history.rbegin(), history.rend(), [](const StepEvent& event) {
                 return event.type == StepEventType::kRetried;
               }).base();
  return std::any_of(since, history.end(), [&](const StepEvent& event) {
    return event.kind == ActionKind::kCompensation &&
           (step_index == -1 || event.step_index == step_index) &&
           (event.type == StepEventType::kFailed || event.type == StepEventType::kGaveUp);
  });
}

std::optional<StepEventType> LastOperatorVerb(const std::vector<StepEvent>& history) {
  for (auto it = history.rbegin(); it != history.rend(); ++it) {
    if (it->type == StepEventType::kRetried || it->type == StepEventType::kAborted) return it->type;
  }
  return std::nullopt;
}

std::string_view SagaStatusName(SagaStatus status) {
  switch (status) {
    case SagaStatus::kRunning:
      return "RUNNING";
    case SagaStatus::kCompensating:
      return "COMPENSATING";
    case SagaStatus::kCompleted:
      return "COMPLETED";
    case SagaStatus::kFailed:
      return "FAILED";
    case SagaStatus::kGaveUp:
      return "GAVE_UP";
  }
  return "UNKNOWN";
}

std::string_view StepPhaseName(StepPhase phase) {
  switch (phase) {
    case StepPhase::kAwaitingReply:
      return "AWAITING_REPLY";
    case StepPhase::kBackingOff:
      return "BACKING_OFF";
    case StepPhase::kNone:
      return "NONE";
  }
  return "UNKNOWN";
}

std::string_view ActionKindName(ActionKind kind) {
  return kind == ActionKind::kForward ? "FORWARD" : "COMPENSATION";
}

std::string_view StepEventTypeName(StepEventType type) {
  switch (type) {
    case StepEventType::kSent:
      return "SENT";
    case StepEventType::kSucceeded:
      return "SUCCEEDED";
    case StepEventType::kFailed:
      return "FAILED";
    case StepEventType::kRetrying:
      return "RETRYING";
    case StepEventType::kTimedOut:
      return "TIMED_OUT";
    case StepEventType::kGaveUp:
      return "GAVE_UP";
    case StepEventType::kRetried:
      return "RETRIED";
    case StepEventType::kAborted:
      return "ABORTED";
  }
  return "UNKNOWN";
}

}  // namespace tinysaga::saga
