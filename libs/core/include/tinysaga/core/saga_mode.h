#pragma once
// How sagas run (--saga-mode): the orchestrator drives each saga by commands and replies, or
// the services react to each other's events (libs/saga/include/tinysaga/saga/choreography.h).

#include <map>
#include <string>
#include <string_view>

namespace tinysaga {

enum class SagaMode { kOrchestration, kChoreography };

// "orchestration" or "choreography": the flag's values and the saga view's "mode".
constexpr std::string_view SagaModeName(SagaMode mode) {
  return mode == SagaMode::kChoreography ? "choreography" : "orchestration";
}

// Every mode by its name, for the command line's --saga-mode.
inline const std::map<std::string, SagaMode>& SagaModesByName() {
  static const std::map<std::string, SagaMode> modes{
      {std::string(SagaModeName(SagaMode::kOrchestration)), SagaMode::kOrchestration},
      {std::string(SagaModeName(SagaMode::kChoreography)), SagaMode::kChoreography}};
  return modes;
}

}  // namespace tinysaga
