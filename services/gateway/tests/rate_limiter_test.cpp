#include "gateway/domain/rate_limiter.h"

#include <gtest/gtest.h>

namespace tinysaga::gateway {
namespace {

TEST(RateLimiter, AllowsTheBurstThenLimits) {
  ManualClock clock;
  RateLimiter limiter({.rate_per_second = 10, .burst = 5}, clock);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.Take("alice").allowed) << i;
  auto decision = limiter.Take("alice");
  EXPECT_FALSE(decision.allowed);
  EXPECT_EQ(decision.retry_after_seconds, 1);
}

TEST(RateLimiter, RefillsAtTheConfiguredRate) {
  ManualClock clock;
  RateLimiter limiter({.rate_per_second = 10, .burst = 5}, clock);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(limiter.Take("alice").allowed);
  clock.AdvanceMs(99);
  EXPECT_FALSE(limiter.Take("alice").allowed);
  clock.AdvanceMs(1);  // 100 ms at 10/s: exactly one token
  EXPECT_TRUE(limiter.Take("alice").allowed);
  EXPECT_FALSE(limiter.Take("alice").allowed);
}

TEST(RateLimiter, HoldsOneHammeringClientToTheRate) {
  ManualClock clock;
  RateLimiter limiter({.rate_per_second = 20, .burst = 40}, clock);
  int allowed = 0;
  for (int ms = 0; ms < 10'000; ++ms) {  // 10 s, one attempt per millisecond
    if (limiter.Take("alice").allowed) ++allowed;
    clock.AdvanceMs(1);
  }
  EXPECT_GE(allowed, 20 * 10);
  EXPECT_LE(allowed, 20 * 10 + 40);
}

TEST(RateLimiter, PeekTakesNothing) {
  ManualClock clock;
  RateLimiter limiter({.rate_per_second = 1, .burst = 2}, clock);
  EXPECT_TRUE(limiter.Peek("guesser").allowed);  // no bucket yet: a full one
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(limiter.Peek("guesser").allowed);
  EXPECT_TRUE(limiter.Take("guesser").allowed);
  EXPECT_TRUE(limiter.Take("guesser").allowed);
  auto refused = limiter.Peek("guesser");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_seconds, 1);
  clock.AdvanceMs(1'000);
  EXPECT_TRUE(limiter.Peek("guesser").allowed);
  EXPECT_TRUE(limiter.Take("guesser").allowed);
  EXPECT_FALSE(limiter.Peek("guesser").allowed);
}

TEST(RateLimiter, ClientsHaveSeparateBuckets) {
  ManualClock clock;
  RateLimiter limiter({.rate_per_second = 1, .burst = 1}, clock);
  EXPECT_TRUE(limiter.Take("alice").allowed);
  EXPECT_FALSE(limiter.Take("alice").allowed);
  EXPECT_TRUE(limiter.Take("bob").allowed);
}

TEST(RateLimiter, RetryAfterCoversTheWait) {
  ManualClock clock;
  RateLimiter limiter({.rate_per_second = 0.25, .burst = 1}, clock);
  EXPECT_TRUE(limiter.Take("alice").allowed);
  EXPECT_EQ(limiter.Take("alice").retry_after_seconds, 4);
}

TEST(RateLimiter, BoundedTableDropsIdleClientsAndCountsOverflow) {
  ManualClock clock;
  RateLimiter limiter({.rate_per_second = 1, .burst = 2, .clients_max = 2}, clock);
  EXPECT_TRUE(limiter.Take("a").allowed);
  EXPECT_TRUE(limiter.Take("b").allowed);
  // Both buckets are still partly used: a third client cannot get a bucket.
  EXPECT_FALSE(limiter.Take("c").allowed);
  EXPECT_EQ(limiter.overflows(), 1u);
  clock.AdvanceMs(1'000);  // a and b are full again and can be forgotten
  EXPECT_TRUE(limiter.Take("c").allowed);
}

TEST(RateLimiter, ClockSteppingBackDoesNotDrainOrOverfill) {
  ManualClock clock(10'000);
  RateLimiter limiter({.rate_per_second = 1, .burst = 1}, clock);
  EXPECT_TRUE(limiter.Take("a").allowed);
  clock.SetMs(5'000);
  EXPECT_FALSE(limiter.Take("a").allowed);
  clock.SetMs(11'000);
  EXPECT_TRUE(limiter.Take("a").allowed);
}

}  // namespace
}  // namespace tinysaga::gateway
