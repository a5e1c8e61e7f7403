#pragma once
// Stock arithmetic. Every change of a product's available count is recorded as a movement
// with a signed delta, so that for every product
//   available_count == sum(stock_movements.delta)
// which is how tests and the simulator check that stock is conserved. Pure: no I/O.

#include <cstdint>
#include <optional>
#include <string_view>

#include "tinysaga/core/result.h"

namespace tinysaga::inventory {

// Bounds of the public API (API.md leaves them to us): an admin sets at most a billion units,
// an availability question or reservation asks for at most a million.
inline constexpr int64_t kAvailableCountMax = 1'000'000'000;
inline constexpr int64_t kQuantityMax = 1'000'000;

enum class MovementKind {
  kInitial,  // the product was created (delta 0: products start with no stock)
  kRestock,  // an admin raised the count
  kAdjust,   // an admin lowered the count
  kReserve,  // stock taken for an order (negative delta)
  kRelease,  // stock given back for an order (positive delta)
};

std::string_view MovementKindName(MovementKind kind);
std::optional<MovementKind> ParseMovementKind(std::string_view name);

struct StockChange {
  int64_t available_count = 0;  // after the change
  int64_t delta = 0;            // after - before
  MovementKind kind = MovementKind::kAdjust;
};

// An admin sets the count to `target` (0..kAvailableCountMax). A rise is a RESTOCK, a fall
// (or no change) an ADJUST.
Result<StockChange> SetAvailableCount(int64_t current, int64_t target);

// True when `quantity` units can be taken now.
bool IsAvailable(int64_t available_count, int64_t quantity);

// Takes `quantity` (1..kQuantityMax) units: kOutOfStock when fewer are available.
Result<StockChange> Reserve(int64_t current, int64_t quantity);

// Gives back `quantity` (1..kQuantityMax) units taken earlier. The result may exceed
// kAvailableCountMax (an admin may have restocked meanwhile); only int64 overflow is refused.
Result<StockChange> Release(int64_t current, int64_t quantity);

}  // namespace tinysaga::inventory
