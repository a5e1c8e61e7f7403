#include "tinysaga/platform/operator_metrics.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <map>
#include <string>

namespace tinysaga::platform {
namespace {

// "verb/outcome" -> value of every series of the family.
std::map<std::string, double> Series(prometheus::Registry& registry) {
  std::map<std::string, double> series;
  for (const auto& family : registry.Collect()) {
    if (family.name != "tinysaga_saga_operator_actions_total") continue;
    for (const auto& metric : family.metric) {
      std::string verb, outcome;
      for (const auto& label : metric.label) {
        if (label.name == "verb") verb = label.value;
        if (label.name == "outcome") outcome = label.value;
      }
      series[verb + "/" + outcome] = metric.counter.value;
    }
  }
  return series;
}

TEST(OperatorActions, EverySeriesExistsAtZeroAndCountsItsOwnActions) {
  prometheus::Registry registry;
  OperatorActions actions(registry);
  EXPECT_EQ(Series(registry), (std::map<std::string, double>{{"abort/applied", 0},
                                                             {"abort/refused", 0},
                                                             {"abort/unchanged", 0},
                                                             {"retry/applied", 0},
                                                             {"retry/refused", 0},
                                                             {"retry/unchanged", 0}}));
  actions.Count(OperatorVerb::kAbort, OperatorOutcome::kApplied);
  actions.Count(OperatorVerb::kAbort, OperatorOutcome::kUnchanged);
  actions.Count(OperatorVerb::kAbort, OperatorOutcome::kUnchanged);
  actions.Count(OperatorVerb::kRetry, OperatorOutcome::kRefused);
  const auto series = Series(registry);
  EXPECT_EQ(series.at("abort/applied"), 1);
  EXPECT_EQ(series.at("abort/unchanged"), 2);
  EXPECT_EQ(series.at("retry/refused"), 1);
  EXPECT_EQ(series.at("retry/applied"), 0);
}

}  // namespace
}  // namespace tinysaga::platform
