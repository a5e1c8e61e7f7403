#pragma once
// The in-process HTTP transport: an http::Client built with it (http::ClientOptions::
// transport) hands each request to the routes of the named service's http::Server
// (Server::HandleInProcess) on the calling thread. Endpoints name services by host
// ("wallet:80"); a service that is down is unreachable. Faults, when on, are drawn per call:
// the peer unreachable (kUnavailable, nothing done) or its answer lost after it acted
// (kTimeout, as after a crash between its commit and its answer). A service that hangs
// (Hang) answers nothing: each call waits out the caller's timeout and gets kTimeout, and the
// requests stay in the service's socket backlog, to be handled when it resumes (Resume), long
// after their callers gave up, as a process stopped in a debugger or a long GC pause does.
// (A caller's wait for its timeout does not move the run's clock: callers are concurrent in a
// real deployment, and serialising their waits here would stretch a 30 s hang over minutes.)
//
// Not thread-safe: one run, one thread.

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

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
  // Also ends a hang: the backlog dies with the process.
  void Detach(const std::string& service);

  // `service` stops answering until Resume, which handles its backlog in arrival order (the
  // answers go nowhere) and returns how many requests it held.
  void Hang(const std::string& service) { hung_[service]; }
  size_t Resume(const std::string& service);
  bool hung(const std::string& service) const { return hung_.count(service) > 0; }

  void SetFaults(HttpFaultOptions faults) { faults_ = faults; }
  // --break debit-id-per-attempt: each POST /internal/debits goes out under an operation id of
  // its own ("pay:<orderId>.<n>"), as a Payment that forgot to keep one id across its retries.
  void BreakDebitIds() { break_debit_ids_ = true; }
  http::Transport transport();

  // A call as the workload's clients make it (the same faults as between services).
  Result<http::Response> Call(const http::Endpoint& endpoint, http::Request request);

  uint64_t unreachable() const { return unreachable_; }
  uint64_t answers_lost() const { return answers_lost_; }
  uint64_t unanswered_hung() const { return unanswered_hung_; }
  // Requests `service` has handled so far (any of them may have written to its outbox).
  uint64_t handled(const std::string& service) const {
    auto found = handled_.find(service);
    return found == handled_.end() ? 0 : found->second;
  }

 private:
  bool Draw(uint32_t ppm) { return ppm > 0 && fault_rng_.Below(1'000'000) < ppm; }

  ManualClock& clock_;
  Rng& fault_rng_;
  Trace& trace_;
  std::map<std::string, http::Server*> servers_;
  std::map<std::string, std::vector<http::Request>> hung_;  // hung service -> its backlog
  uint64_t unanswered_hung_ = 0;
  std::map<std::string, uint64_t> handled_;
  HttpFaultOptions faults_;
  uint64_t unreachable_ = 0;
  uint64_t answers_lost_ = 0;
  bool break_debit_ids_ = false;
  uint64_t debit_calls_ = 0;
};

}  // namespace tinysaga::sim
