// The retry policy as data: backoff caps, equal jitter within its bounds and replayable from a
// seed, the worst-case window, and which errors are retried. Nothing sleeps.

#include "payment/retry.h"

#include <gtest/gtest.h>

#include <vector>

namespace tinysaga::payment {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, GrowsByTheMultiplierUpToTheCap) {
  const RetryPolicy policy{.attempts_max = 8,
                           .per_attempt_timeout = milliseconds(1000),
                           .backoff_initial = milliseconds(100),
                           .backoff_max = milliseconds(2000),
                           .multiplier = 2};
  EXPECT_EQ(BackoffCap(policy, 1), milliseconds(100));
  EXPECT_EQ(BackoffCap(policy, 2), milliseconds(200));
  EXPECT_EQ(BackoffCap(policy, 5), milliseconds(1600));
  EXPECT_EQ(BackoffCap(policy, 6), milliseconds(2000));
  EXPECT_EQ(BackoffCap(policy, 1000), milliseconds(2000));  // no overflow
}

TEST(Backoff, EqualJitterStaysBetweenHalfAndTheCapAndReplaysFromASeed) {
  const RetryPolicy policy;
  SeededRng rng(42);
  SeededRng same(42);
  bool below_cap = false;
  for (int retry = 1; retry <= 6; ++retry) {
    const milliseconds cap = BackoffCap(policy, retry);
    for (int i = 0; i < 50; ++i) {
      const milliseconds delay = BackoffDelay(policy, retry, rng);
      EXPECT_GE(delay, cap / 2);
      EXPECT_LE(delay, cap);
      below_cap = below_cap || delay < cap;
      EXPECT_EQ(delay, BackoffDelay(policy, retry, same));
    }
  }
  EXPECT_TRUE(below_cap);  // jitter happens
}

TEST(RetryWindow, TheDefaultsAnswerAClientWithinFiveSeconds) {
  // 4 attempts x 1 s + backoffs of at most 100 + 200 + 400 ms.
  EXPECT_EQ(RetryWindowMax(RetryPolicy{}), milliseconds(4'700));
  EXPECT_EQ(RetryWindowMax(RetryPolicy{.attempts_max = 1}), milliseconds(1'000));
}

TEST(RetryPolicyCheck, RefusesNonsense) {
  EXPECT_TRUE(CheckRetryPolicy(RetryPolicy{}).ok());
  EXPECT_FALSE(CheckRetryPolicy(RetryPolicy{.attempts_max = 0}).ok());
  EXPECT_FALSE(CheckRetryPolicy(RetryPolicy{.per_attempt_timeout = milliseconds(0)}).ok());
  EXPECT_FALSE(CheckRetryPolicy(RetryPolicy{.backoff_initial = milliseconds(3000)}).ok());
  EXPECT_FALSE(CheckRetryPolicy(RetryPolicy{.multiplier = 0.5}).ok());
}

class RetrierTest : public ::testing::Test {
 protected:
  // Calls with attempts failing with `errors` in turn, then succeeding.
  Result<int> RunWith(std::vector<Errc> errors) {
    return retrier_.Run<int>("test", [&](int attempt) -> Result<int> {
      attempts_.push_back(attempt);
      if (static_cast<size_t>(attempt) <= errors.size()) {
        return MakeError(errors[attempt - 1], "failed");
      }
      return attempt;
    });
  }

  SeededRng rng_{7};
  std::vector<milliseconds> sleeps_;
  std::vector<int> attempts_;
  Retrier retrier_{RetryPolicy{}, rng_, [this](milliseconds delay) { sleeps_.push_back(delay); }};
};

TEST_F(RetrierTest, RetriesUnavailableAndTimeoutWithBackoffs) {
  auto result = RunWith({Errc::kUnavailable, Errc::kTimeout});
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, 3);
  EXPECT_EQ(attempts_, (std::vector<int>{1, 2, 3}));
  ASSERT_EQ(sleeps_.size(), 2u);
  EXPECT_GE(sleeps_[0], milliseconds(50));
  EXPECT_LE(sleeps_[0], milliseconds(100));
  EXPECT_GE(sleeps_[1], milliseconds(100));
  EXPECT_LE(sleeps_[1], milliseconds(200));
}

TEST_F(RetrierTest, StopsAfterTheLastAttemptWithItsError) {
  auto result = RunWith({Errc::kUnavailable, Errc::kUnavailable, Errc::kUnavailable, Errc::kTimeout,
                         Errc::kUnavailable});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::kTimeout);
  EXPECT_EQ(attempts_.size(), 4u);
  EXPECT_EQ(sleeps_.size(), 3u);  // none after the last attempt
}

TEST_F(RetrierTest, AFinalAnswerIsNotRetried) {
  for (Errc final :
       {Errc::kInsufficientFunds, Errc::kConflict, Errc::kIdempotencyMismatch, Errc::kInternal}) {
    attempts_.clear();
    auto result = RunWith({final});
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code, final);
    EXPECT_EQ(attempts_.size(), 1u);
  }
  EXPECT_TRUE(sleeps_.empty());
}

}  // namespace
}  // namespace tinysaga::payment
