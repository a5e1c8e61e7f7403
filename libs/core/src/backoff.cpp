#include "tinysaga/core/backoff.h"

#include <algorithm>
#include <cmath>

namespace tinysaga {

std::chrono::milliseconds ExponentialBackoff::Cap(int retry) const {
  // In double, capped before converting back: a large exponent gives infinity, never UB.
  const double grown =
      static_cast<double>(initial.count()) * std::pow(multiplier, std::max(0, retry - 1));
  const double capped = std::min(grown, static_cast<double>(max.count()));
  return std::chrono::milliseconds(static_cast<int64_t>(capped));
}

std::chrono::milliseconds ExponentialBackoff::WindowMax(std::chrono::milliseconds per_attempt,
                                                        int attempts) const {
  std::chrono::milliseconds window = per_attempt * attempts;
  for (int retry = 1; retry < attempts; ++retry) window += Cap(retry);
  return window;
}

std::chrono::milliseconds ExponentialBackoff::Jittered(
    int retry, const std::function<uint64_t(uint64_t n)>& below) const {
  const int64_t cap = Cap(retry).count();
  const int64_t half = cap / 2;
  const uint64_t spread = static_cast<uint64_t>(cap - half) + 1;
  return std::chrono::milliseconds(half + static_cast<int64_t>(below(spread)));
}

}  // namespace tinysaga
