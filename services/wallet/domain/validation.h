#pragma once
// Strict query integers for the wallet's list endpoint. Pure.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tinysaga/core/result.h"

namespace tinysaga::wallet {

// A query parameter that must be a plain decimal integer in [min, max]: digits only, no
// sign, no spaces. Absent -> `default_value`. kInvalidRequest naming `name` otherwise.
// (The inventory has the same rule; a shared home in libs/core would suit it.)
Result<int64_t> ParseQueryInteger(std::string_view name, const std::optional<std::string>& text,
                                  int64_t min, int64_t max, int64_t default_value);

}  // namespace tinysaga::wallet
