#pragma once
// Time comes in through a Clock so that tests and the simulator control it.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
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

// A process's time of day: the wall clock as read when the SystemClock was made, advanced
// since by a clock that steps of the system clock do not move (CLOCK_BOOTTIME: monotonic,
// slewed by NTP like the wall clock, and counting time suspended). So a step of the system
// clock while the process runs (an NTP step, `date -s`, a VM restored from a snapshot) moves
// none of its timestamps, deadlines or timeouts: a saga's 10 s reply timeout neither fires at
// once after a step forward nor an hour late after a step back, and NowMs() never goes back.
// The process takes the new time at its next start, where the time it was down counts as
// elapsed. Erlang's "no time warp" mode makes the same choice. Thread-safe.
class SystemClock final : public Clock {
 public:
  // Where the readings come from: the real clocks, or a test's. `elapsed_ms` has any origin
  // and must not be stepped.
  struct Sources {
    std::function<TimestampMs()> wall_ms;
    std::function<int64_t()> elapsed_ms;
  };

  SystemClock();
  explicit SystemClock(Sources sources);

  TimestampMs NowMs() const override;
  // How far the wall clock has been stepped since this clock was made: the wall clock now
  // minus NowMs() (the gauge tinysaga_clock_step_seconds in every service's /metrics).
  int64_t WallStepMs() const;

 private:
  Sources sources_;
  TimestampMs wall_at_start_ms_;
  int64_t elapsed_at_start_ms_;
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
