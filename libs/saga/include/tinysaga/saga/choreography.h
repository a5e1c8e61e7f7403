#pragma once
// A saga run as choreography (--saga-mode choreography): no orchestrator, each participant
// reacts to the others' events, keyed by order id, with the same outbox, inbox and dead
// letters as the commands of orchestration (who reacts to what is derived from the
// definition: choreography_reactions.h; the order sagas' share is written out in
// sagas/order/include/tinysaga/sagas/order_sagas.h).
//
// There is no saga record, so every service names the saga the same way, from the order
// (ChoreographySagaId), and the Order service, which hears every event, keeps them as the
// saga's facts; ChoreographyView turns those facts into the same view the orchestrator shows,
// derived from the definition: each step declares the facts that tell its outcome (Step::facts)
// and the view replays them as the engine would have recorded them. Pure.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tinysaga/core/clock.h"
#include "tinysaga/core/ids.h"
#include "tinysaga/core/result.h"
#include "tinysaga/core/saga_mode.h"
#include "tinysaga/saga/definition.h"
#include "tinysaga/saga/view.h"

namespace tinysaga::saga {

// "<saga type>-<order id>": what every service calls the order's saga of that type.
SagaId ChoreographySagaId(std::string_view saga_type, const OrderId& order_id);

// One thing that happened in a choreographed saga, as the Order service saw it: an event it
// consumed or published (`type` is the message type, e.g. "OutOfStock"), or a status change of
// the order (`type` is "status", `detail` the status name, e.g. "PLACED").
struct ChoreographyFact {
  std::string saga_type;  // the definition's type
  std::string type;
  TimestampMs time_ms = 0;
  std::string detail;  // why, for failures (e.g. "out of stock (0 available)")
  std::string message_id;  // the event's, for a fact that is a message; else empty
  std::string actor;       // an operator's fact: who
  std::string reason;      // an operator's fact: why
  bool operator==(const ChoreographyFact&) const = default;
};

inline constexpr std::string_view kStatusFact = "status";
// Facts that are neither messages nor statuses (issue 15): an operator's verbs, and the Order
// service giving up on what is in flight (its deadlines). The view replays them as the engine
// decides Retry, Abort and a step out of attempts: a retry reopens what gave up (sent again),
// an abort is a line in the history (the give-up it causes comes as its own fact), a give-up
// ends the step in flight (forward: the saga compensates; an undo: compensation goes on).
inline constexpr std::string_view kRetryFact = "operator:retry";
inline constexpr std::string_view kAbortFact = "operator:abort";
inline constexpr std::string_view kGaveUpFact = "deadline:gave-up";

// Whether `definition` declares the facts its choreography view is derived from
// (SagaDefinition::start_fact, Step::facts): kInvalidRequest naming the first fact that is
// neither a known message type nor "status:<NAME>", or a step (or undo) no fact ever ends.
// Checked by the tests of every definition, since a misspelled fact would otherwise only be
// missing from the view.
Result<void> CheckChoreographyFacts(const SagaDefinition& definition);

// The view of the order's saga of `definition` from its facts (oldest first), in the shape of
// the orchestrator's: the same step names and statuses, mode "choreography". nullopt when no
// fact belongs to that saga. `failure_reason` is the order's statusInfo once it FAILED.
std::optional<SagaView> ChoreographyView(const SagaDefinition& definition, const OrderId& order_id,
                                         const std::vector<ChoreographyFact>& facts,
                                         const std::string& failure_reason);

// The state behind ChoreographyView: the history the facts replay to (for the saga's history
// and the operator's verbs), its status and step. nullopt when no fact belongs to that saga.
std::optional<SagaState> ChoreographyState(const SagaDefinition& definition,
                                           const OrderId& order_id,
                                           const std::vector<ChoreographyFact>& facts,
                                           const std::string& failure_reason);

}  // namespace tinysaga::saga
