#include "inventory/domain/stock.h"

#include <array>
#include <string>
#include <utility>

namespace tinysaga::inventory {
namespace {

constexpr std::array<std::pair<MovementKind, std::string_view>, 5> kMovementKindNames = {{
    {MovementKind::kInitial, "INITIAL"},
    {MovementKind::kRestock, "RESTOCK"},
    {MovementKind::kAdjust, "ADJUST"},
    {MovementKind::kReserve, "RESERVE"},
    {MovementKind::kRelease, "RELEASE"},
}};

Result<void> CheckQuantity(int64_t quantity) {
  if (quantity < 1 || quantity > kQuantityMax) {
    return MakeError(Errc::kInvalidRequest,
                     "quantity must be an integer from 1 to " + std::to_string(kQuantityMax));
  }
  return Ok();
}

}  // namespace

std::string_view MovementKindName(MovementKind kind) {
  for (const auto& [candidate, name] : kMovementKindNames) {
    if (candidate == kind) return name;
  }
  return "UNKNOWN";
}

std::optional<MovementKind> ParseMovementKind(std::string_view name) {
  for (const auto& [kind, candidate] : kMovementKindNames) {
    if (candidate == name) return kind;
  }
  return std::nullopt;
}

Result<StockChange> SetAvailableCount(int64_t current, int64_t target) {
  if (target < 0 || target > kAvailableCountMax) {
    return MakeError(Errc::kInvalidRequest, "field 'availableCount' must be an integer from 0 to " +
                                                std::to_string(kAvailableCountMax));
  }
  // Both sides are non-negative and far below INT64_MAX, so the difference cannot overflow.
  const int64_t delta = target - current;
  return StockChange{
      .available_count = target,
      .delta = delta,
      .kind = delta > 0 ? MovementKind::kRestock : MovementKind::kAdjust,
  };
}

bool IsAvailable(int64_t available_count, int64_t quantity) {
  return quantity >= 1 && available_count >= quantity;
}

Result<StockChange> Reserve(int64_t current, int64_t quantity) {
  TS_RETURN_IF_ERROR(CheckQuantity(quantity));
  if (!IsAvailable(current, quantity)) {
    return MakeError(Errc::kOutOfStock, "only " + std::to_string(current) + " available, " +
                                            std::to_string(quantity) + " requested");
  }
  return StockChange{
      .available_count = current - quantity,
      .delta = -quantity,
      .kind = MovementKind::kReserve,
  };
}

Result<StockChange> Release(int64_t current, int64_t quantity) {
  TS_RETURN_IF_ERROR(CheckQuantity(quantity));
  int64_t after = 0;
  if (__builtin_add_overflow(current, quantity, &after)) {
    return MakeError(Errc::kUnprocessable, "available count would overflow");
  }
  return StockChange{
      .available_count = after,
      .delta = quantity,
      .kind = MovementKind::kRelease,
  };
}

}  // namespace tinysaga::inventory
