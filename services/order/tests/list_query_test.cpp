#include "order/domain/list_query.h"

#include <gtest/gtest.h>

namespace tinysaga::order {
namespace {

TEST(Cursor, RoundTripsIdsThatContainUnderscores) {
  OrderCursor cursor{1'767'225'600'123, OrderId("ord_0123456789abcdef0123")};
  auto parsed = ParseCursor(FormatCursor(cursor));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->created_at_ms, cursor.created_at_ms);
  EXPECT_EQ(parsed->order_id, cursor.order_id);
}

TEST(Cursor, MalformedIsInvalidRequest) {
  for (std::string_view text :
       {"", "_", "123", "123_", "_ord_1", "-1_ord_1", "12a_ord_1", "1 _ord_1", "123_ord/1",
        "123_ord 1", "99999999999999999999_ord_1"}) {
    auto parsed = ParseCursor(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.error().code, Errc::kInvalidRequest);
  }
  EXPECT_FALSE(ParseCursor("1_" + std::string(65, 'a')).ok());
}

TEST(Limit, DefaultsToFiftyAndAcceptsOneToTwoHundred) {
  EXPECT_EQ(ParseLimit(std::nullopt).value(), kListLimitDefault);
  EXPECT_EQ(ParseLimit("1").value(), 1);
  EXPECT_EQ(ParseLimit("200").value(), 200);
  EXPECT_EQ(ParseLimit("007").value(), 7);
}

TEST(Limit, AnythingElseIsInvalidRequest) {
  for (std::string text :
       {"", "0", "201", "-1", "+5", "5 ", " 5", "5.0", "1e2", "abc", "99999999999999999999999"}) {
    auto limit = ParseLimit(text);
    ASSERT_FALSE(limit.ok()) << text;
    EXPECT_EQ(limit.error().code, Errc::kInvalidRequest);
  }
}

}  // namespace
}  // namespace tinysaga::order
