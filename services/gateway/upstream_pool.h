#pragma once
// The instances of one service behind the gateway: round-robin over the healthy ones.
// An instance is marked down by a failed health check or a failed request, and up again by
// a successful health check. When every instance is down, all are tried anyway: a stale
// "down" must never turn a working service into an outage.
// Thread-safe; lives as long as the gateway.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tinysaga/http/client.h"

namespace tinysaga::gateway {

class UpstreamPool {
 public:
  UpstreamPool(std::string service, std::vector<http::Endpoint> endpoints);

  const std::string& service() const { return service_; }
  size_t size() const { return endpoints_.size(); }
  const http::Endpoint& endpoint(size_t index) const { return endpoints_[index]; }

  // The order in which to try the instances for one request: healthy ones first, starting
  // at the round-robin position, then the unhealthy ones.
  std::vector<size_t> Order();

  void MarkHealthy(size_t index, bool healthy);
  bool healthy(size_t index) const;
  bool AnyHealthy() const;

  // Whether the instance's Kafka consumers have joined their groups (its /readyz says so).
  // Not used for routing: only `tinysaga up` waits for it, so that its first saga does not
  // wait for a group join.
  void MarkConsuming(size_t index, bool consuming);
  bool consuming(size_t index) const;

 private:
  const std::string service_;
  const std::vector<http::Endpoint> endpoints_;
  std::unique_ptr<std::atomic<bool>[]> healthy_;
  std::unique_ptr<std::atomic<bool>[]> consuming_;
  std::atomic<uint64_t> next_{0};
};

}  // namespace tinysaga::gateway
