#pragma once
// The state of one saga instance: everything the orchestrator saves in the Saga DB after each
// decision, and everything it needs to go on after a restart. A value type; not synchronised.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tinysaga/core/clock.h"
#include "tinysaga/core/ids.h"

namespace tinysaga::saga {

enum class SagaStatus {
  kRunning,       // going forward through the steps
  kCompensating,  // undoing completed steps, last first
  kCompleted,     // every step succeeded (terminal)
  kFailed,        // compensation finished (terminal)
  // Ended with something it could neither finish nor undo (a compensation refused or out of
  // attempts, or a failed saga whose steps cannot be undone): for an operator (terminal).
  kGaveUp,
};

// Whether the current command has been sent and is awaited, or failed and waits to be resent.
enum class StepPhase { kAwaitingReply, kBackingOff, kNone };

enum class ActionKind { kForward, kCompensation };

enum class StepEventType {
  kSent,       // an attempt of the command was sent
  kSucceeded,  // the reply said success
  kFailed,     // the reply said failure (permanent)
  kRetrying,   // the reply asked for a retry
  kTimedOut,   // no reply before the deadline
  kGaveUp,     // attempts exhausted
  // An operator's verbs (engine.h Retry, Abort): who and why are in the event's actor and
  // reason. They are the history's only lines not caused by a command, a reply or a deadline.
  kRetried,  // a GAVE_UP saga goes on from the step it gave up on, with fresh attempts
  kAborted,  // a RUNNING saga stops going forward and compensates from where it is
};

// One line of the saga's history. Bounded: at most a few lines per attempt, and attempts are
// bounded; replies that are ignored (duplicates, late) are not recorded.
struct StepEvent {
  TimestampMs time_ms = 0;
  int step_index = 0;
  ActionKind kind = ActionKind::kForward;
  int attempt = 0;
  StepEventType type = StepEventType::kSent;
  std::string reply_type;  // for events caused by a reply
  std::string error;       // for kFailed, kRetrying, kTimedOut, kGaveUp
  // The id of the message that caused it (a reply, or the event that started the saga and
  // answered its first step); empty for the rest.
  std::string message_id;
  std::string actor;   // kRetried, kAborted: the operator's user id
  std::string reason;  // kRetried, kAborted: why, as the operator said
  bool operator==(const StepEvent&) const = default;
};

// One command of a parallel group while the saga goes forward through the group.
struct Branch {
  int step_index = 0;
  int attempt = 1;  // from 1
  // kAwaitingReply or kBackingOff while in flight; kNone once it succeeded.
  StepPhase phase = StepPhase::kAwaitingReply;
  TimestampMs deadline_ms = 0;  // 0 once it succeeded
  bool operator==(const Branch&) const = default;
};

struct SagaState {
  SagaId saga_id;
  std::string type;  // the definition's type
  OrderId order_id;
  nlohmann::json data;      // what the builders read: user, amount, product, quantity ...
  std::string traceparent;  // copied to every command, so one trace shows the whole saga

  SagaStatus status = SagaStatus::kRunning;
  int step_index = 0;  // the step whose command is current; -1 once compensation is done
  int attempt = 0;     // of the current command, from 1
  StepPhase phase = StepPhase::kNone;
  // When OnTimeout must be called: the reply deadline or the end of the backoff. 0 when
  // terminal. The orchestrator's timer scans for the smallest deadlines.
  TimestampMs deadline_ms = 0;
  // Going forward through a parallel group: one branch per step of the group, and
  // step_index is the group's first step, attempt 1, phase kAwaitingReply, deadline_ms the
  // earliest branch deadline. Empty otherwise.
  std::vector<Branch> branches;
  // A step of a failed group whose command was refused with no effect: compensation passes it.
  // -1: none.
  int compensation_skip_step = -1;
  std::string failure_reason;  // set when compensation begins

  TimestampMs started_ms = 0;
  TimestampMs updated_ms = 0;
  std::vector<StepEvent> history;
  // The event that started the saga (its message id and type); empty for a saga started
  // otherwise (tests).
  std::string start_message_id;
  std::string start_message_type;
  // How many times an operator retried it (engine.h Retry). Part of every command id from the
  // first retry on, so that the fresh attempts are new messages to the participants' inboxes.
  int retries = 0;

  bool compensating() const { return status == SagaStatus::kCompensating; }
  bool terminal() const {
    return status == SagaStatus::kCompleted || status == SagaStatus::kFailed ||
           status == SagaStatus::kGaveUp;
  }
  bool operator==(const SagaState&) const = default;
};

// Whether a compensation of `history` (of step `step_index`, or of any step when -1) failed or
// gave up since the operator last retried the saga: what it was to undo is not undone.
bool CompensationAbandoned(const std::vector<StepEvent>& history, int step_index = -1);

// The operator's last verb in `history` (kRetried or kAborted); nullopt when none.
std::optional<StepEventType> LastOperatorVerb(const std::vector<StepEvent>& history);

std::string_view SagaStatusName(SagaStatus status);      // "RUNNING", "COMPENSATING", ...
std::string_view StepPhaseName(StepPhase phase);         // "AWAITING_REPLY", "BACKING_OFF", "NONE"
std::string_view ActionKindName(ActionKind kind);        // "FORWARD", "COMPENSATION"
std::string_view StepEventTypeName(StepEventType type);  // "SENT", "SUCCEEDED", ...

}  // namespace tinysaga::saga
