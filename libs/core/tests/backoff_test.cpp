#include "tinysaga/core/backoff.h"

#include <gtest/gtest.h>

#include <limits>

namespace tinysaga {
namespace {

using std::chrono::milliseconds;

TEST(ExponentialBackoff, GrowsFromInitialAndStopsAtTheCap) {
  const ExponentialBackoff backoff{milliseconds(100), 2, milliseconds(1'000)};
  EXPECT_EQ(backoff.Cap(0), milliseconds(100)) << "below 1 counts as the first retry";
  EXPECT_EQ(backoff.Cap(1), milliseconds(100));
  EXPECT_EQ(backoff.Cap(2), milliseconds(200));
  EXPECT_EQ(backoff.Cap(4), milliseconds(800));
  EXPECT_EQ(backoff.Cap(5), milliseconds(1'000));
  EXPECT_EQ(backoff.Cap(std::numeric_limits<int>::max()), milliseconds(1'000)) << "no overflow";
}

TEST(ExponentialBackoff, TheWindowIsEveryAttemptAndEveryPauseAtItsCap) {
  const ExponentialBackoff backoff{milliseconds(100), 2, milliseconds(300)};
  EXPECT_EQ(backoff.WindowMax(milliseconds(1'000), 1), milliseconds(1'000)) << "no pause";
  // Pauses 100, 200, then 300 (capped).
  EXPECT_EQ(backoff.WindowMax(milliseconds(1'000), 4), milliseconds(4 * 1'000 + 100 + 200 + 300));
}

TEST(ExponentialBackoff, AMultiplierOfOneIsAFixedPause) {
  const ExponentialBackoff fixed{milliseconds(50), 1, milliseconds(50)};
  EXPECT_EQ(fixed.Cap(1), milliseconds(50));
  EXPECT_EQ(fixed.Cap(30), milliseconds(50));
}

TEST(ExponentialBackoff, EqualJitterStaysBetweenHalfTheCapAndTheCap) {
  const ExponentialBackoff backoff{milliseconds(100), 2, milliseconds(1'000)};
  uint64_t asked = 0;
  auto lowest = [&](uint64_t n) {
    asked = n;
    return uint64_t{0};
  };
  EXPECT_EQ(backoff.Jittered(3, lowest), milliseconds(200));
  EXPECT_EQ(asked, 201u) << "any of 200..400";
  EXPECT_EQ(backoff.Jittered(3, [](uint64_t n) { return n - 1; }), milliseconds(400));
  EXPECT_EQ(backoff.Jittered(1, [](uint64_t n) { return n / 2; }), milliseconds(75));
}

}  // namespace
}  // namespace tinysaga
