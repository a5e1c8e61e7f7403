#include "transport.h"

#include <string>
#include <utility>

namespace tinysaga::sim {

http::Transport InProcessNetwork::transport() {
  return
      [this](const http::Endpoint& endpoint, http::Request request,
             std::chrono::milliseconds /*timeout*/) { return Call(endpoint, std::move(request)); };
}

Result<http::Response> InProcessNetwork::Call(const http::Endpoint& endpoint,
                                              http::Request request) {
  const std::string what = request.method + " " + endpoint.host + request.target;
  auto found = servers_.find(endpoint.host);
  if (found == servers_.end() || Draw(faults_.unreachable_ppm)) {
    if (found != servers_.end()) ++unreachable_;
    trace_.Add("http " + what + " unreachable");
    clock_.AdvanceMs(1);  // a refused connection still takes a moment
    return MakeError(Errc::kUnavailable, endpoint.host + " is unreachable (simulated)");
  }
  if (break_debit_ids_ && request.target == "/internal/debits") {
    const std::string field = "\"operationId\":\"pay:";
    if (const size_t at = request.body.find(field); at != std::string::npos) {
      const size_t end = request.body.find('"', at + field.size());
      if (end != std::string::npos) {
        request.body.insert(end, "." + std::to_string(++debit_calls_));
      }
    }
  }
  http::Response response = found->second->HandleInProcess(std::move(request));
  clock_.AdvanceMs(1);  // one simulated network round trip
  if (Draw(faults_.answer_lost_ppm)) {
    ++answers_lost_;
    trace_.Add("http " + what + " " + std::to_string(response.status) + " answer-lost");
    return MakeError(Errc::kTimeout, endpoint.host + " did not answer in time (simulated)");
  }
  trace_.Add("http " + what + " " + std::to_string(response.status));
  return response;
}

}  // namespace tinysaga::sim
