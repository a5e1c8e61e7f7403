#pragma once
// A saga definition is data: an ordered list of steps, each with the command that does its
// work, an optional command that undoes it, and how to read each reply. The engine
// (engine.h) interprets it; nothing about a particular saga is hand-coded there (STYLE.md
// habit 13). Definitions are built once at start-up and shared read-only; thread-safe to read.

#include <array>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tinysaga/contracts/messages.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/core/backoff.h"
#include "tinysaga/core/result.h"
#include "tinysaga/saga/state.h"

namespace tinysaga::saga {

// What a reply means for the step that receives it.
enum class ReplyOutcome {
  kSuccess,  // the command took effect: go on (forward) or go on undoing (compensation)
  kRetry,    // a transient failure: send the command again after a backoff, if attempts remain
  // The command was refused and had no effect: compensate the steps before this one.
  kFailure,
  // The command failed and may or may not have taken effect (e.g. a timeout inside the
  // participant): compensate this step too. The participant's compensation is idempotent and
  // a no-op when the command never applied, so sending it is always safe.
  kFailureEffectUnknown,
};

struct ReplyRule {
  std::string type;  // a reply type name, e.g. "PaymentDeclined"
  ReplyOutcome outcome = ReplyOutcome::kSuccess;
  // Why the saga fails, for kFailure and kFailureEffectUnknown (the order's statusInfo).
  std::string failure_reason;
};

// The pause before attempt n+1 after attempt n failed or timed out: Cap(n), then "equal
// jitter" with a share taken from a hash of the command id, so that retries of many sagas
// spread out while a replay of one saga is exact (BackoffDelayMs).
using Backoff = ExponentialBackoff;

// Builds a command's payload from the saga's state (its data, and for an undo, the reason).
// Must be pure; it is called again for every attempt.
using CommandBuilder = std::function<contracts::Payload(const SagaState& state)>;

// One command a step sends, forward or compensating, and how to handle what comes back.
struct Action {
  contracts::Participant participant = contracts::Participant::kOrder;
  std::string command;  // the wire name of what `build` makes, e.g. "ChargeWallet"
  CommandBuilder build;
  // Reply types not listed are unexpected: ignored (logged by the shell), and the step's
  // timeout decides. For a compensation, kFailure and kFailureEffectUnknown both mean "cannot
  // be undone": recorded as the step's error, and compensation goes on with the step before.
  std::vector<ReplyRule> replies;
  int64_t timeout_ms = 5'000;  // per attempt
  int attempts_max = 3;        // including the first
  Backoff backoff;
};

// In choreography there is no engine: the Order service records what it hears (events, and
// its order's status changes) as the saga's facts, and the view is derived from these, the
// facts that tell each step's outcome: a message type, or "status:<ORDER STATUS>". Empty:
// no fact tells that outcome.
struct StepFacts {
  std::string done;         // the forward action succeeded
  std::string failed;       // it failed with no effect: undo the steps before it
  std::string gave_up;      // it was given up on, its effect unknown: undo it too
  std::string undone;       // the compensation succeeded
  std::string undo_failed;  // the compensation was refused for good

