#pragma once
// The simulated customers: a catalogue and wallets seeded through the admin API, then orders
// placed, paid and sometimes canceled through the services' public routes, as the gateway
// would forward them, at times and with choices drawn from the workload's Rng. Clients behave
// like real ones: an unanswered or 503 request is sent again later with the same
// Idempotency-Key, a refusal (4xx) is final. What a customer sees is never checked here: the
// invariants judge the databases afterwards.
//
// Not thread-safe: one run, one thread.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tinysaga/core/clock.h"
#include "tinysaga/core/result.h"
#include "tinysaga/core/rng.h"
#include "trace.h"
#include "transport.h"

namespace tinysaga::sim {

class Workload {
 public:
  Workload(Rng& rng, InProcessNetwork& network, int orders, TimestampMs start_ms);

  // Products with stock (some scarce) and wallets with deposits (some poor). Run without
  // faults: a failure is an error of the simulator, not of the system.
  Result<void> Seed();

  // Runs every client request due at `now_ms`; returns how many ran.
  size_t RunDue(TimestampMs now_ms);
  std::optional<TimestampMs> NextAt() const;
  bool done() const { return actions_.empty(); }
  // Requests still unanswered (or 5xx) after every attempt: the customer gave up.
  int64_t given_up() const { return given_up_; }

 private:
  enum class Kind { kCreate, kPay, kCancel };
  struct Action {
    Kind kind = Kind::kCreate;
    int order = 0;    // index into orders_
    int attempt = 1;  // a request sent again keeps its Idempotency-Key
  };
  struct PlannedOrder {
    std::string user_id;
    std::string product_id;
    int64_t quantity = 1;
    int products_asked = 1;  // the products tried so far (a refused one leads to the next)
    std::string order_id;    // once created
  };

  void Schedule(TimestampMs at_ms, Action action);
  void Run(TimestampMs now_ms, const Action& action);
  // Sends as `user_id` (empty: as an admin); an unanswered request is kUnavailable/kTimeout.
  Result<http::Response> Send(const std::string& service, const std::string& user_id,
                              std::string method, std::string target, std::string body,
                              std::string idempotency_key);
  // After a 5xx or no answer, the same request later (`after_ms`, doubled for each attempt
  // made); false when the client gives up.
  bool Retry(TimestampMs now_ms, Action action, int64_t after_ms);
  // Moves `order` to the catalogue's next product; false once it has asked for every one.
  bool AskNextProduct(PlannedOrder& order) const;

  Rng& rng_;
  InProcessNetwork& network_;
  std::vector<std::string> users_;
  std::vector<std::string> products_;
  std::vector<PlannedOrder> orders_;
  std::set<std::string> sold_out_;                              // products that refused an order
  std::map<std::pair<TimestampMs, uint64_t>, Action> actions_;  // in time, then schedule order
  uint64_t scheduled_ = 0;
  int64_t given_up_ = 0;
};

}  // namespace tinysaga::sim
