#pragma once
// The thread that applies saga deadlines: reply timeouts and the ends of backoffs. Each round
// calls Orchestrator::FireDueTimers, then sleeps until the earliest deadline in the Saga DB,
// within [timer_wait_min, timer_wait_max], or until Schedule() asks for an earlier wake-up.
// The deadlines live in the database, so after a restart the first round picks up every
// unfinished saga where it stopped; nothing is kept in memory but a wake-up hint.
//
// Lifecycle: construct, run Run() on one thread, Stop() from any thread, then join. The
// orchestrator passed to Run() must outlive the thread.
// Thread safety: Schedule() and Stop() from any thread; Run() from one.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>

#include "orchestrator/orchestrator.h"
#include "orchestrator/orchestrator_options.h"
#include "tinysaga/core/clock.h"

namespace tinysaga::orchestrator {

// How long the timer sleeps after a round, given the earliest deadline (nullopt: none).
// Pure.
std::chrono::milliseconds TimerWait(TimestampMs now_ms,
                                    std::optional<TimestampMs> earliest_deadline_ms,
                                    const OrchestratorOptions& options);

class SagaTimer {
 public:
  SagaTimer(const Clock& clock, const OrchestratorOptions& options);

  // Makes the current or next sleep end by `deadline_ms` at the latest.
  void Schedule(TimestampMs deadline_ms);

  // Rounds until Stop(); returns at once if Stop() came first.
  void Run(Orchestrator& orchestrator);
  void Stop();

 private:
  // Sleeps up to `duration`, less when Schedule() asks for an earlier wake-up; false once
  // stopping.
  bool Sleep(std::chrono::milliseconds duration);
  bool Stopping();

  const Clock& clock_;
  const OrchestratorOptions options_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::optional<TimestampMs> scheduled_ms_;  // the earliest Schedule() not yet slept on
  // While the timer sleeps: when it wakes anyway. A later deadline needs no wake-up (most
  // are reply timeouts seconds away, set several times per saga), which spares a thread
  // switch each.
  std::optional<TimestampMs> sleeping_until_ms_;
};

}  // namespace tinysaga::orchestrator
