#include "tinysaga/core/json_body.h"

#include <gtest/gtest.h>

namespace tinysaga {
namespace {

TEST(JsonBody, ReadsKnownFields) {
  auto body = JsonBody::Parse(R"({"productId": "p1", "quantity": 3})", {"productId", "quantity"});
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(body->String("productId", 64).value(), "p1");
  EXPECT_EQ(body->Integer("quantity", 1, 10).value(), 3);
}

TEST(JsonBody, RejectsUnknownFields) {
  auto body = JsonBody::Parse(R"({"productId": "p1", "admin": true})", {"productId"});
  ASSERT_FALSE(body.ok());
  EXPECT_NE(body.error().detail.find("admin"), std::string::npos);
}

TEST(JsonBody, RejectsMalformedJsonAndNonObjects) {
  for (const char* text : {"{", "[1,2]", "\"text\"", "{} trailing", "{\"a\":1,}", "nul"}) {
    EXPECT_FALSE(JsonBody::Parse(text, {"a"}).ok()) << text;
  }
}

// Last-wins would order a laptop for a body a proxy or a log reader takes for a cable.
TEST(JsonBody, RejectsDuplicateKeys) {
  auto body = JsonBody::Parse(R"({"productId":"cable","quantity":1,"productId":"laptop"})",
                              {"productId", "quantity"});
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.error().code, Errc::kInvalidRequest);
  EXPECT_NE(body.error().detail.find("'productId'"), std::string::npos) << body.error().detail;
  // The same key with escapes that decode to the same name is the same key.
  EXPECT_FALSE(JsonBody::Parse(R"({"a":1,"\u0061":2})", {"a"}).ok());
}

TEST(ParseStrictJson, RejectsDuplicatesAtAnyDepthAndAllowsTheSameKeyInSiblings) {
  EXPECT_FALSE(ParseStrictJson(R"({"a":{"b":1,"b":2}})").ok());
  EXPECT_FALSE(ParseStrictJson(R"([{"x":1},{"y":1,"y":1}])").ok());
  EXPECT_FALSE(ParseStrictJson(R"({"a":{"b":1},"c":[1,{"d":{}}],"a":2})").ok());
  auto siblings = ParseStrictJson(R"({"a":{"k":1},"b":{"k":2},"c":[{"k":3},{"k":4}],"k":5})");
  ASSERT_TRUE(siblings.ok()) << siblings.error().detail;
  EXPECT_EQ((*siblings)["c"][1]["k"], 4);
  EXPECT_FALSE(ParseStrictJson("{").ok());
}

TEST(JsonBody, RejectsInvalidUtf8) {
  std::string text = "{\"a\": \"\xff\xfe\"}";
  EXPECT_FALSE(JsonBody::Parse(text, {"a"}).ok());
}

TEST(JsonBody, EmptyBodyIsAnEmptyObject) {
  auto body = JsonBody::Parse("  ", {"a"});
  ASSERT_TRUE(body.ok());
  EXPECT_FALSE(body->Has("a"));
  EXPECT_EQ(body->String("a", 10).error().code, Errc::kInvalidRequest);
}

TEST(JsonBody, IntegersMustBeExactIntegersInRange) {
  auto body = JsonBody::Parse(
      R"({"f": 5.0, "s": "5", "b": true, "big": 18446744073709551616, "neg": -1, "max": 9223372036854775807})",
      {"f", "s", "b", "big", "neg", "max"});
  ASSERT_TRUE(body.ok());
  for (const char* field : {"f", "s", "b", "big", "neg"}) {
    EXPECT_FALSE(body->Integer(field, 0, 100).ok()) << field;
  }
  EXPECT_FALSE(body->Integer("max", 0, 100).ok());
  EXPECT_EQ(body->Integer("max", 0, INT64_MAX).value(), INT64_MAX);
}

TEST(JsonBody, StringsHaveATypeAndALengthLimit) {
  auto body = JsonBody::Parse(R"({"n": 1, "long": "abcdef"})", {"n", "long"});
  ASSERT_TRUE(body.ok());
  EXPECT_FALSE(body->String("n", 10).ok());
  EXPECT_FALSE(body->String("long", 5).ok());
  EXPECT_TRUE(body->String("long", 6).ok());
  EXPECT_FALSE(body->OptionalString("missing", 5).value().has_value());
}

}  // namespace
}  // namespace tinysaga
