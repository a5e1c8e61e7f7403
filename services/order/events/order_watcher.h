#pragma once
// The shell around event_stream.h: one thread that keeps every open
// GET /api/orders/{orderId}/events stream of this process up to date, with no thread per
// stream. Each round it reads each watched order's cheap watch state (status, history count,
// cancel request: one indexed statement), loads the order JSON only when some stream has not
// seen that version, asks the saga source for the saga view about every 250 ms, and writes
// what AdvanceEventStream says. Streams of the same order share the reads.
//
// Rounds run every order_poll_interval, and at once after Watch() or Notify(): the HTTP
// handlers notify after they commit a change, so a page sees its own changes without waiting
// for the poll. Changes made by other instances, or by the saga commands (committed by the
// inbox consumer after the handler returns), are seen by the poll.
//
// Lifecycle: construct, Start(), Watch() streams, Stop() (or destroy) before the database and
// the saga source go; Stop() closes every stream. Tests call RunOnce() without Start().
// Thread safety: Watch(), Notify(), HasRoom() and stream_count() from any thread; RunOnce()
// from one thread at a time (the watcher's own once started).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "order/events/event_stream.h"
#include "tinysaga/core/clock.h"
#include "tinysaga/core/ids.h"
#include "tinysaga/http/server.h"
#include "tinysaga/storage/db.h"

namespace tinysaga::order {

class OrderEventWatcher {
 public:
  // The saga view of an order; called on the watcher thread and may block briefly (an HTTP
  // call with a short timeout). kUnknown skips the saga for the rest of the round.
  using SagaSource = std::function<SagaObservation(const OrderId&)>;

  struct Options {
    std::chrono::milliseconds order_poll_interval{100};
    int64_t saga_poll_interval_ms = 250;
    size_t streams_max = 1'000;  // beyond: the events endpoint answers 503
    EventStreamLimits limits;
  };

  OrderEventWatcher(storage::Db& db, const Clock& clock, SagaSource saga_source,
                    Options options);
  ~OrderEventWatcher();
  OrderEventWatcher(const OrderEventWatcher&) = delete;
  OrderEventWatcher& operator=(const OrderEventWatcher&) = delete;

  void Start();
  // Stops and joins the thread, then closes every stream. Idempotent.
  void Stop();

  bool HasRoom() const { return stream_count_.load() < options_.streams_max; }
  // Streams `order_id` to `stream` from the next round on. False, closing the stream, when
  // full or stopped.
  bool Watch(const OrderId& order_id, std::shared_ptr<http::Stream> stream);
  // This process committed a change to the order: run a round now.
  void Notify(const OrderId& order_id);

  void RunOnce();

  size_t stream_count() const { return stream_count_.load(); }

 private:
  struct Entry {
    OrderId order_id;
    std::shared_ptr<http::Stream> stream;
    EventStreamState state;
    bool saga_asked = false;  // a new stream asks for the saga in its first round
    bool done = false;
  };

  void Loop();
  void AdoptNewStreams(TimestampMs now_ms);
  std::optional<OrderObservation> ObserveOrder(const OrderId& order_id,
                                               std::span<Entry> streams);
  void Advance(Entry& entry, const std::optional<OrderObservation>& order,
               const SagaObservation& saga, TimestampMs now_ms);

  storage::Db& db_;
  const Clock& clock_;
  const SagaSource saga_source_;
  const Options options_;

  // Owned by the round (RunOnce's thread).
  std::vector<Entry> entries_;
  TimestampMs next_saga_poll_ms_ = 0;

  // Shared with Watch/Notify/Stop.
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Entry> pending_;
  bool woken_ = false;
  bool stopping_ = false;
  std::atomic<size_t> stream_count_{0};
  std::thread thread_;
};

}  // namespace tinysaga::order
