#pragma once
// Pure input rules shared by the inventory handlers: text fields (strict query integers are
// tinysaga/core/query.h).

#include <cstdint>
#include <string>
#include <string_view>

#include "tinysaga/core/result.h"

namespace tinysaga::inventory {

// Number of Unicode code points in `text`, which must already be valid UTF-8 (JsonReader
// guarantees that for every string it returns).
size_t Utf8Length(std::string_view text);

// A human-readable text field: 1..`characters_max` code points and no ASCII control
// characters (a name with a NUL or a newline in it is a bug or an attack, never a product).
// kInvalidRequest naming `field` otherwise.
Result<void> ValidateText(std::string_view field, std::string_view text, size_t characters_max);

}  // namespace tinysaga::inventory
