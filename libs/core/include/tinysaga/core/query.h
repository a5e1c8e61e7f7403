#pragma once
// Strict parsing of URL query parameters, shared by the services' list endpoints. Pure.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tinysaga/core/result.h"

namespace tinysaga {

// A query parameter that must be a plain decimal integer in [min, max]: digits only, no
// sign, no spaces, no leading '+'. Absent -> `default_value`. kInvalidRequest naming `name`.
Result<int64_t> ParseQueryInteger(std::string_view name, const std::optional<std::string>& text,
                                  int64_t min, int64_t max, int64_t default_value);

}  // namespace tinysaga
