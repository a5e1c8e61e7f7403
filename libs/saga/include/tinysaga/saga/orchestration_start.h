#pragma once
// How the orchestrator starts sagas, derived from their declarations as choreography's
// reactions are (choreography_reactions.h), so that what starts a saga is written once:
// - the event a definition's start_fact names starts it (the cancel saga from Order's
//   OrderCancelRequested);
// - when its start fact is a status ("status:PAYMENT_PENDING": another service's database,
//   which the orchestrator does not hear), the done or failed event of its first forward step
//   starts it with that step decided: the event is the step's answer, so its command is never
//   sent (the order saga from Payment's PaymentCompleted or PaymentFailed, with no
//   ChargeWallet round trip). Which of the step's replies the event stands for:
//   Step::reply_of_fact.

#include <optional>
#include <string>
#include <vector>

#include "tinysaga/contracts/messages.h"
#include "tinysaga/saga/definition.h"
#include "tinysaga/saga/engine.h"

namespace tinysaga::saga {

struct OrchestrationStart {
  const SagaDefinition* definition = nullptr;  // one of the definitions passed in
  SagaStart start;
};

// The saga `event` starts, with `saga_id`; the event's order id, saga data
// (SagaDefinition::data_of), traceparent, message id and type carry over. nullopt for an event
// that starts none (or carries no saga data). The first definition that takes it wins.
std::optional<OrchestrationStart> OrchestrationStartFor(
    const std::vector<SagaDefinition>& definitions, const contracts::Message& event,
    SagaId saga_id);

// The events that start a saga of `definitions`, each once, in the order of the definitions.
std::vector<std::string> OrchestrationStartEvents(const std::vector<SagaDefinition>& definitions);

}  // namespace tinysaga::saga
