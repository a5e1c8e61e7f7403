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

// "<saga id>-<step>-<do|undo>-<attempt>", e.g. "sag_3f9a...-1-do-2".
std::string CommandId(const SagaId& saga_id, int step_index, ActionKind kind, int attempt);

// What became of an input.
enum class Disposition {
  kApplied,            // the state moved on
  kIgnoredStale,       // duplicate, replayed or late reply: not the one awaited
  kIgnoredUnexpected,  // a reply of a type the awaited step does not know, or not a reply
  kIgnoredTerminal,    // the saga is finished
  kNotDue,             // OnTimeout before the deadline
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

// Checks that a state loaded from the Saga DB fits its definition (step index, attempt and
// phase in range), so that a corrupt row becomes an error value rather than a crash.
Result<void> CheckStateFits(const SagaDefinition& definition, const SagaState& state);

std::string_view DispositionName(Disposition disposition);

}  // namespace tinysaga::saga
