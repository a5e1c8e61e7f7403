#include "tinysaga/saga/engine.h"

#include <algorithm>
#include <cassert>
#include <optional>

#include "tinysaga/contracts/topics.h"
#include "tinysaga/core/breaks.h"

namespace tinysaga::saga {
namespace {

// One decision in the making: the definition, the state being changed, what to send.
struct Run {
  const SagaDefinition& definition;
  Decision decision;
  TimestampMs now_ms;
  std::string cause_message_id = {};  // of the reply (or starting event) being applied

  SagaState& state() { return decision.state; }
};

ActionKind CurrentKind(const SagaState& state) {
  return state.compensating() ? ActionKind::kCompensation : ActionKind::kForward;
}

std::string CurrentCommandId(const SagaState& state) {
  return CommandId(state.saga_id, state.step_index, CurrentKind(state), state.attempt,
                   state.retries);
}

std::string BranchCommandId(const SagaState& state, const Branch& branch) {
  return CommandId(state.saga_id, branch.step_index, ActionKind::kForward, branch.attempt,
                   state.retries);
}

void RecordFor(Run& run, int step_index, ActionKind kind, int attempt, StepEventType type,
               std::string reply_type = {}, std::string error = {}) {
  std::string message_id = reply_type.empty() ? std::string() : run.cause_message_id;
  run.state().history.push_back(StepEvent{run.now_ms, step_index, kind, attempt, type,
                                          std::move(reply_type), std::move(error),
                                          std::move(message_id)});
}

void Record(Run& run, StepEventType type, std::string reply_type = {}, std::string error = {}) {
  const SagaState& state = run.state();
  RecordFor(run, state.step_index, CurrentKind(state), state.attempt, type, std::move(reply_type),
            std::move(error));
}

const Action& ActionOf(const SagaDefinition& definition, int step_index, ActionKind kind) {
  assert(step_index >= 0 && step_index < static_cast<int>(definition.steps.size()));
  const Step& step = definition.steps[static_cast<size_t>(step_index)];
  const std::optional<Action>& action =
      kind == ActionKind::kCompensation ? step.compensation : step.forward;
  assert(action.has_value());
  return *action;
}

const Action& CurrentAction(const SagaDefinition& definition, const SagaState& state) {
  return ActionOf(definition, state.step_index, CurrentKind(state));
}

Decision Unchanged(const SagaState& state, Disposition disposition) {
  return Decision{state, {}, disposition};
}

// Sends one attempt of one step's command; returns the deadline for its reply.
TimestampMs SendCommand(Run& run, int step_index, ActionKind kind, int attempt) {
  const SagaState& state = run.state();
  const Action& action = ActionOf(run.definition, step_index, kind);
  contracts::Payload payload = action.build(state);
  assert(contracts::KindOf(payload) == contracts::MessageKind::kCommand);
  assert(contracts::TypeName(payload) == action.command);  // what the definition declares

  contracts::Envelope envelope;
  envelope.message_id = CommandId(state.saga_id, step_index, kind, attempt, state.retries);
  envelope.schema_version = contracts::SchemaVersionMax(contracts::TypeName(payload));
  envelope.saga_id = state.saga_id;
  envelope.order_id = state.order_id;
  envelope.time_ms = run.now_ms;
  envelope.traceparent = state.traceparent;
  run.decision.commands.push_back(
      OutgoingCommand{std::string(contracts::CommandTopic(action.participant)),
                      contracts::Message{std::move(envelope), std::move(payload)}});
  RecordFor(run, step_index, kind, attempt, StepEventType::kSent);
  return run.now_ms + action.timeout_ms;
}

// Sends the current attempt of the current command and awaits its reply.
void SendCurrent(Run& run) {
  SagaState& state = run.state();
  state.deadline_ms = SendCommand(run, state.step_index, CurrentKind(state), state.attempt);
  state.phase = StepPhase::kAwaitingReply;
}

// ---- Parallel groups: the branches of SagaState, one per step of the group ----

bool InGroup(const SagaState& state) { return !state.branches.empty(); }

// The saga's deadline is the earliest of its branches' still in flight.
void SyncGroupDeadline(SagaState& state) {
  TimestampMs earliest = 0;
  for (const Branch& branch : state.branches) {
    if (branch.phase == StepPhase::kNone) continue;
    if (earliest == 0 || branch.deadline_ms < earliest) earliest = branch.deadline_ms;
  }
  state.deadline_ms = earliest;
}

// Sends every command of the group [first, last] at once.
void StartGroup(Run& run, int first, int last) {
  SagaState& state = run.state();
  state.step_index = first;
  state.attempt = 1;
  state.phase = StepPhase::kAwaitingReply;
  for (int index = first; index <= last; ++index) {
    const TimestampMs deadline_ms = SendCommand(run, index, ActionKind::kForward, 1);
    state.branches.push_back(Branch{index, 1, StepPhase::kAwaitingReply, deadline_ms});
  }
  SyncGroupDeadline(state);
}

// Sends the current forward step, or its whole group.
void SendStep(Run& run) {
  SagaState& state = run.state();
  const int last = GroupEnd(run.definition, state.step_index);
  if (last > state.step_index) {
    StartGroup(run, state.step_index, last);
  } else {
    SendCurrent(run);
  }
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
  if (EnterForwardStep(run, index)) SendStep(run);
}

// Compensates the highest step at or below `index` that has a compensation, or finishes.
void CompensateFrom(Run& run, int index, [[maybe_unused]] bool beginning) {
  SagaState& state = run.state();
  assert(state.compensating());
  // The invariant of STYLE.md habit 5: while compensating the step index only decreases.
  assert(beginning ? index <= state.step_index : index < state.step_index);
  while (index >= 0 && (!run.definition.steps[static_cast<size_t>(index)].compensation ||
                        index == state.compensation_skip_step)) {
    --index;
  }
  state.step_index = index;
  if (index < 0) {
    Finish(run, FailedEnd(run.definition, state.history));
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
// effect is unknown. Compensation: nothing more can be done for this step; go on with the next
// (the saga will end GAVE_UP: see FailedEnd).
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

// A branch failed for good: the group fails. Compensation starts at the group's last step and
// walks back through every step whose command may have applied: those that succeeded, those
// still in flight (their late replies are stale now), and the failed one unless it was
// refused with no effect. Commands to one participant stay in order (one partition per order),
// so an undo never overtakes the command it undoes.
void GroupFailed(Run& run, int failed_step, bool effect_unknown, std::string reason) {
  SagaState& state = run.state();
  const int last = state.branches.back().step_index;
  state.branches.clear();
  state.compensation_skip_step = effect_unknown ? -1 : failed_step;
  state.step_index = last;
  BeginCompensation(run, last, std::move(reason));
}

// After a timeout or a retry reply of branch `i`: back off while attempts remain, else give up.
void BranchRetryOrGiveUp(Run& run, size_t i) {
  SagaState& state = run.state();
  Branch& branch = state.branches[i];
  const Action& action = ActionOf(run.definition, branch.step_index, ActionKind::kForward);
  if (branch.attempt < action.attempts_max) {
    branch.phase = StepPhase::kBackingOff;
    branch.deadline_ms =
        run.now_ms + BackoffDelayMs(action.backoff, branch.attempt, BranchCommandId(state, branch));
    SyncGroupDeadline(state);
    return;
  }
  RecordFor(run, branch.step_index, ActionKind::kForward, branch.attempt, StepEventType::kGaveUp,
            {}, "no success after " + std::to_string(branch.attempt) + " attempts");
  const Step& step = run.definition.steps[static_cast<size_t>(branch.step_index)];
  GroupFailed(run, branch.step_index, /*effect_unknown=*/true, step.reason_when_exhausted);
}

void ApplyBranchRule(Run& run, size_t i, const ReplyRule& rule, std::string_view reply_type) {
  SagaState& state = run.state();
  Branch& branch = state.branches[i];
  std::string type(reply_type);
  switch (rule.outcome) {
    case ReplyOutcome::kSuccess: {
      RecordFor(run, branch.step_index, ActionKind::kForward, branch.attempt,
                StepEventType::kSucceeded, type);
      branch.phase = StepPhase::kNone;
      branch.deadline_ms = 0;
      const bool all_done =
          std::all_of(state.branches.begin(), state.branches.end(),
                      [](const Branch& b) { return b.phase == StepPhase::kNone; });
      if (!all_done) {
        SyncGroupDeadline(state);
        return;
      }
      const int last = state.branches.back().step_index;
      state.branches.clear();
      state.step_index = last;
      StartForwardStep(run, last + 1);
      return;
    }
    case ReplyOutcome::kRetry:
      RecordFor(run, branch.step_index, ActionKind::kForward, branch.attempt,
                StepEventType::kRetrying, type, type);
      BranchRetryOrGiveUp(run, i);
      return;
    case ReplyOutcome::kFailure:
    case ReplyOutcome::kFailureEffectUnknown:
      RecordFor(run, branch.step_index, ActionKind::kForward, branch.attempt,
                StepEventType::kFailed, type,
                rule.failure_reason.empty() ? type : rule.failure_reason);
      GroupFailed(run, branch.step_index, rule.outcome == ReplyOutcome::kFailureEffectUnknown,
                  rule.failure_reason);
      return;
  }
}

// The branch awaiting the reply to `causation_id`; none for a stale reply.
std::optional<size_t> AwaitingBranch(const SagaState& state, const std::string& causation_id) {
  for (size_t i = 0; i < state.branches.size(); ++i) {
    const Branch& branch = state.branches[i];
    if (branch.phase == StepPhase::kAwaitingReply &&
        BranchCommandId(state, branch) == causation_id) {
      return i;
    }
  }
  return std::nullopt;
}

// --break stale-reply-check-off: the first awaiting branch whose command takes a reply of this
// type, whatever command the reply answers.
std::optional<size_t> AwaitingBranchTaking(const SagaDefinition& definition, const SagaState& state,
                                           const contracts::Message& reply) {
  for (size_t i = 0; i < state.branches.size(); ++i) {
    const Branch& branch = state.branches[i];
    if (branch.phase == StepPhase::kAwaitingReply &&
        FindReplyRule(ActionOf(definition, branch.step_index, ActionKind::kForward),
                      reply.type()) != nullptr) {
      return i;
    }
  }
  return std::nullopt;
}

Decision OnGroupReply(const SagaDefinition& definition, const SagaState& state,
                      const contracts::Message& reply, TimestampMs now_ms) {
  std::optional<size_t> i = AwaitingBranch(state, reply.envelope.causation_id);
  if (!i && IsBroken(Break::kStaleReplyCheckOff)) {
    i = AwaitingBranchTaking(definition, state, reply);
  }
  if (!i) return Unchanged(state, Disposition::kIgnoredStale);
  const int step_index = state.branches[*i].step_index;
  const ReplyRule* rule =
      FindReplyRule(ActionOf(definition, step_index, ActionKind::kForward), reply.type());
  if (rule == nullptr) return Unchanged(state, Disposition::kIgnoredUnexpected);
  Run run{definition, Decision{state, {}, Disposition::kApplied}, now_ms,
          reply.envelope.message_id};
  run.state().updated_ms = now_ms;
  ApplyBranchRule(run, *i, *rule, reply.type());
  return std::move(run.decision);
}

// Every branch whose deadline passed: resend after its backoff, or count its timeout.
Decision OnGroupTimeout(const SagaDefinition& definition, const SagaState& state,
                        TimestampMs now_ms) {
  Run run{definition, Decision{state, {}, Disposition::kApplied}, now_ms};
  run.state().updated_ms = now_ms;
  for (size_t i = 0; InGroup(run.state()) && i < run.state().branches.size(); ++i) {
    Branch& branch = run.state().branches[i];
    if (branch.phase == StepPhase::kNone || branch.deadline_ms > now_ms) continue;
    if (branch.phase == StepPhase::kBackingOff) {
      ++branch.attempt;
      branch.deadline_ms =
          SendCommand(run, branch.step_index, ActionKind::kForward, branch.attempt);
      branch.phase = StepPhase::kAwaitingReply;
      continue;
    }
    const Action& action = ActionOf(definition, branch.step_index, ActionKind::kForward);
    RecordFor(run, branch.step_index, ActionKind::kForward, branch.attempt,
              StepEventType::kTimedOut, {},
              "no reply within " + std::to_string(action.timeout_ms) + " ms");
    BranchRetryOrGiveUp(run, i);
  }
  if (InGroup(run.state())) SyncGroupDeadline(run.state());
  return std::move(run.decision);
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

std::string CommandId(const SagaId& saga_id, int step_index, ActionKind kind, int attempt,
                      int retries) {
  assert(step_index >= 0 && attempt >= 1 && retries >= 0);
  std::string id = saga_id.value() + "-" + std::to_string(step_index) +
                   (kind == ActionKind::kForward ? "-do-" : "-undo-") + std::to_string(attempt);
  if (retries > 0) id += "-r" + std::to_string(retries);
  return id;
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
  state.start_message_id = start.message_id;
  state.start_message_type = std::move(start.message_type);
  Run run{definition, Decision{std::move(state), {}, Disposition::kApplied}, now_ms,
          std::move(start.message_id)};
  if (!EnterForwardStep(run, 0)) return std::move(run.decision);
  if (!start.first_reply) {
    SendStep(run);
    return std::move(run.decision);
  }
  if (GroupEnd(definition, run.state().step_index) > run.state().step_index) {
    return MakeError(Errc::kInvalidRequest, "a first reply cannot answer a parallel group");
  }
  // The starting event is the first command's answer: apply it as that reply, unsent.
  const ReplyRule* rule = FindReplyRule(CurrentAction(definition, run.state()), *start.first_reply);
  if (rule == nullptr) {
    return MakeError(Errc::kInvalidRequest,
                     "the first step does not take a " + *start.first_reply + " reply");
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
  if (InGroup(state)) return OnGroupReply(definition, state, reply, now_ms);
  // Only the reply to the command awaited right now counts; the command id names the saga,
  // step, direction and attempt, so every stale reply fails this one comparison.
  // --break stale-reply-check-off (simulator only, core/breaks.h) removes that comparison: a
  // reply to an earlier attempt or step counts as the answer to the current command.
  if (state.phase != StepPhase::kAwaitingReply ||
      (reply.envelope.causation_id != CurrentCommandId(state) &&
       !IsBroken(Break::kStaleReplyCheckOff))) {
    return Unchanged(state, Disposition::kIgnoredStale);
  }
  const ReplyRule* rule = FindReplyRule(CurrentAction(definition, state), reply.type());
  if (rule == nullptr) return Unchanged(state, Disposition::kIgnoredUnexpected);

  Run run{definition, Decision{state, {}, Disposition::kApplied}, now_ms,
          reply.envelope.message_id};
  run.state().updated_ms = now_ms;
  ApplyRule(run, *rule, reply.type());
  return std::move(run.decision);
}

Decision OnTimeout(const SagaDefinition& definition, const SagaState& state, TimestampMs now_ms) {
  assert(definition.type == state.type);
  if (state.terminal()) return Unchanged(state, Disposition::kIgnoredTerminal);
  if (now_ms < state.deadline_ms) return Unchanged(state, Disposition::kNotDue);
  if (InGroup(state)) return OnGroupTimeout(definition, state, now_ms);

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

namespace {

// An operator can retry a saga this many times; its command ids stay within 64 characters.
constexpr int kRetriesMax = 999;

Error Conflict(const SagaState& state, std::string_view why) {
  return MakeError(Errc::kConflict, "the " + state.type + " saga is " +
                                        std::string(SagaStatusName(state.status)) + ": " +
                                        std::string(why));
}

void RecordOperator(Run& run, StepEventType verb, int step_index, ActionKind kind,
                    const OperatorRequest& request) {
  StepEvent event{.time_ms = run.now_ms,
                  .step_index = step_index,
                  .kind = kind,
                  .attempt = 0,
                  .type = verb,
                  .actor = request.actor,
                  .reason = request.reason};
  run.state().history.push_back(std::move(event));
}

// What a GAVE_UP saga gave up on since the last retry: the highest compensation that failed or
// gave up, else the last forward step that did.
std::optional<std::pair<int, ActionKind>> WhatGaveUp(const SagaState& state) {
  std::optional<int> compensation;
  std::optional<int> forward;
  for (auto it = state.history.rbegin(); it != state.history.rend(); ++it) {
    if (it->type == StepEventType::kRetried) break;
    if (it->type != StepEventType::kFailed && it->type != StepEventType::kGaveUp) continue;
    if (it->kind == ActionKind::kCompensation) {
      compensation = std::max(compensation.value_or(it->step_index), it->step_index);
    } else if (!forward) {
      forward = it->step_index;
    }
  }
  if (compensation) return std::pair{*compensation, ActionKind::kCompensation};
  if (forward) return std::pair{*forward, ActionKind::kForward};
  return std::nullopt;
}

}  // namespace

Result<Decision> Retry(const SagaDefinition& definition, const SagaState& state,
                       const OperatorRequest& request, TimestampMs now_ms) {
  assert(definition.type == state.type);
  if (state.status != SagaStatus::kGaveUp) {
    if (LastOperatorVerb(state.history) == StepEventType::kRetried) {
      return Unchanged(state, Disposition::kAlreadyDone);
    }
    return Conflict(state, "only a saga that GAVE_UP can be retried");
  }
  const auto gave_up = WhatGaveUp(state);
  if (!gave_up) return Conflict(state, "its history names no step that gave up");
  if (state.retries >= kRetriesMax) return Conflict(state, "it was retried too many times");
  const auto [step, kind] = *gave_up;
  Run run{definition, Decision{state, {}, Disposition::kApplied}, now_ms};
  SagaState& next = run.state();
  next.updated_ms = now_ms;
  ++next.retries;
  next.branches.clear();
  next.attempt = 1;
  if (kind == ActionKind::kCompensation) {
    // Compensation goes on from the undo that was abandoned; the failure reason stays.
    next.status = SagaStatus::kCompensating;
    next.step_index = step;
    RecordOperator(run, StepEventType::kRetried, step, kind, request);
    SendCurrent(run);
  } else {
    // A saga that cannot be undone goes on forward from the step it failed on.
    next.status = SagaStatus::kRunning;
    next.failure_reason.clear();
    next.compensation_skip_step = -1;
    next.step_index = GroupStart(definition, step);
    RecordOperator(run, StepEventType::kRetried, next.step_index, kind, request);
    SendStep(run);
  }
  return std::move(run.decision);
}

Result<Decision> Abort(const SagaDefinition& definition, const SagaState& state,
                       const OperatorRequest& request, TimestampMs now_ms) {
  assert(definition.type == state.type);
  if (state.status != SagaStatus::kRunning) {
    if (LastOperatorVerb(state.history) == StepEventType::kAborted) {
      return Unchanged(state, Disposition::kAlreadyDone);
    }
    return Conflict(state, "only a RUNNING saga can be aborted");
  }
  if (!definition.reversible) {
    return Conflict(state, "its steps cannot be undone; retry it if it gives up");
  }
  std::vector<int> current;
  for (const Branch& branch : state.branches) current.push_back(branch.step_index);
  if (current.empty()) current.push_back(state.step_index);
  for (int index : current) {
    const Step& step = definition.steps[static_cast<size_t>(index)];
    if (!step.abortable) {
      return Conflict(
          state, "its step '" + step.name + "' is past the point of no return and must finish");
    }
  }
  Run run{definition, Decision{state, {}, Disposition::kApplied}, now_ms};
  SagaState& next = run.state();
  next.updated_ms = now_ms;
  RecordOperator(run, StepEventType::kAborted, state.step_index, ActionKind::kForward, request);
  // What is in flight may have applied: its undo comes first, as after a give-up.
  if (InGroup(next)) {
    next.step_index = next.branches.back().step_index;
    next.branches.clear();
    next.compensation_skip_step = -1;
  }
  BeginCompensation(run, next.step_index, std::string(kAbortedReason));
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
  if (InGroup(state)) {
    if (state.compensating() || GroupEnd(definition, state.step_index) - state.step_index + 1 !=
                                    static_cast<int>(state.branches.size())) {
      return bad("parallel branches");
    }
    for (size_t i = 0; i < state.branches.size(); ++i) {
      const Branch& branch = state.branches[i];
      const int attempts_max =
          definition.steps[static_cast<size_t>(branch.step_index)].forward->attempts_max;
      if (branch.step_index != state.step_index + static_cast<int>(i) || branch.attempt < 1 ||
          branch.attempt > attempts_max ||
          (branch.phase == StepPhase::kNone) != (branch.deadline_ms == 0)) {
        return bad("parallel branch");
      }
    }
  }
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
    case Disposition::kAlreadyDone:
      return "already-done";
  }
  return "unknown";
}

}  // namespace tinysaga::saga
