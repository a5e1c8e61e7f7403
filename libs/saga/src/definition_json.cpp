#include "tinysaga/saga/definition_json.h"

#include <utility>

#include "tinysaga/saga/choreography.h"

namespace tinysaga::saga {
namespace {

std::string_view OutcomeName(ReplyOutcome outcome) {
  switch (outcome) {
    case ReplyOutcome::kSuccess:
      return "SUCCESS";
    case ReplyOutcome::kRetry:
      return "RETRY";
    case ReplyOutcome::kFailure:
      return "FAILURE";
    case ReplyOutcome::kFailureEffectUnknown:
      return "FAILURE_EFFECT_UNKNOWN";
  }
  return "UNKNOWN";
}

nlohmann::json RepliesJson(const Action& action) {
  nlohmann::json replies = nlohmann::json::array();
  for (const ReplyRule& rule : action.replies) {
    nlohmann::json reply = {{"type", rule.type}, {"outcome", OutcomeName(rule.outcome)}};
    if (!rule.failure_reason.empty()) reply["reason"] = rule.failure_reason;
    replies.push_back(std::move(reply));
  }
  return replies;
}

// The action's fields, into `out` (a step's own object for the forward action).
void AddAction(nlohmann::json& out, const Action& action, bool timings) {
  out["participant"] = contracts::ParticipantName(action.participant);
  out["command"] = action.command;
  out["replies"] = RepliesJson(action);
  if (!timings) return;
  out["timeoutMs"] = action.timeout_ms;
  out["attemptsMax"] = action.attempts_max;
  out["backoff"] = {{"initialMs", action.backoff.initial.count()},
                    {"multiplier", action.backoff.multiplier},
                    {"maxMs", action.backoff.max.count()}};
}

nlohmann::json FactsJson(const StepFacts& facts) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, fact] : {std::pair{"done", &facts.done},
                                   {"failed", &facts.failed},
                                   {"gaveUp", &facts.gave_up},
                                   {"undone", &facts.undone},
                                   {"undoFailed", &facts.undo_failed}}) {
    if (!fact->empty()) out[name] = *fact;
  }
  return out;
}

}  // namespace

nlohmann::json DefinitionJson(const SagaDefinition& definition, SagaMode mode) {
  const bool timings = mode == SagaMode::kOrchestration;
  nlohmann::json steps = nlohmann::json::array();
  for (size_t i = 0; i < definition.steps.size(); ++i) {
    const Step& step = definition.steps[i];
    nlohmann::json out = {{"name", step.name}, {"label", step.label}};
    if (step.forward) {
      AddAction(out, *step.forward, timings);
    } else {
      out["participant"] = out["command"] = out["replies"] = nullptr;
    }
    out["compensation"] = nullptr;
    if (step.compensation) {
      out["compensation"] = {{"label", step.undo_label}};
      AddAction(out["compensation"], *step.compensation, timings);
    }
    const std::optional<int> group = ParallelGroupOf(definition, static_cast<int>(i));
    out["parallelGroup"] = group ? nlohmann::json(*group) : nlohmann::json(nullptr);
    out["abortable"] = step.abortable;
    if (!timings) out["facts"] = FactsJson(step.facts);
    steps.push_back(std::move(out));
  }
  nlohmann::json out = {{"type", definition.type},
                        {"description", definition.description},
                        {"reversible", definition.reversible},
                        {"steps", std::move(steps)}};
  if (!timings) out["startFact"] = definition.start_fact;
  return out;
}

nlohmann::json DefinitionsJson(const std::vector<SagaDefinition>& definitions, SagaMode mode) {
  nlohmann::json out = nlohmann::json::array();
  for (const SagaDefinition& definition : definitions) {
    out.push_back(DefinitionJson(definition, mode));
  }
  return {{"mode", SagaModeName(mode)}, {"definitions", std::move(out)}};
}

}  // namespace tinysaga::saga
