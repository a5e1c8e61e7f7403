#pragma once
// Who does what in choreography, derived from the saga declarations (choreography.h): with no
// engine to send commands, each participant runs a step's command when it hears the fact the
// engine would have sent it after. The rules are the engine's, applied to the declared facts
// (Step::facts) instead of to replies:
//   - the start fact sends the first group of steps that have a forward action;
//   - a step done, once its whole group is done, sends the next group;
//   - a step failed (no effect) undoes the nearest step below it that has a compensation;
//   - a step given up (effect unknown) undoes itself, or the nearest step below;
//   - an undo done, or refused for good, goes on with the nearest undo below it.
// Applied once for every path, the rules may undo a step that failed with no effect (the engine
// passes it): a participant's compensation is a no-op for a command that never applied
// (definition.h, kFailureEffectUnknown), so that is safe.
// Pure; the definitions must outlive what refers into them.

#include <optional>
#include <string>
#include <vector>

#include "tinysaga/contracts/messages.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/saga/definition.h"
#include "tinysaga/saga/state.h"

namespace tinysaga::saga {

// One step (forward or undo) that `trigger` calls for.
struct Reaction {
  std::string trigger;  // a fact: a message type, or "status:<NAME>"
  int step = 0;
  ActionKind kind = ActionKind::kForward;
  // A step after a parallel group waits for the whole group: the group's other done facts,
  // which must be known too. Empty for every other reaction.
  std::vector<std::string> after;
  bool operator==(const Reaction&) const = default;
};

// Every reaction of `definition`, in the order of its facts (start fact, then step by step).
std::vector<Reaction> ChoreographyReactions(const SagaDefinition& definition);

// How long choreography may wait, once `trigger` is heard, for the outcome of what it calls for
// in `definition`: the longest budget (ActionBudgetMs) among its reactions, which is as long as
// the engine would wait for those commands before giving up on them. The keeper of the facts
// (Order) acts on a saga silent for longer: an event was lost on the way. nullopt when
// `trigger` calls for nothing.
std::optional<int64_t> ChoreographyWaitMs(const SagaDefinition& definition,
                                          std::string_view trigger);

// A participant's share: the command it runs when it hears the message `trigger`. Status
// facts are not messages and are left out: Order acts on its own statuses, and Payment's
// charge is POST /api/payment itself.
struct ParticipantReaction {
  std::string trigger;  // a message type, e.g. "PaymentCompleted"
  // The saga of the command when the event names none, and the command as declared (both
  // point into the definitions).
  const SagaDefinition* saga = nullptr;
  const Action* action = nullptr;
};

// `participant`'s reactions across `definitions`, one per trigger and command. When several
// sagas call for the same command on the same trigger (Inventory releases the stock on
// OrderCancelRequested in the order saga and in the cancel saga), the saga the trigger starts
// is the one named; the event's own saga id, when it has one, decides anyway.
std::vector<ParticipantReaction> ParticipantReactions(
    const std::vector<SagaDefinition>& definitions, contracts::Participant participant);

// The topics `participant` subscribes to in choreography: where the triggers of its reactions
// travel (contracts::ChoreographyTopicOf), each once, in the order first needed.
std::vector<std::string> ChoreographyTopics(const std::vector<SagaDefinition>& definitions,
                                            contracts::Participant participant);

// Every fact of `definitions` that is a message another participant sends (statuses, and the
// messages `listener` sends itself, are left out), each once: what the keeper of the facts
// (Order) hears, to record them and follow them.
std::vector<std::string> FactsHeardBy(const std::vector<SagaDefinition>& definitions,
                                      contracts::Participant listener);

// Where `message_types` travel in choreography, each topic once, in the order first needed.
std::vector<std::string> TopicsOf(const std::vector<std::string>& message_types);

// The command `reaction` sends because of `event`, as the orchestrator would have sent it:
// the declared builder applied to the saga data the event carries (SagaDefinition::data_of),
// in the event's saga (else `reaction.saga`'s choreography saga), with the event's message id (so
// the answer's causation id is the event's), order id, time and traceparent. nullopt when the event
// carries no saga data.
std::optional<contracts::Message> ChoreographyCommand(const ParticipantReaction& reaction,
                                                      const contracts::Message& event);

}  // namespace tinysaga::saga
