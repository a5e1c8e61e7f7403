#pragma once
// Paging of order lists: the limit and the opaque cursor. Pure.
//
// A cursor is "<createdAtMs>_<orderId>" of the last order of the previous page; the next page
// holds the orders strictly older in (created_at_ms, order_id) order, newest first. Clients
// treat it as opaque; it is validated strictly all the same (malformed -> 400).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tinysaga/core/clock.h"
#include "tinysaga/core/ids.h"
#include "tinysaga/core/result.h"

namespace tinysaga::order {

inline constexpr int kListLimitDefault = 50;
inline constexpr int kListLimitMax = 200;

struct OrderCursor {
  TimestampMs created_at_ms = 0;
  OrderId order_id;
};

std::string FormatCursor(const OrderCursor& cursor);
Result<OrderCursor> ParseCursor(std::string_view text);

// The `limit` query parameter: absent -> default; digits only, 1..kListLimitMax, else 400.
Result<int> ParseLimit(const std::optional<std::string>& text);

// Digits only (no sign, no blanks), at most 18 of them so the value fits int64; else nullopt.
std::optional<int64_t> ParseDecimal(std::string_view text);

}  // namespace tinysaga::order
