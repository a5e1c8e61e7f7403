#include "orchestrator/saga_timer.h"

#include <algorithm>

#include "orchestrator/log.h"

namespace tinysaga::orchestrator {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

std::chrono::milliseconds TimerWait(TimestampMs now_ms,
                                    std::optional<TimestampMs> earliest_deadline_ms,
                                    const OrchestratorOptions& options) {
  if (!earliest_deadline_ms) return options.timer_wait_max;
  return std::clamp(milliseconds(*earliest_deadline_ms - now_ms), options.timer_wait_min,
                    options.timer_wait_max);
}

SagaTimer::SagaTimer(const Clock& clock, const OrchestratorOptions& options)
    : clock_(clock), options_(options) {}

void SagaTimer::Schedule(TimestampMs deadline_ms) {
  {
    std::lock_guard lock(mutex_);
    if (scheduled_ms_ && *scheduled_ms_ <= deadline_ms) return;
    if (sleeping_until_ms_ && *sleeping_until_ms_ <= deadline_ms) return;
    scheduled_ms_ = deadline_ms;
  }
  wake_.notify_all();
}

void SagaTimer::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
}

bool SagaTimer::Stopping() {
  std::lock_guard lock(mutex_);
  return stopping_;
}

bool SagaTimer::Sleep(milliseconds duration) {
  std::unique_lock lock(mutex_);
  steady_clock::time_point wake_at = steady_clock::now() + duration;
  while (!stopping_) {
    if (scheduled_ms_) {
      // Deadlines are times of the process clock (SystemClock); the wait is on the steady clock, so
      // convert the distance, not the time.
      const milliseconds in(std::max<int64_t>(0, *scheduled_ms_ - clock_.NowMs()));
      wake_at = std::min(wake_at, steady_clock::now() + in);
      scheduled_ms_.reset();
    }
    const auto now = steady_clock::now();
    if (now >= wake_at) return true;
    sleeping_until_ms_ =
        clock_.NowMs() + std::chrono::duration_cast<milliseconds>(wake_at - now).count();
    wake_.wait_until(lock, wake_at);
    sleeping_until_ms_.reset();
  }
  return false;
}

void SagaTimer::Run(Orchestrator& orchestrator) {
  steady_clock::time_point next_gauge = steady_clock::now();
  while (!Stopping()) {
    auto taken = orchestrator.FireDueTimers(clock_.NowMs());
    if (!taken.ok()) {
      Log()->warn("timer: firing due sagas failed, retrying in {} ms: {}",
                  options_.timer_error_backoff.count(), taken.error().detail);
      if (!Sleep(options_.timer_error_backoff)) return;
      continue;
    }
    if (*taken >= options_.timer_batch_max) continue;  // a full batch: more may be due
    if (steady_clock::now() >= next_gauge) {
      if (auto refreshed = orchestrator.RefreshGauges(); !refreshed.ok()) {
        Log()->warn("timer: refreshing the saga gauge failed: {}", refreshed.error().detail);
      }
      next_gauge = steady_clock::now() + options_.gauge_interval;
    }
    auto earliest = orchestrator.EarliestDeadline();
    if (!earliest.ok()) {
      Log()->warn("timer: reading the earliest deadline failed: {}", earliest.error().detail);
    }
    const auto wait = TimerWait(clock_.NowMs(), earliest.ok() ? *earliest : std::nullopt, options_);
    if (!Sleep(wait)) return;
  }
}

}  // namespace tinysaga::orchestrator