  // The five, in the order above (empty ones included), for whoever reads them all.
  std::array<const std::string*, 5> All() const {
    return {&done, &failed, &gave_up, &undone, &undo_failed};
  }
};

// A step has a forward action, a compensation, or both. A step with only a compensation
// passes at once going forward and acts only when the saga fails past it: the order saga's
// first step is one, so that marking the order FAILED is always the last thing the saga does
// (Eventuate Tram's `step().withCompensation(...)`).
struct Step {
  std::string name;  // snake_case, shown in GET /api/orders/{id}/saga
  // What the step does and what its compensation does, as users read them ("Charge the
  // wallet", "Refund the payment"): the saga view and the web UI's timeline show these.
  std::string label;
  std::string undo_label;  // empty exactly when there is no compensation
  std::optional<Action> forward;
  std::optional<Action> compensation;  // none: nothing to undo (or nothing that can be undone)
  // Why the saga fails when every forward attempt timed out or asked for a retry.
  std::string reason_when_exhausted;
  // Runs together with the step before it. Consecutive such steps form a parallel group:
  // their commands go out at once, and the saga goes on when every one of them succeeded.
  // When one fails, the others are not waited for; compensation walks back through the
  // whole group (each step whose command may have applied), then the steps before it.
  // Every step of a group has a forward action.
  bool parallel_with_previous = false;
  StepFacts facts;  // choreography (see StepFacts)
  // False past the point of no return: once this step's command may have applied, the saga
  // must finish, so an operator's abort is refused while it is current (the order saga's
  // order_placed: PLACED cannot be undone).
  bool abortable = true;
  // Orchestration, when this step's done or failed fact is the event that starts the saga
  // (orchestration_start.h): which of the forward action's replies the event stands for.
  // Empty: its first success reply for the done fact, its first failure for the failed one.
  std::function<std::string(const contracts::Payload& event)> reply_of_fact;
};

struct SagaDefinition {
  std::string type;  // e.g. "order", stored with every instance
  std::vector<Step> steps;
  // Checks the data a saga starts with, so that builders may rely on it.
  std::function<Result<void>(const nlohmann::json& data)> check_data;
  // False when its steps cannot be undone (the cancel saga): a failure leaves it half done, so
  // it ends GAVE_UP, for an operator, rather than FAILED.
  bool reversible = true;
  std::string description;  // one sentence: what it does and what starts it
  // Choreography: the fact that starts it; its first steps without a forward action pass.
  std::string start_fact;
  // Choreography: the saga data an event carries whole (what check_data accepts), so that a
  // participant can build the command the orchestrator would have sent; nullopt for an event
  // that carries none.
  std::function<std::optional<nlohmann::json>(const contracts::Payload& event)> data_of;
};

// The definition of `type` among `definitions`; nullptr when there is none.
const SagaDefinition* FindDefinition(const std::vector<SagaDefinition>& definitions,
                                     std::string_view type);

// How a saga of `definition` ends once compensation is done: GAVE_UP when it cannot be undone
// or a compensation was abandoned (`history`), else FAILED.
SagaStatus FailedEnd(const SagaDefinition& definition, const std::vector<StepEvent>& history);

// The delay before attempt `attempt` + 1 of the command with id `command_id`.
int64_t BackoffDelayMs(const Backoff& backoff, int attempt, std::string_view command_id);

// The longest the engine spends on `action` before it gives up on it: every attempt's timeout
// and, between attempts, each backoff's cap (its longest pause).
int64_t ActionBudgetMs(const Action& action);

// The longest a run of `definition` may go forward before the engine gives up: the budgets of
// its forward actions one group after another (a parallel group's longest, as its commands go
// out together).
int64_t ForwardBudgetMs(const SagaDefinition& definition);

// The last step of the parallel group that starts at `first` (`first` itself when the next
// step does not run with it).
int GroupEnd(const SagaDefinition& definition, int first);
// The first step of the parallel group `step` belongs to (`step` itself when it runs alone).
int GroupStart(const SagaDefinition& definition, int step);

// The first step of the parallel group `step` belongs to; nullopt when it runs alone.
std::optional<int> ParallelGroupOf(const SagaDefinition& definition, int step);

// Finds the rule for `reply_type`; nullptr when the action does not expect it.
const ReplyRule* FindReplyRule(const Action& action, std::string_view reply_type);

// kInvalidRequest naming the first problem: no steps, an unnamed or unlabelled step, a step
// with no action, an action without a builder, a command name or a success reply, a failure rule
// without a reason, bounds out of range. Checked by the tests of every definition and asserted by
// Start.
Result<void> CheckDefinition(const SagaDefinition& definition);

}  // namespace tinysaga::saga
