#include "inventory/domain/validation.h"

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

}  // namespace tinysaga::inventory
