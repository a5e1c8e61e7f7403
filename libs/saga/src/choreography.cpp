#include "tinysaga/saga/choreography.h"

#include <algorithm>
#include <set>
#include <utility>

#include "tinysaga/saga/engine.h"

namespace tinysaga::saga {
namespace {

constexpr auto kFwd = ActionKind::kForward;
constexpr auto kUndo = ActionKind::kCompensation;
constexpr std::string_view kStatusPrefix = "status:";

// What a fact tells about one step, from the step's declared StepFacts (in StepFacts::All()'s
// order).
enum class Outcome { kDone, kFailed, kGaveUp, kUndone, kUndoFailed };

std::vector<std::pair<int, Outcome>> OutcomesOf(const SagaDefinition& definition,
                                                std::string_view key) {
  std::vector<std::pair<int, Outcome>> outcomes;
  for (size_t i = 0; i < definition.steps.size(); ++i) {
    const auto facts = definition.steps[i].facts.All();
    for (size_t outcome = 0; outcome < facts.size(); ++outcome) {
      if (*facts[outcome] == key) {
        outcomes.emplace_back(static_cast<int>(i), static_cast<Outcome>(outcome));
      }
    }
  }
  return outcomes;
}

// Replays the facts of one saga the way the engine would have recorded them: a step's outcome
// ends it, a group that is done starts the next one, a failure starts compensation with the
// nearest step below that can be undone, an undo that ended goes on below it.
class Replay {
 public:
  Replay(const SagaDefinition& definition, SagaState& state)
      : definition_(definition), state_(state) {}

  // Applies one fact; false when it tells nothing about this saga.
  bool Apply(const ChoreographyFact& fact) {
    const std::string key =
        fact.type == kStatusFact ? std::string(kStatusPrefix) + fact.detail : fact.type;
    fact_ = &fact;
    if (fact.type == kRetryFact) return Reopen(), true;
    if (fact.type == kAbortFact)
      return Operator(StepEventType::kAborted, InFlight().first, kFwd), true;
    if (fact.type == kGaveUpFact) return GiveUp(), true;
    const bool starts = key == definition_.start_fact;
    const auto outcomes = OutcomesOf(definition_, key);
    if (!starts && outcomes.empty()) return false;
    if (starts) Start();
    for (const auto& [step, outcome] : outcomes) Tell(step, outcome);
    return true;
  }

  // Where the saga stands after the last fact, as the engine's state would say it: the step in
  // flight, awaited (choreography keeps no attempts or deadlines of its own).
  void Settle() {
    if (state_.terminal()) {
      state_.step_index =
          state_.status == SagaStatus::kCompleted ? static_cast<int>(definition_.steps.size()) : -1;
      return;
    }
    state_.step_index = InFlight().first;
    state_.attempt = 1;
    state_.phase = StepPhase::kAwaitingReply;
  }

 private:
  void Start() {
    int first = 0;
    const int steps = static_cast<int>(definition_.steps.size());
    while (first < steps && !definition_.steps[static_cast<size_t>(first)].forward) {
      Record(first++, kFwd, StepEventType::kSucceeded);  // nothing to do going forward
    }
    SendGroupAt(first);
  }

  void Tell(int step, Outcome outcome) {
    const std::string& detail = fact_->detail;
    switch (outcome) {
      case Outcome::kDone:
        Record(step, kFwd, StepEventType::kSucceeded);
        if (GroupDone(step)) SendGroupAt(GroupEnd(definition_, step) + 1);
        return;
      case Outcome::kFailed:  // no effect: undo what came before it
        Record(step, kFwd, StepEventType::kFailed, detail);
        BeginCompensation(detail);
        CompensateFrom(GroupEnd(definition_, step), step);
        return;
      case Outcome::kGaveUp:  // effect unknown: undo it too
        Record(step, kFwd, StepEventType::kGaveUp, detail);
        BeginCompensation(detail);
        CompensateFrom(GroupEnd(definition_, step), -1);
        return;
      case Outcome::kUndone:
        Record(step, kUndo, StepEventType::kSucceeded);
        CompensateFrom(step - 1, -1);
        return;
      case Outcome::kUndoFailed:
        Record(step, kUndo, StepEventType::kFailed, detail);
        CompensateFrom(step - 1, -1);
        return;
    }
  }

