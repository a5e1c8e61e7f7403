#include "tinysaga/core/query.h"

#include <charconv>

namespace tinysaga {

Result<int64_t> ParseQueryInteger(std::string_view name, const std::optional<std::string>& text,
                                  int64_t min, int64_t max, int64_t default_value) {
  if (!text) return default_value;
  const std::string range = "query parameter '" + std::string(name) + "' must be an integer from " +
                            std::to_string(min) + " to " + std::to_string(max);
  // from_chars accepts a leading '-', so check the characters first: digits only.
  if (text->empty() || text->find_first_not_of("0123456789") != std::string::npos) {
    return MakeError(Errc::kInvalidRequest, range);
  }
  int64_t value = 0;
  const char* end = text->data() + text->size();
  auto [pointer, error] = std::from_chars(text->data(), end, value);
  if (error != std::errc() || pointer != end || value < min || value > max) {
    return MakeError(Errc::kInvalidRequest, range);
  }
  return value;
}

}  // namespace tinysaga
