#pragma once
// The in-process HTTP transport: an http::Client built with it (http::ClientOptions::
// transport) hands each request to the routes of the named service's http::Server
// (Server::HandleInProcess) on the calling thread. Endpoints name services by host
// ("wallet:80"); a service that is down is unreachable. Faults, when on, are drawn per call:
// the peer unreachable (kUnavailable, nothing done) or its answer lost after it acted
// (kTimeout, as after a crash between its commit and its answer).
//
// Not thread-safe: one run, one thread.

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "tinysaga/core/clock.h"
#include "tinysaga/core/rng.h"
#include "tinysaga/http/client.h"
#include "tinysaga/http/server.h"
#include "trace.h"

namespace tinysaga::sim {

struct HttpFaultOptions {
  uint32_t unreachable_ppm = 0;
  uint32_t answer_lost_ppm = 0;
};

class InProcessNetwork {
 public:
  InProcessNetwork(ManualClock& clock, Rng& fault_rng, Trace& trace)
      : clock_(clock), fault_rng_(fault_rng), trace_(trace) {}

  // The endpoint by which peers reach `service`.
  static http::Endpoint EndpointOf(const std::string& service) { return {service, 80}; }

  // `server` serves `service` until Detach (a crash); its routes are called in process.
  void Attach(const std::string& service, http::Server& server) { servers_[service] = &server; }
  void Detach(const std::string& service) { servers_.erase(service); }

  void SetFaults(HttpFaultOptions faults) { faults_ = faults; }
  // --break debit-id-per-attempt: each POST /internal/debits goes out under an operation id of
  // its own ("pay:<orderId>.<n>"), as a Payment that forgot to keep one id across its retries.
  void BreakDebitIds() { break_debit_ids_ = true; }
  http::Transport transport();

  // A call as the workload's clients make it (the same faults as between services).
  Result<http::Response> Call(const http::Endpoint& endpoint, http::Request request);

  uint64_t unreachable() const { return unreachable_; }
  uint64_t answers_lost() const { return answers_lost_; }

 private:
  bool Draw(uint32_t ppm) { return ppm > 0 && fault_rng_.Below(1'000'000) < ppm; }

  ManualClock& clock_;
  Rng& fault_rng_;
  Trace& trace_;
  std::map<std::string, http::Server*> servers_;
  HttpFaultOptions faults_;
  uint64_t unreachable_ = 0;
  uint64_t answers_lost_ = 0;
  bool break_debit_ids_ = false;
  uint64_t debit_calls_ = 0;
};

}  // namespace tinysaga::sim