  // The lowest step whose forward action (first) or undo is out and not ended: what a give-up
  // or an abort is about. {0, forward} when nothing is.
  std::pair<int, ActionKind> InFlight() const {
    const int steps = static_cast<int>(definition_.steps.size());
    for (int step = 0; step < steps; ++step) {
      if (ran_.contains(step) && !ended_.contains({step, kFwd})) return {step, kFwd};
    }
    for (int step = steps - 1; step >= 0; --step) {
      if (undo_sent_.contains(step) && !ended_.contains({step, kUndo})) return {step, kUndo};
    }
    return {0, kFwd};
  }

  void GiveUp() {
    const auto [step, kind] = InFlight();
    if (kind == kFwd) {
      Tell(step, Outcome::kGaveUp);
    } else {
      Record(step, kUndo, StepEventType::kGaveUp, fact_->detail);
      CompensateFrom(step - 1, -1);
    }
  }

  void Operator(StepEventType verb, int step, ActionKind kind) {
    state_.history.push_back(StepEvent{.time_ms = fact_->time_ms,
                                       .step_index = step,
                                       .kind = kind,
                                       .attempt = 0,
                                       .type = verb,
                                       .actor = fact_->actor,
                                       .reason = fact_->reason});
  }

  // An operator's retry: what gave up since the last retry is out again (engine.h Retry).
  void Reopen() {
    std::optional<std::pair<int, ActionKind>> gave_up;
    for (auto it = state_.history.rbegin(); it != state_.history.rend(); ++it) {
      if (it->type == StepEventType::kRetried) break;
      if (it->type != StepEventType::kFailed && it->type != StepEventType::kGaveUp) continue;
      if (it->kind == kUndo) {
        if (!gave_up || gave_up->second == kFwd || it->step_index > gave_up->first)
          gave_up = std::pair{it->step_index, kUndo};
      } else if (!gave_up) {
        gave_up = std::pair{it->step_index, kFwd};
      }
    }
    if (!gave_up) return Operator(StepEventType::kRetried, InFlight().first, kFwd);
    const auto [step, kind] = *gave_up;
    ++state_.retries;
    Operator(StepEventType::kRetried, step, kind);
    ended_.erase({step, kind});
    if (kind == kUndo) {
      state_.status = SagaStatus::kCompensating;
    } else {
      state_.status = SagaStatus::kRunning;
      state_.failure_reason.clear();
    }
    Record(step, kind, StepEventType::kSent);
  }

  void SendGroupAt(int first) {
    if (first >= static_cast<int>(definition_.steps.size())) {
      state_.status = SagaStatus::kCompleted;
      return;
    }
    for (int step = first; step <= GroupEnd(definition_, first); ++step) {
      Record(step, kFwd, StepEventType::kSent);
    }
  }

  bool GroupDone(int step) const {
    const int first = GroupStart(definition_, step);
    for (int i = first; i <= GroupEnd(definition_, first); ++i) {
      if (!succeeded_.contains(i)) return false;
    }
    return true;
  }

  void BeginCompensation(const std::string& reason) {
    if (state_.terminal()) return;
    state_.status = SagaStatus::kCompensating;
    if (state_.failure_reason.empty()) state_.failure_reason = reason;
  }

  // Sends the undo of the highest step from `from` down that ran, can be undone and is not
  // undone yet (`skip`: the step that failed with no effect); with none left, the saga failed
  // once no undo is still out. (An operator's abort FAILs the order at once, in the transaction
  // that asks for the stock and the payment back: the saga is over only when they are.)
  void CompensateFrom(int from, int skip) {
    for (int step = from; step >= 0; --step) {
      const Step& declared = definition_.steps[static_cast<size_t>(step)];
      if (step == skip || !declared.compensation || ended_.contains({step, kUndo})) continue;
      if (declared.forward && !ran_.contains(step)) continue;
      Record(step, kUndo, StepEventType::kSent);
      return;
    }
    if (!UndoOutstanding()) state_.status = SagaStatus::kFailed;
  }

  bool UndoOutstanding() const {
    return std::any_of(undo_sent_.begin(), undo_sent_.end(), [this](int step) {
      return !ended_.contains({step, kUndo});
    });
  }

