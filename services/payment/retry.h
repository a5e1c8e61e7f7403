#pragma once
// Retries of calls to another service, as data: bounded attempts, a timeout per attempt, and
// exponential backoff with equal jitter between them (half the delay fixed, half random), so
// that clients that failed together do not retry together. Randomness and waiting come in from
// outside (an Rng, a Sleeper), so tests replay a run exactly and never sleep.
//
// Only retryable errors (IsRetryable: kUnavailable, kTimeout; callers map 5xx answers to
// kUnavailable) are tried again; any other error is a final answer.
//
// Thread safety: a Retrier is a value over a thread-safe Rng; Run() may be called from several
// threads if the Sleeper allows it (the real one does).

#include <chrono>
#include <functional>
#include <string_view>

#include "tinysaga/core/result.h"
#include "tinysaga/core/rng.h"

namespace tinysaga::payment {

struct RetryPolicy {
  int attempts_max = 4;                                 // the first attempt included
  std::chrono::milliseconds per_attempt_timeout{1000};  // the peer client's timeout per attempt
  std::chrono::milliseconds backoff_initial{100};       // before the second attempt, at most
  std::chrono::milliseconds backoff_max{2000};          // cap of every backoff
  double multiplier = 2;                                // growth of the backoff per retry
};

// Waits for the given time: std::this_thread::sleep_for in services, a recorder in tests.
using Sleeper = std::function<void(std::chrono::milliseconds)>;
Sleeper RealSleeper();

// Ok, or kInvalidRequest naming the bad field (attempts_max >= 1, timeouts > 0, backoffs >= 0
// and initial <= max, multiplier >= 1).
Result<void> CheckRetryPolicy(const RetryPolicy& policy);

// The cap of the backoff before retry `retry` (1 = before the second attempt):
// min(backoff_initial * multiplier^(retry - 1), backoff_max).
std::chrono::milliseconds BackoffCap(const RetryPolicy& policy, int retry);

// The actual wait before retry `retry`, with equal jitter: cap/2 + uniform[0, cap/2].
std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, int retry, Rng& rng);

// The longest a Run() can take: every attempt timing out plus every backoff at its cap.
std::chrono::milliseconds RetryWindowMax(const RetryPolicy& policy);

class Retrier {
 public:
  Retrier(RetryPolicy policy, Rng& rng, Sleeper sleep)
      : policy_(policy), rng_(&rng), sleep_(std::move(sleep)) {}

  const RetryPolicy& policy() const { return policy_; }

  // Calls `attempt(n)` (n from 1) until it succeeds, fails with a final error, or
  // attempts_max attempts failed; returns the last result. `what` names the call in logs.
  template <typename T>
  Result<T> Run(std::string_view what, const std::function<Result<T>(int)>& attempt) const {
    for (int number = 1;; ++number) {
      Result<T> result = attempt(number);
      if (result.ok() || !result.error().Retryable() || number >= policy_.attempts_max) {
        return result;
      }
      const std::chrono::milliseconds delay = BackoffDelay(policy_, number, *rng_);
      LogRetry(what, number, result.error(), delay);
      sleep_(delay);
    }
  }

 private:
  void LogRetry(std::string_view what, int attempt, const Error& error,
                std::chrono::milliseconds delay) const;

  RetryPolicy policy_;
  Rng* rng_;
  Sleeper sleep_;
};

}  // namespace tinysaga::payment
