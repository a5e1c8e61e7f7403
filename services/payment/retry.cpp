#include "payment/retry.h"

#include <algorithm>
#include <thread>

#include "payment/log.h"
#include "tinysaga/core/backoff.h"

namespace tinysaga::payment {

Sleeper RealSleeper() {
  return [](std::chrono::milliseconds delay) { std::this_thread::sleep_for(delay); };
}

Result<void> CheckRetryPolicy(const RetryPolicy& policy) {
  if (policy.attempts_max < 1) return MakeError(Errc::kInvalidRequest, "attempts_max must be >= 1");
  if (policy.per_attempt_timeout.count() <= 0)
    return MakeError(Errc::kInvalidRequest, "per_attempt_timeout must be positive");
  if (policy.backoff_initial.count() < 0 || policy.backoff_max < policy.backoff_initial)
    return MakeError(Errc::kInvalidRequest, "backoffs must satisfy 0 <= initial <= max");
  if (!(policy.multiplier >= 1.0))
    return MakeError(Errc::kInvalidRequest, "multiplier must be >= 1");
  return Ok();
}

namespace {
ExponentialBackoff BackoffOf(const RetryPolicy& policy) {
  return ExponentialBackoff{policy.backoff_initial, policy.multiplier, policy.backoff_max};
}
}  // namespace

std::chrono::milliseconds BackoffCap(const RetryPolicy& policy, int retry) {
  return BackoffOf(policy).Cap(retry);
}

std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, int retry, Rng& rng) {
  return BackoffOf(policy).Jittered(retry, [&rng](uint64_t n) { return rng.Below(n); });
}

std::chrono::milliseconds RetryWindowMax(const RetryPolicy& policy) {
  return BackoffOf(policy).WindowMax(policy.per_attempt_timeout, policy.attempts_max);
}

void Retrier::LogRetry(std::string_view what, int attempt, const Error& error,
                       std::chrono::milliseconds delay) const {
  Log()->warn("{}: attempt {}/{} failed ({}: {}); retrying in {} ms", what, attempt,
              policy_.attempts_max, ErrcName(error.code), error.detail, delay.count());
}

}  // namespace tinysaga::payment
