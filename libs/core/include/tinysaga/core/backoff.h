#pragma once
// Exponential backoff: the one way every retry loop here grows its pauses (the saga engine's
// command retries, Payment's wallet calls and refunds, the outbox relay, the inbox consumer,
// SQLite's busy retries, `up`'s restarts). Pure; a value, copied freely.

#include <chrono>
#include <cstdint>
#include <functional>

namespace tinysaga {

struct ExponentialBackoff {
  std::chrono::milliseconds initial{100};  // the pause before the first retry, at most
  double multiplier = 2;                   // growth per retry, >= 1
  std::chrono::milliseconds max{10'000};   // cap of every pause, >= initial

  // The pause before retry `retry` (1 = the first; lower counts as 1):
  // min(initial * multiplier^(retry-1), max), computed so that no exponent overflows.
  std::chrono::milliseconds Cap(int retry) const;

  // The longest `attempts` attempts take when each may last `per_attempt` and every pause
  // between them is at its cap: how long a caller may be kept waiting before the retries give
  // up (the saga engine's step budget, Payment's wallet window).
  std::chrono::milliseconds WindowMax(std::chrono::milliseconds per_attempt, int attempts) const;

  // "Equal jitter": half of Cap(retry) plus a share of the other half, picked by `below`,
  // which returns a number in [0, n) for the n it is given (a seeded generator, or a hash for
  // a pause that a replay must repeat exactly). Spreads the retries of many callers apart
  // while never waiting less than half the cap.
  std::chrono::milliseconds Jittered(int retry,
                                     const std::function<uint64_t(uint64_t n)>& below) const;
};

}  // namespace tinysaga
