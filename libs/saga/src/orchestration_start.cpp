#include "tinysaga/saga/orchestration_start.h"

#include <algorithm>

#include "tinysaga/contracts/topics.h"

namespace tinysaga::saga {
namespace {

// True when `fact` names a message (an event someone publishes), not a status.
bool IsEvent(const std::string& fact) { return !contracts::ChoreographyTopicOf(fact).empty(); }

// The step whose done or failed event starts `definition`: its first with a forward action,
// unless the saga has a start event of its own (then a fact of that step is just its answer).
const Step* StepStartedByItsFacts(const SagaDefinition& definition) {
  if (IsEvent(definition.start_fact)) return nullptr;
  for (const Step& step : definition.steps) {
    if (step.forward) return &step;
  }
  return nullptr;
}

std::string FirstReplyOf(const Action& action, ReplyOutcome outcome) {
  for (const ReplyRule& rule : action.replies) {
    if (rule.outcome == outcome) return rule.type;
  }
  return "";
}

// How `definition` starts from an event of `type`: nullopt when it does not; else the reply
// the event stands for, or nullopt inside when the event starts it with no step decided.
std::optional<std::optional<std::string>> FirstReplyFor(const SagaDefinition& definition,
                                                        const contracts::Message& event) {
  const std::string type(event.type());
  if (definition.start_fact == type) return std::optional<std::string>();
  const Step* step = StepStartedByItsFacts(definition);
  if (step == nullptr || (step->facts.done != type && step->facts.failed != type)) {
    return std::nullopt;
  }
  if (step->reply_of_fact) return std::optional<std::string>(step->reply_of_fact(event.payload));
  const bool done = step->facts.done == type;
  return std::optional<std::string>(
      FirstReplyOf(*step->forward, done ? ReplyOutcome::kSuccess : ReplyOutcome::kFailure));
}

}  // namespace

std::optional<OrchestrationStart> OrchestrationStartFor(
    const std::vector<SagaDefinition>& definitions, const contracts::Message& event,
    SagaId saga_id) {
  for (const SagaDefinition& definition : definitions) {
    std::optional<std::optional<std::string>> first_reply = FirstReplyFor(definition, event);
    if (!first_reply) continue;
    std::optional<nlohmann::json> data =
        definition.data_of ? definition.data_of(event.payload) : std::nullopt;
    if (!data) return std::nullopt;
    return OrchestrationStart{
        &definition, SagaStart{std::move(saga_id), event.envelope.order_id, std::move(*data),
                               event.envelope.traceparent, std::move(*first_reply),
                               event.envelope.message_id, std::string(event.type())}};
  }
  return std::nullopt;
}

std::vector<std::string> OrchestrationStartEvents(const std::vector<SagaDefinition>& definitions) {
  std::vector<std::string> events;
  auto add = [&](const std::string& fact) {
    if (IsEvent(fact) && std::find(events.begin(), events.end(), fact) == events.end()) {
      events.push_back(fact);
    }
  };
  for (const SagaDefinition& definition : definitions) {
    add(definition.start_fact);
    if (const Step* step = StepStartedByItsFacts(definition)) {
      add(step->facts.done);
      add(step->facts.failed);
    }
  }
  return events;
}

}  // namespace tinysaga::saga
