#include "tinysaga/core/clock.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>

namespace tinysaga {
namespace {

TEST(Clock, FormatsRfc3339Utc) {
  EXPECT_EQ(FormatRfc3339(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatRfc3339(1'767'225'600'123), "2026-01-01T00:00:00.123Z");
  EXPECT_EQ(FormatRfc3339(1'799'999'999'999), "2027-01-15T07:59:59.999Z");
  EXPECT_EQ(FormatRfc3339(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatRfc3339(253'402'300'799'999), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatRfc3339(253'402'300'800'000), "10000-01-01T00:00:00.000Z");
}

TEST(Clock, FormatRfc3339ReadsBackAsTheSameTime) {
  for (TimestampMs ms : {0LL, 1LL, 951'782'400'000LL, 951'782'400'007LL, 1'767'225'600'123LL,
                         1'767'225'600'999LL, 4'102'444'799'999LL}) {
    auto parsed = ParseRfc3339(FormatRfc3339(ms));
    ASSERT_TRUE(parsed.ok()) << FormatRfc3339(ms);
    EXPECT_EQ(*parsed, ms);
  }
}

// Moved from contracts' tests with the reader that uses ParseRfc3339 (JsonReader::Time).
TEST(Clock, ParseRfc3339AcceptsSecondsAndLongFractions) {
  EXPECT_EQ(ParseRfc3339("2026-01-01T00:00:00Z").value(), 1'767'225'600'000);
  EXPECT_EQ(ParseRfc3339("2026-01-01T00:00:00.5Z").value(), 1'767'225'600'500);
  EXPECT_EQ(ParseRfc3339("2026-01-01T00:00:00.123456789Z").value(), 1'767'225'600'123);
  EXPECT_EQ(ParseRfc3339("2024-02-29T12:00:00Z").value(), 1'709'208'000'000);
}

TEST(Clock, ParseRfc3339RejectsEverythingElse) {
  for (const char* text :
       {"", "2026-01-01", "2026-01-01T00:00:00", "2026-01-01T00:00:00.Z",
        "2026-01-01T00:00:00.1234567890Z", "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z",
        "2026-01-01T24:00:00Z", "2026-01-01T00:00:60Z", "2026-01-01t00:00:00z",
        "2026-01-01T00:00:00+00:00", "2026-01-01T00:00:00Zjunk", "+026-01-01T00:00:00Z"}) {
    EXPECT_FALSE(ParseRfc3339(text).ok()) << text;
  }
}

TEST(Clock, ManualClockMovesOnlyWhenTold) {
  ManualClock clock(1000);
  EXPECT_EQ(clock.NowMs(), 1000);
  clock.AdvanceMs(250);
  EXPECT_EQ(clock.NowMs(), 1250);
}

// The two readings a SystemClock takes, moved by the test: a wall clock that can be stepped
// and an elapsed-time clock that only runs.
struct FakeClocks {
  std::atomic<TimestampMs> wall_ms{1'767'225'600'000};
  std::atomic<int64_t> elapsed_ms{42};

  void Run(int64_t ms) {
    wall_ms += ms;
    elapsed_ms += ms;
  }
  SystemClock::Sources Sources() {
    return {.wall_ms = [this] { return wall_ms.load(); },
            .elapsed_ms = [this] { return elapsed_ms.load(); }};
  }
};

TEST(SystemClock, StartsAtTheWallClockAndRunsWithIt) {
  FakeClocks clocks;
  const SystemClock clock(clocks.Sources());
  EXPECT_EQ(clock.NowMs(), 1'767'225'600'000);
  clocks.Run(1'500);
  EXPECT_EQ(clock.NowMs(), 1'767'225'601'500);
  EXPECT_EQ(clock.WallStepMs(), 0);
}

TEST(SystemClock, AStepOfTheWallClockMovesNothingAndIsReported) {
  FakeClocks clocks;
  const SystemClock clock(clocks.Sources());
  clocks.Run(1'000);
  clocks.wall_ms += 3'600'000;  // an hour forward, e.g. an NTP step
  EXPECT_EQ(clock.NowMs(), 1'767'225'601'000);
  EXPECT_EQ(clock.WallStepMs(), 3'600'000);
  clocks.Run(10'000);
  EXPECT_EQ(clock.NowMs(), 1'767'225'611'000);  // a 10 s timeout set before the step is due now
  clocks.wall_ms -= 7'200'000;                  // and two hours back
  clocks.Run(1);
  EXPECT_EQ(clock.NowMs(), 1'767'225'611'001);  // never backwards
  EXPECT_EQ(clock.WallStepMs(), -3'600'000);
}

TEST(SystemClock, ANewClockTakesTheSteppedTime) {
  FakeClocks clocks;
  clocks.wall_ms += 3'600'000;
  EXPECT_EQ(SystemClock(clocks.Sources()).NowMs(), 1'767'229'200'000);
}

TEST(SystemClock, TheRealOneIsTheWallClockWhenNothingSteps) {
  const SystemClock clock;
  EXPECT_LT(std::abs(clock.WallStepMs()), 1'000);
}

}  // namespace
}  // namespace tinysaga
