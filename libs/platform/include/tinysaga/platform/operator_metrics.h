#pragma once
// What operators did to sagas (issue 15's verbs), for dashboards and alerts:
//
//   tinysaga_saga_operator_actions_total{verb, outcome}
//     verb:    "retry" or "abort"
//     outcome: "applied" (the saga changed), "unchanged" (answered, nothing to do, e.g. an
//              abort repeated) or "refused" (not found, or not allowed in the saga's state)
//
// Served by whichever service runs the verbs: the orchestrator in orchestration, Order in
// choreography. Every series exists from the start at 0, so that a rate sees the first action.
// A request refused before it names a saga (authentication, a malformed body) is not counted.
// Thread-safe.

#include <string_view>

namespace prometheus {
class Registry;
template <typename T>
class Family;
class Counter;
}  // namespace prometheus

namespace tinysaga::platform {

enum class OperatorVerb { kRetry, kAbort };
enum class OperatorOutcome { kApplied, kUnchanged, kRefused };

class OperatorActions {
 public:
  explicit OperatorActions(prometheus::Registry& registry);

  void Count(OperatorVerb verb, OperatorOutcome outcome);

 private:
  prometheus::Family<prometheus::Counter>& family_;
};

}  // namespace tinysaga::platform
