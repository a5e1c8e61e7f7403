#include "orchestrator/domain/saga_catalog.h"

#include "tinysaga/core/strict_json.h"
#include "tinysaga/saga/engine.h"
#include "tinysaga/saga/state_json.h"

namespace tinysaga::orchestrator {

SagaCatalog::SagaCatalog(const sagas::SagaTimings& timings)
    : definitions_(sagas::AllSagas(timings)) {}

const saga::SagaDefinition* SagaCatalog::Find(std::string_view type) const {
  return saga::FindDefinition(definitions_, type);
}

Result<LoadedSaga> ReadStoredSaga(const SagaCatalog& catalog, const SagaId& saga_id,
                                  std::string_view state_json) {
  auto unreadable = [&](const std::string& problem) {
    return MakeError(Errc::kUnprocessable,
                     "saga " + saga_id.value() + " has an unreadable state: " + problem);
  };
  auto json = ParseStrictJson(state_json);
  if (!json.ok()) return unreadable(json.error().detail);
  auto state = saga::SagaStateFromJson(*json);
  if (!state.ok()) return unreadable(state.error().detail);
  if (state->saga_id != saga_id) return unreadable("the document names another saga");
  const saga::SagaDefinition* definition = catalog.Find(state->type);
  if (definition == nullptr) return unreadable("unknown saga type '" + state->type + "'");
  if (auto fits = saga::CheckStateFits(*definition, *state); !fits.ok()) {
    return unreadable(fits.error().detail);
  }
  return LoadedSaga{std::move(state).value(), definition};
}

std::string SagaOwner(const saga::SagaState& state) {
  if (!state.data.is_object()) return {};
  auto user = state.data.find("userId");
  if (user == state.data.end() || !user->is_string()) return {};
  return user->get<std::string>();
}

}  // namespace tinysaga::orchestrator
