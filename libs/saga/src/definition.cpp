#include "tinysaga/saga/definition.h"

#include <algorithm>
#include <set>

namespace tinysaga::saga {
namespace {

// Attempts are few by design (a saga that cannot get through compensates); this bound keeps
// a typo such as 1000 from turning into hours of retries and an unbounded history.
constexpr int kAttemptsMaxBound = 100;
constexpr int64_t kDelayMsBound = 24LL * 60 * 60 * 1000;

uint64_t Fnv1a(std::string_view text) {
  uint64_t hash = 14'695'981'039'346'656'037ULL;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1'099'511'628'211ULL;
  }
  return hash;
}

Error Problem(const std::string& where, std::string_view what) {
  return MakeError(Errc::kInvalidRequest, where + ": " + std::string(what));
}

Result<void> CheckAction(const Action& action, const std::string& where, bool forward) {
  if (!action.build) return Problem(where, "has no command builder");
  if (contracts::SchemaVersionMax(action.command) == 0) {
    return Problem(where, "sends an unknown command '" + action.command + "'");
  }
  if (action.timeout_ms <= 0 || action.timeout_ms > kDelayMsBound) {
    return Problem(where, "timeout_ms out of range");
  }
  if (action.attempts_max < 1 || action.attempts_max > kAttemptsMaxBound) {
    return Problem(where, "attempts_max out of range");
  }
  const Backoff& backoff = action.backoff;
  if (backoff.initial.count() < 0 || !(backoff.multiplier >= 1) || backoff.max < backoff.initial ||
      backoff.max.count() > kDelayMsBound) {
    return Problem(where, "backoff out of range");
  }
  std::set<std::string> types;
  bool has_success = false;
  for (const ReplyRule& rule : action.replies) {
    if (contracts::SchemaVersionMax(rule.type) == 0) {
      return Problem(where, "unknown reply type " + rule.type);
    }
    if (!types.insert(rule.type).second) return Problem(where, "two rules for " + rule.type);
    has_success |= rule.outcome == ReplyOutcome::kSuccess;
    const bool failure = rule.outcome == ReplyOutcome::kFailure ||
                         rule.outcome == ReplyOutcome::kFailureEffectUnknown;
    if (forward && failure && rule.failure_reason.empty()) {
      return Problem(where, "failure rule for " + rule.type + " without a reason");
    }
  }
  if (!has_success) return Problem(where, "no reply means success");
  return Ok();
}

}  // namespace

int64_t BackoffDelayMs(const Backoff& backoff, int attempt, std::string_view command_id) {
  const uint64_t hash = Fnv1a(command_id);
  return backoff.Jittered(attempt, [hash](uint64_t n) { return hash % n; }).count();
}

int64_t ActionBudgetMs(const Action& action) {
  return action.backoff.WindowMax(std::chrono::milliseconds(action.timeout_ms), action.attempts_max)
      .count();
}

int64_t ForwardBudgetMs(const SagaDefinition& definition) {
  int64_t budget = 0;
  const int steps = static_cast<int>(definition.steps.size());
  for (int first = 0, last = 0; first < steps; first = last + 1) {
    last = GroupEnd(definition, first);
    int64_t group = 0;
    for (int step = first; step <= last; ++step) {
      const auto& forward = definition.steps[static_cast<size_t>(step)].forward;
      if (forward) group = std::max(group, ActionBudgetMs(*forward));
    }
    budget += group;
  }
  return budget;
}

const ReplyRule* FindReplyRule(const Action& action, std::string_view reply_type) {
  auto it = std::find_if(action.replies.begin(), action.replies.end(),
                         [&](const ReplyRule& rule) { return rule.type == reply_type; });
  return it == action.replies.end() ? nullptr : &*it;
}

int GroupEnd(const SagaDefinition& definition, int first) {
  int last = first;
  const int steps = static_cast<int>(definition.steps.size());
  while (last + 1 < steps && definition.steps[static_cast<size_t>(last + 1)].parallel_with_previous)
    ++last;
  return last;
}

int GroupStart(const SagaDefinition& definition, int step) {
  int first = step;
  while (first > 0 && definition.steps[static_cast<size_t>(first)].parallel_with_previous) --first;
  return first;
}

std::optional<int> ParallelGroupOf(const SagaDefinition& definition, int step) {
  const int first = GroupStart(definition, step);
  if (GroupEnd(definition, first) == first) return std::nullopt;
  return first;
}

Result<void> CheckDefinition(const SagaDefinition& definition) {
  const std::string saga = "saga '" + definition.type + "'";
  if (definition.type.empty()) return Problem(saga, "has no type");
  if (definition.steps.empty()) return Problem(saga, "has no steps");
  if (!definition.check_data) return Problem(saga, "has no check_data");
  std::set<std::string> names;
  for (const Step& step : definition.steps) {
    const std::string where = saga + " step '" + step.name + "'";
    if (step.name.empty() || !names.insert(step.name).second) {
      return Problem(where, "needs a unique name");
    }
    if (!step.forward && !step.compensation) return Problem(where, "has no action");
    if (step.label.empty()) return Problem(where, "has no label");
    if (step.undo_label.empty() == step.compensation.has_value()) {
      return Problem(where, "needs an undo label exactly when it has a compensation");
    }
    if (step.parallel_with_previous) {
      if (&step == &definition.steps.front()) return Problem(where, "has no step to run beside");
      if (!step.forward || !(&step - 1)->forward) {
        return Problem(where,
                       "is in a parallel group, so it and the step before need a forward action");
      }
    }
    if (step.forward) {
      if (step.reason_when_exhausted.empty()) {
        return Problem(where, "has no reason_when_exhausted");
      }
      TS_RETURN_IF_ERROR(CheckAction(*step.forward, where, /*forward=*/true));
    }
    if (step.compensation) {
      TS_RETURN_IF_ERROR(CheckAction(*step.compensation, where + " compensation", false));
    }
  }
  return Ok();
}

SagaStatus FailedEnd(const SagaDefinition& definition, const std::vector<StepEvent>& history) {
  return !definition.reversible || CompensationAbandoned(history) ? SagaStatus::kGaveUp
                                                                  : SagaStatus::kFailed;
}

const SagaDefinition* FindDefinition(const std::vector<SagaDefinition>& definitions,
                                     std::string_view type) {
  for (const SagaDefinition& definition : definitions) {
    if (definition.type == type) return &definition;
  }
  return nullptr;
}

}  // namespace tinysaga::saga
