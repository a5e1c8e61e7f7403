#include "tinysaga/platform/operator_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

#include <string>

namespace tinysaga::platform {
namespace {

constexpr OperatorVerb kVerbs[] = {OperatorVerb::kRetry, OperatorVerb::kAbort};
constexpr OperatorOutcome kOutcomes[] = {OperatorOutcome::kApplied, OperatorOutcome::kUnchanged,
                                         OperatorOutcome::kRefused};

std::string VerbName(OperatorVerb verb) { return verb == OperatorVerb::kRetry ? "retry" : "abort"; }

std::string OutcomeName(OperatorOutcome outcome) {
  switch (outcome) {
    case OperatorOutcome::kApplied:
      return "applied";
    case OperatorOutcome::kUnchanged:
      return "unchanged";
    case OperatorOutcome::kRefused:
      return "refused";
  }
  return "refused";
}

}  // namespace

OperatorActions::OperatorActions(prometheus::Registry& registry)
    : family_(prometheus::BuildCounter()
                  .Name("tinysaga_saga_operator_actions_total")
                  .Help("Operators' retry and abort requests on sagas, by outcome")
                  .Register(registry)) {
  for (OperatorVerb verb : kVerbs) {
    for (OperatorOutcome outcome : kOutcomes) {
      family_.Add({{"verb", VerbName(verb)}, {"outcome", OutcomeName(outcome)}});
    }
  }
}

void OperatorActions::Count(OperatorVerb verb, OperatorOutcome outcome) {
  family_.Add({{"verb", VerbName(verb)}, {"outcome", OutcomeName(outcome)}}).Increment();
}

}  // namespace tinysaga::platform
