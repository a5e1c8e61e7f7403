#pragma once
// The definitions as users read them: GET /api/sagas/definitions and `tinysaga sagas
// describe`. Derived from the definitions themselves, so what is shown is what runs. Pure.

#include <nlohmann/json.hpp>
#include <string_view>
#include <vector>

#include "tinysaga/core/saga_mode.h"
#include "tinysaga/saga/definition.h"

namespace tinysaga::saga {

// {"type", "description", "reversible", "steps": [{"name", "label", "participant", "command",
// "replies": [{"type", "outcome", "reason"?}], "compensation": {"label", "participant",
// "command", "replies"} or null, "parallelGroup", "abortable"}]}. "participant", "command" and
// "replies" are null for a step with only a compensation; "parallelGroup" is the index of the
// group's first step, null for a step that runs alone; "abortable" is false from the point of no
// return (an operator's abort is refused while the saga is at that step). By `mode`: in
// orchestration each action also has "timeoutMs", "attemptsMax" and "backoff": {"initialMs",
// "multiplier", "maxMs"}, which the engine applies; in choreography the definition has "startFact"
// and each step "facts":
// {"done", "failed", "gaveUp", "undone", "undoFailed"} (those it declares), the facts its view
// is derived from.
nlohmann::json DefinitionJson(const SagaDefinition& definition, SagaMode mode);

// {"mode", "definitions": [DefinitionJson, ...]}: the body of GET /api/sagas/definitions.
nlohmann::json DefinitionsJson(const std::vector<SagaDefinition>& definitions, SagaMode mode);

}  // namespace tinysaga::saga
