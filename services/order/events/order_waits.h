#pragma once
// The long polls of GET /api/orders/{orderId}?waitMs=N: a request for an order that a saga is
// moving waits here, with no thread of its own, until the saga lets go of the order, about N
// ms pass, or the service stops. It is then answered with the order as it is.
//
// How a change is seen: every commit of this process that changes an order calls Notify()
// with its id (the HTTP handlers, and the consumer of saga messages after each batch). The
// waits' thread then reads that order again at once and answers its requests if no saga moves
// it any more. A change committed by another instance of the service is seen by the sweep:
// every sweep_interval each held order is read again. Deadlines are checked on each round,
// so a request is answered within a sweep_interval after its deadline.
//
// A change that commits between a request's read and its Hold() would not be noticed until
// the sweep: Hold() takes the Generation() read before the order was, and a request whose
// generation moved meanwhile has its order read again in the next round.
//
// Lifecycle: construct, Start(), then Stop() (which answers every held request) before what
// the reader uses goes. Thread-safe: Hold(), Notify() and Generation() from any thread.
// RunOnce() from one thread at a time: the waits' own once started; tests call it directly.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "tinysaga/core/clock.h"
#include "tinysaga/core/ids.h"
#include "tinysaga/http/message.h"
#include "tinysaga/http/server.h"
#include "tinysaga/platform/caller.h"

namespace tinysaga::order {

class OrderWaits {
 public:
  // Whether a saga still moves the order on, and the answer to a request for it now: always
  // when no saga moves it, else only when asked for (the order with its history costs more to
  // read than its status does).
  struct Look {
    bool saga_moving = false;
    std::optional<http::Response> response;
  };
  // Reads an order for a caller who may see it; `answer_if_moving`: the answer too when a saga
  // moves it. Called on the waits' thread.
  using Reader =
      std::function<Look(const OrderId&, const platform::Caller&, bool answer_if_moving)>;

  struct Options {
    // Beyond: Hold() refuses, and the request is answered at once. Half the gateway's 256
    // connections to an instance (http::ClientOptions), so that held requests never take every
    // connection the other requests to this instance need.
    size_t held_max = 128;
    std::chrono::milliseconds sweep_interval{100};
  };

  OrderWaits(Reader reader, const Clock& clock, Options options);
  ~OrderWaits();
  OrderWaits(const OrderWaits&) = delete;
  OrderWaits& operator=(const OrderWaits&) = delete;

  void Start();
  // Stops and joins the thread, then answers every held request with its order as it is.
  // Idempotent; Hold() refuses from then on.
  void Stop();

  // How many Notify() calls there have been: read it before reading the order for Hold().
  uint64_t Generation() const { return generation_.load(); }
  // Holds `respond` (for `caller`, who may see the order) until no saga moves the order, the
  // deadline passes or Stop(). False, holding nothing, when full or stopped.
  bool Hold(const OrderId& order_id, const platform::Caller& caller, TimestampMs deadline_ms,
            uint64_t generation, http::Respond respond);
  // A commit of this process changed the order.
  void Notify(const OrderId& order_id);

  // Reads again the orders notified since the last round, those whose deadline passed, and,
  // when `sweep`, every held one; answers the requests they settle.
  void RunOnce(bool sweep);

  size_t held_count() const;

 private:
  struct Held {
    platform::Caller caller;
    TimestampMs deadline_ms = 0;
    http::Respond respond;
  };

  void Loop();
  // The held requests for `order_id` that `look` settles (all of them when no saga moves the
  // order or when stopping), taken out of held_.
  std::vector<Held> Settled(const std::string& order_id, const Look& look, TimestampMs now_ms);

  const Reader reader_;
  const Clock& clock_;
  const Options options_;

  std::atomic<uint64_t> generation_{0};
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::unordered_map<std::string, std::vector<Held>> held_;  // by order id
  size_t held_count_ = 0;
  std::vector<std::string> notified_;  // held orders to read again in the next round
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace tinysaga::order
