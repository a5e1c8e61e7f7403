#pragma once
// Time comes in through a Clock so that tests and the simulator control it.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "tinysaga/core/result.h"

namespace tinysaga {

// Milliseconds since the Unix epoch, UTC.
using TimestampMs = int64_t;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimestampMs NowMs() const = 0;
};

// The wall clock. Thread-safe.
class SystemClock final : public Clock {
 public:
  TimestampMs NowMs() const override;
};

// A clock that moves only when told to. Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimestampMs start_ms = 1'767'225'600'000)
      : now_ms_(start_ms) {}  // 2026-01-01
  TimestampMs NowMs() const override { return now_ms_.load(); }
  void AdvanceMs(int64_t delta_ms) { now_ms_ += delta_ms; }
  void SetMs(TimestampMs now_ms) { now_ms_ = now_ms; }

 private:
  std::atomic<TimestampMs> now_ms_;
};

// RFC 3339 UTC with milliseconds: 2026-01-01T00:00:00.000Z.
std::string FormatRfc3339(TimestampMs timestamp_ms);

// The inverse: "YYYY-MM-DDTHH:MM:SS[.fraction]Z" (1-9 fraction digits, milliseconds kept).
// Anything else, including numeric offsets, is kInvalidRequest: this is the form we write.
Result<TimestampMs> ParseRfc3339(std::string_view text);

}  // namespace tinysaga
