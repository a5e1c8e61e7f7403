#include "tinysaga/saga/state.h"

#include <algorithm>

namespace tinysaga::saga {

bool CompensationAbandoned(const std::vector<StepEvent>& history, int step_index) {
  return std::any_of(history.begin(), history.end(), [&](const StepEvent& event) {
    return event.kind == ActionKind::kCompensation &&
           (step_index == -1 || event.step_index == step_index) &&
           (event.type == StepEventType::kFailed || event.type == StepEventType::kGaveUp);
  });
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
  }
  return "UNKNOWN";
}

}  // namespace tinysaga::saga
