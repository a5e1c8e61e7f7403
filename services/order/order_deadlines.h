#pragma once
// The deadlines of choreography mode (order/domain/choreography.h: Deadlines,
// DeadlineActionFor). Without an orchestrator nobody times a saga's steps, and although the
// outbox and inbox lose nothing, an event can still be dead-lettered on the way; so the Order
// service, which owns the order's status, watches the states in which it waits on others:
// an order paid for (or being paid for) that never hears back gives up (FAILED, and
// OrderCancelRequested in its order saga: Inventory releases, Payment refunds), and a cancel
// that does not finish is announced again. Each action commits in one transaction with its
// event in the outbox.
//
// Lifecycle: borrows everything. RunOnce() from one thread at a time (the background thread
// Start() runs, or a test); Stop() (also the destructor) joins that thread.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "order/domain/choreography.h"
#include "tinysaga/core/clock.h"
#include "tinysaga/core/result.h"
#include "tinysaga/core/rng.h"
#include "tinysaga/storage/db.h"

namespace tinysaga::order {

struct OrderDeadlinesOptions {
  Deadlines deadlines = DefaultDeadlines();
  std::chrono::milliseconds scan_interval{1'000};
  int batch_max = 100;  // orders per state per pass
};

class OrderDeadlines {
 public:
  OrderDeadlines(storage::Db& db, const Clock& clock, Rng& rng,
                 std::function<void()> notify_outbox, OrderDeadlinesOptions options = {});
  ~OrderDeadlines();
  OrderDeadlines(const OrderDeadlines&) = delete;
  OrderDeadlines& operator=(const OrderDeadlines&) = delete;

  // One pass at `now_ms`: how many orders were acted on.
  Result<size_t> RunOnce(TimestampMs now_ms);

  // Runs RunOnce every scan_interval on a thread of its own, until Stop().
  void Start();
  void Stop();

 private:
  Result<bool> Act(const OrderId& order_id, TimestampMs now_ms);

  storage::Db& db_;
  const Clock& clock_;
  Rng& rng_;
  std::function<void()> notify_outbox_;
  const OrderDeadlinesOptions options_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace tinysaga::order
