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

// Whether `event` starts `definition`, and the reply it stands for (empty: it decides no step).
struct StartMatch {
  bool starts = false;
  std::string first_reply;
};
StartMatch MatchStart(const SagaDefinition& definition, const contracts::Message& event) {
  const std::string type(event.type());
  if (definition.start_fact == type) return {true, ""};
  const Step* step = StepStartedByItsFacts(definition);
  if (step == nullptr || (step->facts.done != type && step->facts.failed != type)) return {};
  if (step->reply_of_fact) return {true, step->reply_of_fact(event.payload)};
  const bool done = step->facts.done == type;
  return {true,
          FirstReplyOf(*step->forward, done ? ReplyOutcome::kSuccess : ReplyOutcome::kFailure)};
}

}  // namespace

std::optional<OrchestrationStart> OrchestrationStartFor(
    const std::vector<SagaDefinition>& definitions, const contracts::Message& event,
    SagaId saga_id) {
  for (const SagaDefinition& definition : definitions) {
    StartMatch match = MatchStart(definition, event);
    if (!match.starts) continue;
    std::optional<nlohmann::json> data =
        definition.data_of ? definition.data_of(event.payload) : std::nullopt;
    if (!data) return std::nullopt;
    OrchestrationStart started{&definition, SagaStart{}};
    started.start.saga_id = std::move(saga_id);
    started.start.order_id = event.envelope.order_id;
    started.start.data = std::move(*data);
    started.start.traceparent = event.envelope.traceparent;
    if (!match.first_reply.empty()) started.start.first_reply = std::move(match.first_reply);
    started.start.message_id = event.envelope.message_id;
    started.start.message_type = std::string(event.type());
    return started;
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
