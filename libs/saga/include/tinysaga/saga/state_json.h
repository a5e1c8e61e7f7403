#pragma once
// The saga state as JSON, the form the Saga DB stores (one row per saga: indexed columns for
// saga id, order id, type, status and deadline, plus this document). Reading is strict and
// never throws: a corrupt document is an Error (then CheckStateFits checks it against its
// definition).

#include <nlohmann/json.hpp>

#include "tinysaga/core/result.h"
#include "tinysaga/saga/state.h"

namespace tinysaga::saga {

// Schema version of the stored document; a newer one is refused, so that an old binary
// never half-reads a saga written by a newer one.
inline constexpr int kStateSchemaVersion = 1;

nlohmann::json SagaStateToJson(const SagaState& state);
Result<SagaState> SagaStateFromJson(const nlohmann::json& json);

}  // namespace tinysaga::saga
