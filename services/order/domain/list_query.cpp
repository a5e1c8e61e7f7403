#include "order/domain/list_query.h"

namespace tinysaga::order {

std::string FormatCursor(const OrderCursor& cursor) {
  return std::to_string(cursor.created_at_ms) + "_" + cursor.order_id.value();
}

Result<OrderCursor> ParseCursor(std::string_view text) {
  const Error malformed = MakeError(Errc::kInvalidRequest, "query parameter 'cursor' is malformed");
  // Order ids contain '_' themselves, so split at the first one only.
  size_t separator = text.find('_');
  if (separator == std::string_view::npos) return malformed;
  auto created_at_ms = ParseDecimal(text.substr(0, separator));
  std::string_view order_id = text.substr(separator + 1);
  if (!created_at_ms || !IsValidId(order_id)) return malformed;
  return OrderCursor{*created_at_ms, OrderId(std::string(order_id))};
}

Result<int> ParseLimit(const std::optional<std::string>& text) {
  if (!text) return kListLimitDefault;
  auto value = ParseDecimal(*text);
  if (!value || *value < 1 || *value > kListLimitMax) {
    return MakeError(
        Errc::kInvalidRequest,
        "query parameter 'limit' must be an integer from 1 to " + std::to_string(kListLimitMax));
  }
  return static_cast<int>(*value);
}

std::optional<int64_t> ParseDecimal(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace tinysaga::order
