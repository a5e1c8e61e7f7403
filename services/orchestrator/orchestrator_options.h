#pragma once
// The orchestrator's configuration (config is data; apps/tinysaga maps flags onto it). The
// defaults suit a local run.

#include <chrono>
#include <cstddef>

#include "tinysaga/sagas/order_sagas.h"

namespace tinysaga::orchestrator {

struct OrchestratorOptions {
  // Per-step reply timeouts, attempts and backoff of both sagas (sagas/order order_sagas.h):
  // `forward` for the order saga's forward steps, `must_finish` for compensations and the
  // cancel saga.
  sagas::SagaTimings timings;

  // Due sagas handled in one timer transaction. When a round finds this many, the next round
  // starts at once; a bound keeps each write transaction (and the lock it holds on SQLite)
  // short.
  size_t timer_batch_max = 100;
  // The timer sleeps until the earliest deadline in the Saga DB, but never longer than this,
  // so that deadlines written by another orchestrator instance are noticed in time. Deadlines
  // written by this instance wake it at once.
  std::chrono::milliseconds timer_wait_max{1'000};
  // ...and never shorter than this between rounds, so that sagas left due (locked by another
  // instance, or put off because unreadable) cannot make the thread spin.
  std::chrono::milliseconds timer_wait_min{10};
  // After a failed round (database unavailable), the timer waits this long before the next.
  std::chrono::milliseconds timer_error_backoff{1'000};
  // A saga whose stored state cannot be read is looked at again after this long (an operator, or
  // a newer binary, may fix it meanwhile); the timer never spins on it.
  std::chrono::milliseconds unreadable_retry{60'000};
  // How often the timer thread refreshes the tinysaga_sagas_unfinished gauge.
  std::chrono::milliseconds gauge_interval{5'000};
};

}  // namespace tinysaga::orchestrator
