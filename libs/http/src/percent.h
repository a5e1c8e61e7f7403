#pragma once
// Internal to libs/http: percent-decoding shared by ParseTarget and the server's path parameters.

#include <optional>
#include <string>
#include <string_view>

namespace tinysaga::http::internal {

// Decodes %XX escapes (and '+' as a space when `plus_is_space`, as forms do in queries).
// Fails on a truncated or non-hex escape and on a decoded NUL, which no handler expects.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);

}  // namespace tinysaga::http::internal
