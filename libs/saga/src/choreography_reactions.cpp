#include "tinysaga/saga/choreography_reactions.h"

#include <algorithm>

#include "tinysaga/saga/choreography.h"

namespace tinysaga::saga {
namespace {

constexpr std::string_view kStatusPrefix = "status:";

class Deriver {
 public:
  explicit Deriver(const SagaDefinition& definition) : definition_(definition) {}

  std::vector<Reaction> Derive() && {
    const int steps = Steps();
    int first = 0;
    while (first < steps && !At(first).forward) ++first;  // passed at once going forward
    SendGroup(definition_.start_fact, first);
    for (int step = 0; step < steps; ++step) {
      const StepFacts& facts = At(step).facts;
      const int group_end = GroupEnd(definition_, step);
      if (!facts.done.empty()) SendGroup(facts.done, group_end + 1, OtherDoneFacts(step));
      Undo(facts.failed, group_end, step);
      Undo(facts.gave_up, group_end, -1);
      Undo(facts.undone, step - 1, -1);
      Undo(facts.undo_failed, step - 1, -1);
    }
    return std::move(reactions_);
  }

 private:
  int Steps() const { return static_cast<int>(definition_.steps.size()); }
  const Step& At(int step) const { return definition_.steps[static_cast<size_t>(step)]; }

  // The group starting at `first` goes forward on `trigger`.
  void SendGroup(const std::string& trigger, int first, std::vector<std::string> after = {}) {
    if (trigger.empty() || first >= Steps()) return;
    for (int step = first; step <= GroupEnd(definition_, first); ++step) {
      reactions_.push_back({trigger, step, ActionKind::kForward, after});
    }
  }

  // The done facts of `step`'s group but its own: the group is done when all are known.
  std::vector<std::string> OtherDoneFacts(int step) const {
    std::vector<std::string> others;
    const int first = GroupStart(definition_, step);
    for (int i = first; i <= GroupEnd(definition_, first); ++i) {
      if (i != step) others.push_back(At(i).facts.done);
    }
    return others;
  }

  // `trigger` undoes the highest step from `from` down that has a compensation (`skip`: the
  // step that failed with no effect). Every step below a failing one ran, so none is passed
  // for not having run. No such step: the saga ends there.
  void Undo(const std::string& trigger, int from, int skip) {
    if (trigger.empty()) return;
    for (int step = from; step >= 0; --step) {
      if (step == skip || !At(step).compensation) continue;
      reactions_.push_back({trigger, step, ActionKind::kCompensation, {}});
      return;
    }
  }

  const SagaDefinition& definition_;
  std::vector<Reaction> reactions_;
};

const Action& ActionOf(const SagaDefinition& definition, const Reaction& reaction) {
  const Step& step = definition.steps[static_cast<size_t>(reaction.step)];
  return reaction.kind == ActionKind::kForward ? *step.forward : *step.compensation;
}

}  // namespace

std::vector<Reaction> ChoreographyReactions(const SagaDefinition& definition) {
  return Deriver(definition).Derive();
}

std::optional<int64_t> ChoreographyWaitMs(const SagaDefinition& definition,
                                          std::string_view trigger) {
  std::optional<int64_t> wait;
  for (const Reaction& reaction : ChoreographyReactions(definition)) {
    if (reaction.trigger != trigger) continue;
    wait = std::max(wait.value_or(0), ActionBudgetMs(ActionOf(definition, reaction)));
  }
  return wait;
}

std::vector<ParticipantReaction> ParticipantReactions(
    const std::vector<SagaDefinition>& definitions, contracts::Participant participant) {
  std::vector<ParticipantReaction> mine;
  for (const SagaDefinition& definition : definitions) {
    for (const Reaction& reaction : ChoreographyReactions(definition)) {
      const Action& action = ActionOf(definition, reaction);
      if (action.participant != participant || reaction.trigger.starts_with(kStatusPrefix)) {
        continue;
      }
      auto same = std::find_if(mine.begin(), mine.end(), [&](const ParticipantReaction& seen) {
        return seen.trigger == reaction.trigger && seen.action->command == action.command;
      });
      if (same == mine.end()) {
        mine.push_back({reaction.trigger, &definition, &action});
      } else if (definition.start_fact == reaction.trigger) {
        *same = {reaction.trigger, &definition, &action};  // the saga it starts
      }
    }
  }
  return mine;
}

std::vector<std::string> TopicsOf(const std::vector<std::string>& message_types) {
  std::vector<std::string> topics;
  for (const std::string& type : message_types) {
    const std::string topic(contracts::ChoreographyTopicOf(type));
    if (std::find(topics.begin(), topics.end(), topic) == topics.end()) topics.push_back(topic);
  }
  return topics;
}

std::vector<std::string> ChoreographyTopics(const std::vector<SagaDefinition>& definitions,
                                            contracts::Participant participant) {
  std::vector<std::string> triggers;
  for (const ParticipantReaction& reaction : ParticipantReactions(definitions, participant)) {
    triggers.push_back(reaction.trigger);
  }
  return TopicsOf(triggers);
}

std::vector<std::string> FactsHeardBy(const std::vector<SagaDefinition>& definitions,
                                      contracts::Participant listener) {
  std::vector<std::string> heard;
  auto hear = [&](const std::string& fact) {
    const std::string_view topic = contracts::ChoreographyTopicOf(fact);  // empty: no message
    if (topic.empty() || topic == contracts::EventsTopic(listener)) return;
    if (std::find(heard.begin(), heard.end(), fact) == heard.end()) heard.push_back(fact);
  };
  for (const SagaDefinition& definition : definitions) {
    hear(definition.start_fact);
    for (const Step& step : definition.steps) {
      for (const std::string* fact : step.facts.All()) hear(*fact);
    }
  }
  return heard;
}

std::optional<contracts::Message> ChoreographyCommand(const ParticipantReaction& reaction,
                                                      const contracts::Message& event) {
  const SagaDefinition& saga = *reaction.saga;
  std::optional<nlohmann::json> data = saga.data_of ? saga.data_of(event.payload) : std::nullopt;
  if (!data) return std::nullopt;
  const contracts::Envelope& cause = event.envelope;
  SagaId saga_id =
      cause.saga_id.empty() ? ChoreographySagaId(saga.type, cause.order_id) : cause.saga_id;
  const SagaState state{.saga_id = saga_id,
                        .type = saga.type,
                        .order_id = cause.order_id,
                        .data = std::move(*data),
                        .traceparent = cause.traceparent};
  return contracts::Message{contracts::Envelope{.message_id = cause.message_id,
                                                .saga_id = std::move(saga_id),
                                                .order_id = cause.order_id,
                                                .time_ms = cause.time_ms,
                                                .traceparent = cause.traceparent,
                                                .causation_id = ""},
                            reaction.action->build(state)};
}

}  // namespace tinysaga::saga
