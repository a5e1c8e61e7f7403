#include "tinysaga/contracts/strict_json.h"

#include <gtest/gtest.h>

namespace tinysaga::contracts {
namespace {

TEST(ParseRfc3339, ReadsWhatFormatRfc3339Writes) {
  for (TimestampMs ms :
       {0LL, 1'767'225'600'000LL, 1'767'225'600'999LL, 951'782'400'000LL, 4'102'444'799'999LL}) {
    auto parsed = ParseRfc3339(FormatRfc3339(ms));
    ASSERT_TRUE(parsed.ok()) << FormatRfc3339(ms);
    EXPECT_EQ(*parsed, ms);
  }
}

TEST(ParseRfc3339, AcceptsSecondsAndLongFractions) {
  EXPECT_EQ(ParseRfc3339("2026-01-01T00:00:00Z").value(), 1'767'225'600'000);
  EXPECT_EQ(ParseRfc3339("2026-01-01T00:00:00.5Z").value(), 1'767'225'600'500);
  EXPECT_EQ(ParseRfc3339("2026-01-01T00:00:00.123456789Z").value(), 1'767'225'600'123);
  EXPECT_EQ(ParseRfc3339("2024-02-29T12:00:00Z").value(), 1'709'208'000'000);
}

TEST(ParseRfc3339, RejectsEverythingElse) {
  for (const char* text :
       {"", "2026-01-01", "2026-01-01T00:00:00", "2026-01-01T00:00:00.Z",
        "2026-01-01T00:00:00.1234567890Z", "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z",
        "2026-01-01T24:00:00Z", "2026-01-01T00:00:60Z", "2026-01-01t00:00:00z",
        "2026-01-01T00:00:00+00:00", "2026-01-01T00:00:00Zjunk", "+026-01-01T00:00:00Z"}) {
    EXPECT_FALSE(ParseRfc3339(text).ok()) << text;
  }
}

TEST(StrictObject, FirstProblemSticksAndUnreadFieldsFail) {
  auto json = nlohmann::json::parse(R"({"a": "x", "b": 5, "c": true})");
  StrictObject reader(json, "thing");
  EXPECT_EQ(reader.String("a", 10), "x");
  EXPECT_EQ(reader.Integer("b", 0, 10), 5);
  auto finished = reader.Finish();
  ASSERT_FALSE(finished.ok());
  EXPECT_EQ(finished.error().detail, "thing: unknown field 'c'");

  StrictObject broken(json, "thing");
  EXPECT_EQ(broken.Integer("a", 0, 10), 0);
  EXPECT_EQ(broken.String("b", 10), "");  // after the first problem, reads return empty values
  EXPECT_NE(broken.Finish().error().detail.find("'a'"), std::string::npos);
}

TEST(StrictObject, OptionalFieldsMayBeAbsentButNotWrong) {
  auto json = nlohmann::json::parse(R"({"id": "bad id"})");
  StrictObject reader(json, "thing");
  EXPECT_FALSE(reader.OptionalString("note", 10).has_value());
  EXPECT_FALSE(reader.OptionalId<OrderId>("id").has_value());
  EXPECT_FALSE(reader.Finish().ok());
}

TEST(StrictObject, NonObjectIsAnError) {
  StrictObject reader(nlohmann::json::array(), "thing");
  EXPECT_FALSE(reader.Finish().ok());
}

TEST(DumpJson, NeverThrowsOnInvalidUtf8) {
  nlohmann::json json = {{"reason", "\xff"}};
  EXPECT_FALSE(DumpJson(json).empty());
}

}  // namespace
TEST(ParseJson, RefusesDuplicateKeys) {
  EXPECT_TRUE(ParseJson(R"({"orderId":"o1"})").ok());
  auto duplicated = ParseJson(R"({"orderId":"o1","orderId":"o2"})");
  ASSERT_FALSE(duplicated.ok());
  EXPECT_EQ(duplicated.error().code, Errc::kInvalidRequest);
}

}  // namespace tinysaga::contracts
