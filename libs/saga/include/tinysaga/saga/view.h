#pragma once
// The read model of GET /api/orders/{orderId}/saga (API.md): one line per step of the
// definition, derived from the saga's history. Pure.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tinysaga/core/saga_mode.h"
#include "tinysaga/saga/definition.h"
#include "tinysaga/saga/state.h"

namespace tinysaga::saga {

enum class StepViewStatus {
  kPending,             // not reached yet
  kRunning,             // its command is out (or waiting to be resent)
  kSucceeded,           // done
  kFailed,              // refused, or gave up after its attempts
  kCompensating,        // its compensation is out
  kCompensated,         // undone
  kCompensationFailed,  // its compensation could not be completed
  kSkipped,             // never reached and never will be: the saga ended before it
};

std::string_view StepViewStatusName(StepViewStatus status);  // "PENDING", "RUNNING", ...

struct StepView {
  std::string name;
  std::string label;                  // the definition's, for users
  std::string undo_label;             // empty when the step has no compensation
  std::optional<int> parallel_group;  // ParallelGroupOf: runs together with the steps of it
  StepViewStatus status = StepViewStatus::kPending;
  int attempts = 0;  // forward attempts sent
  std::optional<TimestampMs> started_ms;
  std::optional<TimestampMs> ended_ms;  // when it succeeded, failed, or was undone
  std::string error;                    // the last problem, empty when none
};

struct SagaView {
  SagaId saga_id;
  std::string type;
  SagaMode mode = SagaMode::kOrchestration;
  SagaStatus state = SagaStatus::kRunning;
  OrderId order_id;
  std::string failure_reason;
  std::vector<StepView> steps;
};

SagaView BuildView(const SagaDefinition& definition, const SagaState& state, SagaMode mode);

// {"sagaId", "type", "mode", "state", "orderId", "failureReason"?, "steps": [{"name", "label",
// "undoLabel", "parallelGroup", "status", "attempts", "startedAt", "endedAt", "error"}]} with
// RFC 3339 times; undoLabel, parallelGroup, times and error are null when absent.
nlohmann::json SagaViewToJson(const SagaView& view);

// The view of a saga that has not started yet (an order not paid for): the same JSON with
// "sagaId" null, "state" "NOT_STARTED" and every step of the definition PENDING, so that a
// page can draw what will run before it runs.
nlohmann::json NotStartedViewJson(const SagaDefinition& definition, const OrderId& order_id,
                                  SagaMode mode);

// ---- What an operator reads beside the view (issue 15: `describe`) ----

// Every event of `history`, oldest first: {"at", "step" (name), "kind" (FORWARD, COMPENSATION),
// "attempt", "type" (SENT, SUCCEEDED, ..., RETRIED, ABORTED), "replyType", "error",
// "messageId", "actor", "reason"}, the last five null when absent.
nlohmann::json SagaHistoryJson(const SagaDefinition& definition,
                               const std::vector<StepEvent>& history);

// Where the saga is: {"currentStep" (name), "attempt", "phase" (AWAITING_REPLY, BACKING_OFF),
// "deadlineAt" (RFC 3339), "retries"}; the first four null once it ended.
nlohmann::json SagaProgressJson(const SagaDefinition& definition, const SagaState& state);

// The messages an orchestrated saga sent and received, oldest first: the event that started
// it, every attempt of every command (its id from CommandId, its topic) and every reply it
// applied: [{"direction": "sent" or "received", "messageId", "type", "topic", "at", "step"
// (null for the starting event)}]. Replies it ignored are not in it (nor in the history).
nlohmann::json OrchestratedMessagesJson(const SagaDefinition& definition, const SagaState& state);

}  // namespace tinysaga::saga
