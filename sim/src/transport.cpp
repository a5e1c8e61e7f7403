#include "transport.h"

#include <string>
#include <utility>

namespace tinysaga::sim {

http::Transport InProcessNetwork::transport() {
  return
      [this](const http::Endpoint& endpoint, http::Request request,
             std::chrono::milliseconds /*timeout*/) { return Call(endpoint, std::move(request)); };
}

void InProcessNetwork::Detach(const std::string& service) {
  servers_.erase(service);
  hung_.erase(service);
}

size_t InProcessNetwork::Resume(const std::string& service) {
  auto hung = hung_.find(service);
  if (hung == hung_.end()) return 0;
  std::vector<http::Request> backlog = std::move(hung->second);
  hung_.erase(hung);
  auto found = servers_.find(service);
  if (found == servers_.end()) return 0;
  for (http::Request& request : backlog) {
    const std::string what = request.method + " " + service + request.target;
    ++handled_[service];
    const http::Response response = found->second->HandleInProcess(std::move(request));
    trace_.Add("http " + what + " " + std::to_string(response.status) + " late (caller gone)");
  }
  return backlog.size();
}

Result<http::Response> InProcessNetwork::Call(const http::Endpoint& endpoint,
                                              http::Request request) {
  const std::string what = request.method + " " + endpoint.host + request.target;
  if (auto hung = hung_.find(endpoint.host); hung != hung_.end()) {
    ++unanswered_hung_;
    trace_.Add("http " + what + " no-answer (hung)");
    hung->second.push_back(std::move(request));
    clock_.AdvanceMs(1);
    return MakeError(Errc::kTimeout, endpoint.host + " did not answer in time (simulated hang)");
  }
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
  ++handled_[endpoint.host];
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
