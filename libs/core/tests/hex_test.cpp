#include "tinysaga/core/hex.h"

#include <gtest/gtest.h>

namespace tinysaga {
namespace {

TEST(AppendHex, WritesTheMostSignificantDigitsFirst) {
  std::string out = "x";
  AppendHex(out, 0x0123'4567'89ab'cdefULL);
  EXPECT_EQ(out, "x0123456789abcdef");
  out.clear();
  AppendHex(out, 0xab00'0000'0000'0000ULL, 2);
  AppendHex(out, 0xf000'0000'0000'0000ULL, 1);
  EXPECT_EQ(out, "abf");
}

TEST(HexOf, GivesTwoDigitsPerByteInOrder) {
  EXPECT_EQ(HexOf(std::string_view("\x01\xff\x00\x7f", 4)), "01ff007f");
  EXPECT_EQ(HexOf(""), "");
}

}  // namespace
}  // namespace tinysaga
