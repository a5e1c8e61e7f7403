#include "gateway/domain/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <iterator>

namespace tinysaga::gateway {

void RateLimiter::Refill(Bucket& bucket, TimestampMs now_ms) const {
  // A clock that steps backwards refills nothing rather than draining the bucket.
  const double elapsed_seconds = static_cast<double>(std::max<TimestampMs>(0, now_ms - bucket.updated_ms)) / 1000.0;
  bucket.tokens = std::min(limit_.burst, bucket.tokens + elapsed_seconds * limit_.rate_per_second);
  bucket.updated_ms = std::max(bucket.updated_ms, now_ms);
}

void RateLimiter::DropFullBuckets(TimestampMs now_ms) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    Refill(it->second, now_ms);
    it = it->second.tokens >= limit_.burst ? buckets_.erase(it) : std::next(it);
  }
}

RateLimiter::Decision RateLimiter::Take(std::string_view client) {
  const TimestampMs now_ms = clock_.NowMs();
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(std::string(client));
  if (it == buckets_.end()) {
    if (buckets_.size() >= limit_.clients_max) DropFullBuckets(now_ms);
    if (buckets_.size() >= limit_.clients_max) {
      ++overflows_;
      return {false, 1};
    }
    it = buckets_.emplace(std::string(client), Bucket{limit_.burst, now_ms}).first;
  }
  Bucket& bucket = it->second;
  Refill(bucket, now_ms);
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    return {true, 0};
  }
  const double wait_seconds = (1.0 - bucket.tokens) / limit_.rate_per_second;
  return {false, std::max<int64_t>(1, static_cast<int64_t>(std::ceil(wait_seconds)))};
}

RateLimiter::Decision RateLimiter::Peek(std::string_view client) {
  const TimestampMs now_ms = clock_.NowMs();
  std::lock_guard lock(mutex_);
  auto it = buckets_.find(std::string(client));
  if (it == buckets_.end()) return {true, 0};
  Bucket& bucket = it->second;
  Refill(bucket, now_ms);
  if (bucket.tokens >= 1.0) return {true, 0};
  const double wait_seconds = (1.0 - bucket.tokens) / limit_.rate_per_second;
  return {false, std::max<int64_t>(1, static_cast<int64_t>(std::ceil(wait_seconds)))};
}

uint64_t RateLimiter::overflows() const {
  std::lock_guard lock(mutex_);
  return overflows_;
}

}  // namespace tinysaga::gateway
