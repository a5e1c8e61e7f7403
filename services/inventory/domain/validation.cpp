#include "inventory/domain/validation.h"

#include <charconv>

namespace tinysaga::inventory {

size_t Utf8Length(std::string_view text) {
  size_t length = 0;
  for (char c : text) {
    // Every code point has exactly one byte that is not a continuation byte (10xxxxxx).
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++length;
  }
  return length;
}

Result<void> ValidateText(std::string_view field, std::string_view text, size_t characters_max) {
  const std::string name(field);
  if (text.empty())
    return MakeError(Errc::kInvalidRequest, "field '" + name + "' must not be empty");
  if (Utf8Length(text) > characters_max) {
    return MakeError(Errc::kInvalidRequest, "field '" + name + "' is longer than " +
                                                std::to_string(characters_max) + " characters");
  }
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7F) {
      return MakeError(Errc::kInvalidRequest, "field '" + name + "' contains a control character");
    }
  }
  return Ok();
}

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

}  // namespace tinysaga::inventory
