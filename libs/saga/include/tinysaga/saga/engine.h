#pragma once
// The saga engine: pure functions from (definition, state, input, now) to (new state,
// commands to send). No I/O, no clock, no randomness: the orchestrator's shell reads the
// state from the Saga DB, calls one function, and in ONE transaction saves the new state and
// puts the commands in the outbox (DESIGN.md, "Layers" and "Guarantees").
//
// Rules the engine keeps (each one has a test):
// - A reply is applied only while the engine awaits the reply to exactly that command: its
//   causation id must equal the current command id. Anything else is a duplicate, a replay, or
//   a late reply (to an older step or attempt, to a forward command after compensation began,
//   or arriving during a backoff) and is ignored without any change.
// - On a timeout or a retry reply the command is sent again after a backoff while attempts
//   remain, else the step has failed with an unknown effect: compensation starts with it.
// - Compensation walks the completed steps backwards, skipping steps without a compensation;
//   the step index only decreases while compensating (asserted).
// - COMPLETED and FAILED are terminal: no input changes a terminal state.
// - Command ids are deterministic from (saga id, step, kind, attempt): a resend of the same
//   attempt is recognisable (participants' inboxes drop it) and every attempt is distinct.
//   Participants make effects idempotent by order id, so a new attempt never applies twice.

#include <optional>
#include <string>
#include <vector>

#include "tinysaga/contracts/messages.h"
#include "tinysaga/core/result.h"
#include "tinysaga/saga/definition.h"
#include "tinysaga/saga/state.h"

namespace tinysaga::saga {

// Saga ids are at most this long, so that command ids fit in the 64 characters of an id.
inline constexpr size_t kSagaIdLengthMax = 40;

// "<saga id>-<step>-<do|undo>-<attempt>", e.g. "sag_3f9a...-1-do-2"; after an operator's
// retries (SagaState::retries) "-r<retries>" follows, e.g. "sag_3f9a...-1-undo-1-r1", so that
// a retried saga's fresh attempts are new messages to the participants' inboxes.
std::string CommandId(const SagaId& saga_id, int step_index, ActionKind kind, int attempt,
                      int retries = 0);

// What became of an input.
enum class Disposition {
  kApplied,            // the state moved on
  kIgnoredStale,       // duplicate, replayed or late reply: not the one awaited
  kIgnoredUnexpected,  // a reply of a type the awaited step does not know, or not a reply
  kIgnoredTerminal,    // the saga is finished
  kNotDue,             // OnTimeout before the deadline
  kAlreadyDone,        // an operator's verb repeated: its effect is in place, nothing changes
};

struct OutgoingCommand {
  std::string topic;  // the participant's command topic; key the record by order id
  contracts::Message message;
};

struct Decision {
  SagaState state;
  std::vector<OutgoingCommand> commands;
  Disposition disposition = Disposition::kApplied;
};

struct SagaStart {
  SagaId saga_id;  // new, at most kSagaIdLengthMax characters
  OrderId order_id;
  nlohmann::json data;      // checked by the definition's check_data
  std::string traceparent;  // of the event that started the saga; may be empty
  // When the starting event already carries the first command's outcome, the reply type it
  // stands for: that step is decided at once and its command never sent (the order saga starts
  // from the charge's own event, one round trip to Payment fewer on every saga's path).
  std::optional<std::string> first_reply;
  // The starting event's message id and type, kept in the state (SagaState::start_message_id)
  // for the saga's view; may be empty.
  std::string message_id;
  std::string message_type;
};

// Creates the instance and sends the first step's command, or applies `first_reply` to it.
// kInvalidRequest for a bad saga id, data the definition rejects, or a first reply the first
// step does not take.
Result<Decision> Start(const SagaDefinition& definition, SagaStart start, TimestampMs now_ms);

// Applies one reply. A message of another kind is kIgnoredUnexpected.
Decision OnReply(const SagaDefinition& definition, const SagaState& state,
                 const contracts::Message& reply, TimestampMs now_ms);

// Called when now_ms >= state.deadline_ms (earlier calls are kNotDue): resends after a
// backoff, or gives up on the step.
Decision OnTimeout(const SagaDefinition& definition, const SagaState& state, TimestampMs now_ms);

// ---- An operator's verbs (issue 15). Each records who and why in the history (kRetried,
// kAborted), is idempotent (repeated while its effect holds: kAlreadyDone, the state
// unchanged), and is kConflict, with a detail saying why, when the saga is in no state for it.

// The statusInfo of an order whose saga an operator aborted (what the compensation's reason is).
inline constexpr std::string_view kAbortedReason = "aborted by an operator";

struct OperatorRequest {
  std::string actor;   // the operator's user id
  std::string reason;  // why; required by the API, not checked here
};

// A GAVE_UP saga goes on from what it gave up on, with fresh attempts (and new command ids,
// see CommandId): a compensation abandoned is sent again and compensation goes on below it;
// else (a saga that cannot be undone) the forward step that failed or gave up is sent again
// (its whole parallel group) and the saga goes on forward. What went before the retry no
// longer counts for how it ends (CompensationAbandoned). Repeated after a retry that holds
// (the saga has not given up again): kAlreadyDone.
Result<Decision> Retry(const SagaDefinition& definition, const SagaState& state,
                       const OperatorRequest& request, TimestampMs now_ms);

// A RUNNING saga stops going forward and compensates from where it is, as if the step(s) in
// flight had given up with an unknown effect: their undo comes first, the failure reason is
// kAbortedReason. Refused (kConflict) for a saga that is not RUNNING, whose definition cannot
// be undone (SagaDefinition::reversible), or whose current step is past the point of no return
// (Step::abortable). Repeated after an abort (the saga compensating or ended): kAlreadyDone.
Result<Decision> Abort(const SagaDefinition& definition, const SagaState& state,
                       const OperatorRequest& request, TimestampMs now_ms);

// Checks that a state loaded from the Saga DB fits its definition (step index, attempt and
// phase in range), so that a corrupt row becomes an error value rather than a crash.
Result<void> CheckStateFits(const SagaDefinition& definition, const SagaState& state);

std::string_view DispositionName(Disposition disposition);

}  // namespace tinysaga::saga
