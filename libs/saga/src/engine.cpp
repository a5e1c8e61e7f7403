#include "tinysaga/saga/engine.h"

#include <cassert>

#include "tinysaga/contracts/topics.h"

namespace tinysaga::saga {
namespace {

// One decision in the making: the definition, the state being changed, what to send.
struct Run {
  const SagaDefinition& definition;
  Decision decision;
  TimestampMs now_ms;

  SagaState& state() { return decision.state; }
};

ActionKind CurrentKind(const SagaState& state) {
  return state.compensating() ? ActionKind::kCompensation : ActionKind::kForward;
}

const Action& CurrentAction(const SagaDefinition& definition, const SagaState& state) {
  assert(state.step_index >= 0 && state.step_index < static_cast<int>(definition.steps.size()));
  const Step& step = definition.steps[static_cast<size_t>(state.step_index)];
  const std::optional<Action>& action = state.compensating() ? step.compensation : step.forward;
  assert(action.has_value());
  return *action;
}

std::string CurrentCommandId(const SagaState& state) {
  return CommandId(state.saga_id, state.step_index, CurrentKind(state), state.attempt);
}

void Record(Run& run, StepEventType type, std::string reply_type = {}, std::string error = {}) {
  SagaState& state = run.state();
  state.history.push_back(StepEvent{run.now_ms, state.step_index, CurrentKind(state), state.attempt,
                                    type, std::move(reply_type), std::move(error)});
}

// Sends the current attempt of the current command and awaits its reply.
void SendCurrent(Run& run) {
  SagaState& state = run.state();
  const Action& action = CurrentAction(run.definition, state);
  contracts::Payload payload = action.build(state);
  assert(contracts::KindOf(payload) == contracts::MessageKind::kCommand);

  contracts::Envelope envelope;
  envelope.message_id = CurrentCommandId(state);
  envelope.schema_version = contracts::SchemaVersionMax(contracts::TypeName(payload));
  envelope.saga_id = state.saga_id;
  envelope.order_id = state.order_id;
  envelope.time_ms = run.now_ms;
  envelope.traceparent = state.traceparent;
  run.decision.commands.push_back(
      OutgoingCommand{std::string(contracts::CommandTopic(action.participant)),
                      contracts::Message{std::move(envelope), std::move(payload)}});

  state.phase = StepPhase::kAwaitingReply;
  state.deadline_ms = run.now_ms + action.timeout_ms;
  Record(run, StepEventType::kSent);
}

void Finish(Run& run, SagaStatus status) {
  SagaState& state = run.state();
  state.status = status;
  state.phase = StepPhase::kNone;
  state.deadline_ms = 0;
  state.attempt = 0;
}

// Moves to step `index`, passing at once through steps without a forward action. False when
// that finished the saga; else the current step is the next one with a command, attempt 1.
bool EnterForwardStep(Run& run, int index) {
  SagaState& state = run.state();
  assert(!state.compensating());
  assert(index == state.step_index + 1);  // forward means one step at a time
  const int steps = static_cast<int>(run.definition.steps.size());
  state.step_index = index;
  while (state.step_index < steps &&
         !run.definition.steps[static_cast<size_t>(state.step_index)].forward) {
    state.attempt = 0;
    Record(run, StepEventType::kSucceeded);  // shown as done in the saga's view
    ++state.step_index;
  }
  if (state.step_index == steps) {
    Finish(run, SagaStatus::kCompleted);
    return false;
  }
  state.attempt = 1;
  return true;
}

void StartForwardStep(Run& run, int index) {
  if (EnterForwardStep(run, index)) SendCurrent(run);
}

// Compensates the highest step at or below `index` that has a compensation, or finishes.
void CompensateFrom(Run& run, int index, [[maybe_unused]] bool beginning) {
  SagaState& state = run.state();
  assert(state.compensating());
  // The invariant of STYLE.md habit 5: while compensating the step index only decreases.
  assert(beginning ? index <= state.step_index : index < state.step_index);
  while (index >= 0 && !run.definition.steps[static_cast<size_t>(index)].compensation) --index;
  state.step_index = index;
  if (index < 0) {
    Finish(run, SagaStatus::kFailed);
    return;
  }
  state.attempt = 1;
  SendCurrent(run);
}

void BeginCompensation(Run& run, int from_index, std::string reason) {
  SagaState& state = run.state();
  assert(state.status == SagaStatus::kRunning);
  state.status = SagaStatus::kCompensating;
  state.failure_reason = std::move(reason);
  CompensateFrom(run, from_index, /*beginning=*/true);
}

void CurrentStepSucceeded(Run& run) {
  SagaState& state = run.state();
  if (state.compensating()) {
    CompensateFrom(run, state.step_index - 1, /*beginning=*/false);
  } else {
    StartForwardStep(run, state.step_index + 1);
  }
}

// The current command failed for good. Forward: compensate, starting with this step when its
// effect is unknown. Compensation: nothing more can be done for this step; go on with the next.
void CurrentStepFailed(Run& run, bool effect_unknown, std::string reason) {
  SagaState& state = run.state();
  if (state.compensating()) {
    CompensateFrom(run, state.step_index - 1, /*beginning=*/false);
  } else {
    BeginCompensation(run, effect_unknown ? state.step_index : state.step_index - 1,
                      std::move(reason));
  }
}

// After a timeout or a retry reply: back off and resend while attempts remain, else give up
// with the effect unknown.
void RetryOrGiveUp(Run& run) {
  SagaState& state = run.state();
  const Action& action = CurrentAction(run.definition, state);
  if (state.attempt < action.attempts_max) {
    state.phase = StepPhase::kBackingOff;
    state.deadline_ms =
        run.now_ms + BackoffDelayMs(action.backoff, state.attempt, CurrentCommandId(state));
    return;
  }
  Record(run, StepEventType::kGaveUp, {},
         "no success after " + std::to_string(state.attempt) + " attempts");
  const Step& step = run.definition.steps[static_cast<size_t>(state.step_index)];
  CurrentStepFailed(run, /*effect_unknown=*/true, step.reason_when_exhausted);
}

void ApplyRule(Run& run, const ReplyRule& rule, std::string_view reply_type) {
  std::string type(reply_type);
  switch (rule.outcome) {
    case ReplyOutcome::kSuccess:
      Record(run, StepEventType::kSucceeded, type);
      CurrentStepSucceeded(run);
      return;
    case ReplyOutcome::kRetry:
      Record(run, StepEventType::kRetrying, type, type);
      RetryOrGiveUp(run);
      return;
    case ReplyOutcome::kFailure:
    case ReplyOutcome::kFailureEffectUnknown:
      Record(run, StepEventType::kFailed, type,
             rule.failure_reason.empty() ? type : rule.failure_reason);
      CurrentStepFailed(run, rule.outcome == ReplyOutcome::kFailureEffectUnknown,
                        rule.failure_reason);
      return;
  }
}

Decision Unchanged(const SagaState& state, Disposition disposition) {
  return Decision{state, {}, disposition};
}

Result<void> CheckStart(const SagaDefinition& definition, const SagaStart& start) {
  if (start.saga_id.value().size() > kSagaIdLengthMax || !IsValidId(start.saga_id.value())) {
    return MakeError(Errc::kInvalidRequest, "saga id must match [A-Za-z0-9_-]{1,40}");
  }
  if (!IsValidId(start.order_id.value())) {
    return MakeError(Errc::kInvalidRequest, "order id must match [A-Za-z0-9_-]{1,64}");
  }
  return definition.check_data(start.data);
}

}  // namespace

std::string CommandId(const SagaId& saga_id, int step_index, ActionKind kind, int attempt) {
  assert(step_index >= 0 && attempt >= 1);
  return saga_id.value() + "-" + std::to_string(step_index) +
         (kind == ActionKind::kForward ? "-do-" : "-undo-") + std::to_string(attempt);
}

Result<Decision> Start(const SagaDefinition& definition, SagaStart start, TimestampMs now_ms) {
  assert(CheckDefinition(definition).ok());
  TS_RETURN_IF_ERROR(CheckStart(definition, start));
  SagaState state;
  state.saga_id = std::move(start.saga_id);
  state.type = definition.type;
  state.order_id = std::move(start.order_id);
  state.data = std::move(start.data);
  state.traceparent = std::move(start.traceparent);
  state.step_index = -1;  // StartForwardStep moves to 0
  state.started_ms = now_ms;
  state.updated_ms = now_ms;
  Run run{definition, Decision{std::move(state), {}, Disposition::kApplied}, now_ms};
  if (!EnterForwardStep(run, 0)) return std::move(run.decision);
  if (!start.first_reply) {
    SendCurrent(run);
    return std::move(run.decision);
  }
  // The starting event is the first command's answer: apply it as that reply, unsent.
  const ReplyRule* rule = FindReplyRule(CurrentAction(definition, run.state()), *start.first_reply);
  if (rule == nullptr) {
    return MakeError(Errc::kInvalidRequest, "the first step does not take a " +
                                                *start.first_reply + " reply");
  }
  run.state().phase = StepPhase::kAwaitingReply;
  ApplyRule(run, *rule, *start.first_reply);
  return std::move(run.decision);
}

Decision OnReply(const SagaDefinition& definition, const SagaState& state,
                 const contracts::Message& reply, TimestampMs now_ms) {
  assert(definition.type == state.type);
  if (state.terminal()) return Unchanged(state, Disposition::kIgnoredTerminal);
  // Input, not a programmer error: anything well-formed can be published on saga.replies.
  if (contracts::KindOf(reply.payload) != contracts::MessageKind::kReply) {
    return Unchanged(state, Disposition::kIgnoredUnexpected);
  }
  // Only the reply to the command awaited right now counts; the command id names the saga,
  // step, direction and attempt, so every stale reply fails this one comparison.
  if (state.phase != StepPhase::kAwaitingReply ||
      reply.envelope.causation_id != CurrentCommandId(state)) {
    return Unchanged(state, Disposition::kIgnoredStale);
  }
  const ReplyRule* rule = FindReplyRule(CurrentAction(definition, state), reply.type());
  if (rule == nullptr) return Unchanged(state, Disposition::kIgnoredUnexpected);

  Run run{definition, Decision{state, {}, Disposition::kApplied}, now_ms};
  run.state().updated_ms = now_ms;
  ApplyRule(run, *rule, reply.type());
  return std::move(run.decision);
}

Decision OnTimeout(const SagaDefinition& definition, const SagaState& state, TimestampMs now_ms) {
  assert(definition.type == state.type);
  if (state.terminal()) return Unchanged(state, Disposition::kIgnoredTerminal);
  if (now_ms < state.deadline_ms) return Unchanged(state, Disposition::kNotDue);

  Run run{definition, Decision{state, {}, Disposition::kApplied}, now_ms};
  SagaState& next = run.state();
  next.updated_ms = now_ms;
  if (next.phase == StepPhase::kBackingOff) {
    ++next.attempt;
    SendCurrent(run);
  } else {
    assert(next.phase == StepPhase::kAwaitingReply);
    Record(run, StepEventType::kTimedOut, {},
           "no reply within " + std::to_string(CurrentAction(definition, next).timeout_ms) + " ms");
    RetryOrGiveUp(run);
  }
  return std::move(run.decision);
}

Result<void> CheckStateFits(const SagaDefinition& definition, const SagaState& state) {
  auto bad = [&](std::string_view what) {
    return MakeError(
        Errc::kInvalidRequest,
        "saga " + state.saga_id.value() + " does not fit its definition: " + std::string(what));
  };
  const int steps = static_cast<int>(definition.steps.size());
  if (state.type != definition.type) return bad("type");
  if (state.terminal()) {
    if (state.phase != StepPhase::kNone || state.deadline_ms != 0) return bad("terminal phase");
    const int expected = state.status == SagaStatus::kCompleted ? steps : -1;
    return state.step_index == expected ? Ok() : bad("terminal step index");
  }
  if (state.step_index < 0 || state.step_index >= steps) return bad("step index");
  if (state.phase == StepPhase::kNone) return bad("phase");
  const Step& step = definition.steps[static_cast<size_t>(state.step_index)];
  const std::optional<Action>& action = state.compensating() ? step.compensation : step.forward;
  if (!action) return bad("step has no such action");
  if (state.attempt < 1 || state.attempt > action->attempts_max) return bad("attempt");
  // The builders rely on the data, so a corrupt document must stop here.
  return definition.check_data(state.data);
}

std::string_view DispositionName(Disposition disposition) {
  switch (disposition) {
    case Disposition::kApplied:
      return "applied";
    case Disposition::kIgnoredStale:
      return "ignored-stale";
    case Disposition::kIgnoredUnexpected:
      return "ignored-unexpected";
    case Disposition::kIgnoredTerminal:
      return "ignored-terminal";
    case Disposition::kNotDue:
      return "not-due";
  }
  return "unknown";
}

}  // namespace tinysaga::saga