  // A step event at the fact's time. A step (forward or undo) ends once: a fact heard again,
  // or the refund after Order already FAILED the order, does not start or end it again.
  void Record(int step, ActionKind kind, StepEventType type, const std::string& error = "") {
    if (ended_.contains({step, kind})) return;
    if (type != StepEventType::kSent) ended_.insert({step, kind});
    if (kind == kFwd) ran_.insert(step);
    if (kind == kUndo && type == StepEventType::kSent) undo_sent_.insert(step);
    if (kind == kFwd && type == StepEventType::kSucceeded) succeeded_.insert(step);
    // Only facts that are messages are replies; statuses and operators' facts are not.
    const bool message = !fact_->message_id.empty() || KnownMessage(fact_->type);
    state_.history.push_back(StepEvent{.time_ms = fact_->time_ms,
                                       .step_index = step,
                                       .kind = kind,
                                       .attempt = 1,
                                       .type = type,
                                       .reply_type = message ? fact_->type : "",
                                       .error = error,
                                       .message_id = fact_->message_id});
  }

  static bool KnownMessage(const std::string& type) {
    return contracts::SchemaVersionMax(type) != 0;
  }

  const SagaDefinition& definition_;
  SagaState& state_;
  const ChoreographyFact* fact_ = nullptr;
  std::set<std::pair<int, ActionKind>> ended_;  // succeeded, failed or undone
  std::set<int> ran_;                           // forward sent or ended
  std::set<int> undo_sent_;                     // undo sent
  std::set<int> succeeded_;
};

// A declared fact: "status:<NAME>" or a message type this build knows.
bool KnownFact(const std::string& fact) {
  if (fact.starts_with(kStatusPrefix)) return fact.size() > kStatusPrefix.size();
  return contracts::SchemaVersionMax(fact) != 0;
}

}  // namespace

Result<void> CheckChoreographyFacts(const SagaDefinition& definition) {
  const std::string saga = "the " + definition.type + " saga";
  if (!KnownFact(definition.start_fact)) {
    return MakeError(Errc::kInvalidRequest, saga + " has no known start fact");
  }
  for (const Step& step : definition.steps) {
    const StepFacts& facts = step.facts;
    const std::string where = saga + " step '" + step.name + "'";
    for (const std::string* fact : facts.All()) {
      if (!fact->empty() && !KnownFact(*fact)) {
        return MakeError(Errc::kInvalidRequest, where + " names the unknown fact '" + *fact + "'");
      }
    }
    if (step.forward && facts.done.empty()) {
      return MakeError(Errc::kInvalidRequest, where + ": no fact tells it is done");
    }
    if (step.compensation && facts.undone.empty()) {
      return MakeError(Errc::kInvalidRequest, where + ": no fact tells it is undone");
    }
  }
  return Ok();
}

SagaId ChoreographySagaId(std::string_view saga_type, const OrderId& order_id) {
  std::string id = std::string(saga_type) + "-" + order_id.value();
  id.resize(std::min(id.size(), kSagaIdLengthMax));
  return SagaId(std::move(id));
}

std::optional<SagaView> ChoreographyView(const SagaDefinition& definition, const OrderId& order_id,
                                         const std::vector<ChoreographyFact>& facts,
                                         const std::string& failure_reason) {
  std::optional<SagaState> state = ChoreographyState(definition, order_id, facts, failure_reason);
  if (!state) return std::nullopt;
  return BuildView(definition, *state, SagaMode::kChoreography);
}

std::optional<SagaState> ChoreographyState(const SagaDefinition& definition,
                                           const OrderId& order_id,
                                           const std::vector<ChoreographyFact>& facts,
                                           const std::string& failure_reason) {
  const std::string& saga_type = definition.type;
  SagaState state{.saga_id = ChoreographySagaId(saga_type, order_id),
                  .type = std::string(saga_type),
                  .order_id = order_id};
  Replay replay(definition, state);
  bool any = false;
  for (const ChoreographyFact& fact : facts) {
    if (fact.saga_type != saga_type) continue;
    if (!replay.Apply(fact)) continue;  // a fact that does not move this saga (e.g. INITIATED)
    if (!any) state.started_ms = fact.time_ms;
    any = true;
    state.updated_ms = fact.time_ms;
  }
  if (!any) return std::nullopt;
  // As the engine ends: an abandoned undo makes a failed saga one for an operator.
  if (state.status == SagaStatus::kFailed) state.status = FailedEnd(definition, state.history);
  replay.Settle();
  if (state.terminal() && state.status != SagaStatus::kCompleted && !failure_reason.empty())
    state.failure_reason = failure_reason;
  return state;
}

}  // namespace tinysaga::saga
