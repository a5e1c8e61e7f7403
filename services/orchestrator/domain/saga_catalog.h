#pragma once
// The sagas this orchestrator runs, by type, and how a stored state is read back. Pure.
//
// Lifecycle: built once at start-up from the configured timings and only read afterwards;
// thread-safe to share. Timings apply to every decision made from then on, including those
// of sagas started before a restart with other timings (attempts already made are kept; a
// saga whose attempt count exceeds a lowered attempts_max no longer fits its definition and
// is reported as unreadable, see saga_repository.h).

#include <string>
#include <string_view>
#include <vector>

#include "tinysaga/core/ids.h"
#include "tinysaga/core/result.h"
#include "tinysaga/saga/definition.h"
#include "tinysaga/saga/state.h"
#include "tinysaga/sagas/order_sagas.h"

namespace tinysaga::orchestrator {

class SagaCatalog {
 public:
  explicit SagaCatalog(const sagas::SagaTimings& timings = {});

  // The definition of `type`; nullptr for a type this build does not know.
  const saga::SagaDefinition* Find(std::string_view type) const;
  const std::vector<saga::SagaDefinition>& definitions() const { return definitions_; }

 private:
  std::vector<saga::SagaDefinition> definitions_;
};

// A saga read back from the Saga DB with the definition it runs on.
struct LoadedSaga {
  saga::SagaState state;
  const saga::SagaDefinition* definition = nullptr;  // never null; owned by the catalog
};

// Parses a stored state document strictly, finds its definition and checks that the state fits
// it (so the engine's preconditions hold). kUnprocessable naming the saga and the problem for
// a corrupt document, an unknown type, a newer schema version or a state that does not fit.
Result<LoadedSaga> ReadStoredSaga(const SagaCatalog& catalog, const SagaId& saga_id,
                                  std::string_view state_json);

// The user a saga acts for (its data's userId), for the owner check of the HTTP API. Empty
// when the data has none (every saga of this catalog has one).
std::string SagaOwner(const saga::SagaState& state);

}  // namespace tinysaga::orchestrator
