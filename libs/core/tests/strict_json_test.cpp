#include "tinysaga/core/strict_json.h"

#include <gtest/gtest.h>

namespace tinysaga {
namespace {

TEST(ParseStrictJson, RejectsMalformedJson) {
  for (const char* text : {"{", "{} trailing", "{\"a\":1,}", "nul", ""}) {
    auto parsed = ParseStrictJson(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.error().code, Errc::kInvalidRequest) << text;
  }
}

// Last-wins would order a laptop for a body a proxy or a log reader takes for a cable.
TEST(ParseStrictJson, RejectsDuplicateKeysNamingThem) {
  auto parsed = ParseStrictJson(R"({"productId":"cable","quantity":1,"productId":"laptop"})");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code, Errc::kInvalidRequest);
  EXPECT_NE(parsed.error().detail.find("'productId'"), std::string::npos) << parsed.error().detail;
  // The same key with escapes that decode to the same name is the same key.
  EXPECT_FALSE(ParseStrictJson(R"({"a":1,"\u0061":2})").ok());
  EXPECT_TRUE(ParseStrictJson(R"({"orderId":"o1"})").ok());
}

TEST(ParseStrictJson, RejectsDuplicatesAtAnyDepthAndAllowsTheSameKeyInSiblings) {
  EXPECT_FALSE(ParseStrictJson(R"({"a":{"b":1,"b":2}})").ok());
  EXPECT_FALSE(ParseStrictJson(R"([{"x":1},{"y":1,"y":1}])").ok());
  EXPECT_FALSE(ParseStrictJson(R"({"a":{"b":1},"c":[1,{"d":{}}],"a":2})").ok());
  auto siblings = ParseStrictJson(R"({"a":{"k":1},"b":{"k":2},"c":[{"k":3},{"k":4}],"k":5})");
  ASSERT_TRUE(siblings.ok()) << siblings.error().detail;
  EXPECT_EQ((*siblings)["c"][1]["k"], 4);
}

TEST(ParseStrictJson, RejectsInvalidUtf8) {
  EXPECT_FALSE(ParseStrictJson("{\"a\": \"\xff\xfe\"}").ok());
}

TEST(DumpJson, NeverThrowsOnInvalidUtf8) {
  nlohmann::json json = {{"reason", "\xff"}};
  EXPECT_FALSE(DumpJson(json).empty());
}

}  // namespace
}  // namespace tinysaga
