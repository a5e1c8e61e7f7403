#include "tinysaga/core/clock.h"

#include <gtest/gtest.h>

namespace tinysaga {
namespace {

TEST(Clock, FormatsRfc3339Utc) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(1'767'225'600'123), "2026-01-01T00:00:00.123Z");
}

TEST(Clock, ManualClockMovesOnlyWhenTold) {
  ManualClock clock(1000);
  EXPECT_EQ(clock.NowMs(), 1000);
  clock.AdvanceMs(250);
  EXPECT_EQ(clock.NowMs(), 1250);
}

}  // namespace
}  // namespace tinysaga
