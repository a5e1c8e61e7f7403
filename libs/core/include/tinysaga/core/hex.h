#pragma once
// Lowercase hexadecimal: the one encoder behind ids (rng.h), secrets, request ids and digests.

#include <cstdint>
#include <string>
#include <string_view>

namespace tinysaga {

// Appends the `digits` (1 to 16) most significant hex digits of `value`, most significant
// first: AppendHex(out, 0xAB00'0000'0000'0000, 2) appends "ab".
void AppendHex(std::string& out, uint64_t value, int digits = 16);

// Two hex digits per byte, in order: HexOf("\x01\xff") is "01ff".
std::string HexOf(std::string_view bytes);

}  // namespace tinysaga
