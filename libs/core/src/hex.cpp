#include "tinysaga/core/hex.h"

#include <cassert>

namespace tinysaga {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

}  // namespace

void AppendHex(std::string& out, uint64_t value, int digits) {
  assert(digits >= 1 && digits <= 16);
  for (int i = 0; i < digits; ++i) out += kHexDigits[(value >> (60 - 4 * i)) & 0xF];
}

std::string HexOf(std::string_view bytes) {
  std::string hex;
  hex.reserve(bytes.size() * 2);
  for (const char byte : bytes)
    AppendHex(hex, static_cast<uint64_t>(static_cast<unsigned char>(byte)) << 56, 2);
  return hex;
}

}  // namespace tinysaga
