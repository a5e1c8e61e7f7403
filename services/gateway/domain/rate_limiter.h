#pragma once
// Per-client token buckets: each client (a user id, or an address when anonymous) may make
// `burst` requests at once and `rate_per_second` on average. Pure apart from the injected
// clock; thread-safe (one mutex: a bucket update is a few arithmetic operations).
//
// Bounded: at most `clients_max` buckets. When full, buckets that have refilled completely
// are dropped (they hold no information); if none has, the new client is limited and the
// event is counted in `overflows()`, never silently let through.

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "tinysaga/core/clock.h"

namespace tinysaga::gateway {

struct RateLimit {
  double rate_per_second = 20;
  double burst = 40;
  size_t clients_max = 100'000;
};

class RateLimiter {
 public:
  struct Decision {
    bool allowed = true;
    int64_t retry_after_seconds = 0;  // when !allowed: whole seconds until a token is there (>= 1)
  };

  RateLimiter(RateLimit limit, const Clock& clock) : limit_(limit), clock_(clock) {}

  Decision Take(std::string_view client);
  // Whether Take would allow `client` now, without taking anything (a client with no bucket
  // yet has a full one).
  Decision Peek(std::string_view client);
  uint64_t overflows() const;

 private:
  struct Bucket {
    double tokens = 0;
    TimestampMs updated_ms = 0;
  };
  void Refill(Bucket& bucket, TimestampMs now_ms) const;
  void DropFullBuckets(TimestampMs now_ms);

  const RateLimit limit_;
  const Clock& clock_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
  uint64_t overflows_ = 0;
};

}  // namespace tinysaga::gateway
