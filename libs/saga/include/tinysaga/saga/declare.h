#pragma once
// What a saga's declaration is written with (sagas/order uses it; docs/adding-a-step.md):
//
//   Step{.name = "reserve_stock", .label = "Reserve stock", .undo_label = "Release the stock",
//        .forward = MakeAction(Participant::kInventory, &BuildReserveStock,
//                              {Success("StockReserved"), Failure("OutOfStock", "out of stock")},
//                              timings),
//        ...}
//
// The command's wire name is the builder's return type's (TypeNameOf), so it is written once.

#include <chrono>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "tinysaga/contracts/messages.h"
#include "tinysaga/saga/definition.h"

namespace tinysaga::saga {

// Timeouts, attempts and backoff of one kind of action. Config is data: the orchestrator
// reads these from its configuration; the defaults suit a local run.
struct ActionTimings {
  int64_t timeout_ms = 10'000;  // a reply normally takes milliseconds; Payment's own wallet
                                // retries can take a few seconds
  int attempts_max = 3;
  Backoff backoff{std::chrono::milliseconds(200), 2, std::chrono::milliseconds(5'000)};
};

inline ReplyRule Success(std::string_view type) {
  return ReplyRule{std::string(type), ReplyOutcome::kSuccess, {}};
}
inline ReplyRule Retry(std::string_view type) {
  return ReplyRule{std::string(type), ReplyOutcome::kRetry, {}};
}
// A failure with no effect: the steps before this one are undone, with `reason`.
inline ReplyRule Failure(std::string_view type, std::string_view reason) {
  return ReplyRule{std::string(type), ReplyOutcome::kFailure, std::string(reason)};
}
// A failure whose effect is unknown: this step is undone too.
inline ReplyRule FailureEffectUnknown(std::string_view type, std::string_view reason) {
  return ReplyRule{std::string(type), ReplyOutcome::kFailureEffectUnknown, std::string(reason)};
}

// An action that sends what `build` (const SagaState& -> a command type) returns to
// `participant`, and reads its replies by `replies`.
template <typename Build>
Action MakeAction(contracts::Participant participant, Build build, std::vector<ReplyRule> replies,
                  const ActionTimings& timings) {
  using Command = std::invoke_result_t<Build, const SagaState&>;
  return Action{
      .participant = participant,
      .command = std::string(contracts::TypeNameOf<Command>()),
      .build = [build](const SagaState& state) -> contracts::Payload { return build(state); },
      .replies = std::move(replies),
      .timeout_ms = timings.timeout_ms,
      .attempts_max = timings.attempts_max,
      .backoff = timings.backoff};
}

}  // namespace tinysaga::saga
