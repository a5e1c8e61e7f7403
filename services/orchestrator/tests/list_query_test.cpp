// GET /api/sagas's query parameters: strict, every problem a 400 naming the parameter.

#include "orchestrator/domain/list_query.h"

#include <gtest/gtest.h>

namespace tinysaga::orchestrator {
namespace {

TEST(SagaListQueryTest, DefaultsWhenAbsentOrEmpty) {
  for (const std::optional<std::string>& empty :
       {std::optional<std::string>(), std::optional<std::string>("")}) {
    auto query = ParseSagaListQuery(empty, empty, empty);
    ASSERT_TRUE(query.ok());
    EXPECT_EQ(query->state, std::nullopt);
    EXPECT_EQ(query->limit, kSagaListLimitDefault);
    EXPECT_EQ(query->after, std::nullopt);
  }
}

TEST(SagaListQueryTest, ReadsEveryState) {
  for (const char* name : {"RUNNING", "COMPENSATING", "COMPLETED", "FAILED", "GAVE_UP"}) {
    auto query = ParseSagaListQuery(std::string(name), std::nullopt, std::nullopt);
    ASSERT_TRUE(query.ok()) << name;
    EXPECT_EQ(saga::SagaStatusName(*query->state), name);
  }
}

TEST(SagaListQueryTest, RejectsBadValues) {
  const std::optional<std::string> none;
  for (const char* state : {"running", "DONE", " FAILED"}) {
    auto query = ParseSagaListQuery(std::string(state), none, none);
    ASSERT_FALSE(query.ok()) << state;
    EXPECT_EQ(query.error().code, Errc::kInvalidRequest);
    EXPECT_NE(query.error().detail.find("'state'"), std::string::npos);
  }
  for (const char* limit : {"0", "201", "-1", "+5", "1.5", "ten", "99999999999999999999"}) {
    auto query = ParseSagaListQuery(none, std::string(limit), none);
    ASSERT_FALSE(query.ok()) << limit;
    EXPECT_NE(query.error().detail.find("'limit'"), std::string::npos);
  }
  for (const char* cursor : {"abc", "12", "_sag_1", "12_", "12_sag/1", "-1_sag_1", "x_sag_1"}) {
    auto query = ParseSagaListQuery(none, none, std::string(cursor));
    ASSERT_FALSE(query.ok()) << cursor;
    EXPECT_NE(query.error().detail.find("'cursor'"), std::string::npos);
  }
}

TEST(SagaListQueryTest, ReadsOverdueAndStuckFilters) {
  const std::optional<std::string> none;
  auto overdue = ParseSagaListQuery(std::string("OVERDUE"), none, none, std::string("30"));
  ASSERT_TRUE(overdue.ok());
  EXPECT_TRUE(overdue->overdue);
  EXPECT_EQ(overdue->state, std::nullopt);
  EXPECT_EQ(overdue->stuck_for_s, 30);
  auto gave_up = ParseSagaListQuery(std::string("GAVE_UP"), none, none, std::string(""));
  ASSERT_TRUE(gave_up.ok());
  EXPECT_FALSE(gave_up->overdue);
  EXPECT_EQ(gave_up->stuck_for_s, std::nullopt);
  for (const char* stuck : {"0", "-5", "1.5", "x", "31536001"}) {
    auto query = ParseSagaListQuery(none, none, none, std::string(stuck));
    ASSERT_FALSE(query.ok()) << stuck;
    EXPECT_NE(query.error().detail.find("'stuckForS'"), std::string::npos) << stuck;
  }
  auto lower = ParseSagaListQuery(std::string("overdue"), none, none);
  EXPECT_FALSE(lower.ok());
}

TEST(SagaListQueryTest, CursorRoundTripsThroughItsText) {
  const SagaCursor cursor{1'767'225'600'123, SagaId("sag_0123456789abcdef0123")};
  EXPECT_EQ(FormatSagaCursor(cursor), "1767225600123_sag_0123456789abcdef0123");
  auto parsed = ParseSagaCursor(FormatSagaCursor(cursor));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, cursor);
}

}  // namespace
}  // namespace tinysaga::orchestrator
