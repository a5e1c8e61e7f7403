#include "gateway/upstream_pool.h"

namespace tinysaga::gateway {

UpstreamPool::UpstreamPool(std::string service, std::vector<http::Endpoint> endpoints)
    : service_(std::move(service)),
      endpoints_(std::move(endpoints)),
      healthy_(new std::atomic<bool>[endpoints_.size()]),
      consuming_(new std::atomic<bool>[endpoints_.size()]) {
  // Healthy only once a health check says so (readiness waits for that); requests before it
  // still reach every instance, because unhealthy ones are tried last, not never.
  for (size_t i = 0; i < endpoints_.size(); ++i) {
    healthy_[i] = false;
    consuming_[i] = false;
  }
}

std::vector<size_t> UpstreamPool::Order() {
  const size_t count = endpoints_.size();
  std::vector<size_t> order;
  order.reserve(count);
  if (count == 0) return order;
  const size_t start = next_.fetch_add(1, std::memory_order_relaxed) % count;
  for (size_t step = 0; step < count; ++step) {
    const size_t index = (start + step) % count;
    if (healthy_[index].load(std::memory_order_relaxed)) order.push_back(index);
  }
  for (size_t step = 0; step < count; ++step) {
    const size_t index = (start + step) % count;
    if (!healthy_[index].load(std::memory_order_relaxed)) order.push_back(index);
  }
  return order;
}

void UpstreamPool::MarkHealthy(size_t index, bool healthy) { healthy_[index].store(healthy); }

bool UpstreamPool::healthy(size_t index) const { return healthy_[index].load(); }

void UpstreamPool::MarkConsuming(size_t index, bool consuming) {
  consuming_[index].store(consuming);
}

bool UpstreamPool::consuming(size_t index) const { return consuming_[index].load(); }

bool UpstreamPool::AnyHealthy() const {
  for (size_t i = 0; i < endpoints_.size(); ++i) {
    if (healthy_[i].load()) return true;
  }
  return false;
}

}  // namespace tinysaga::gateway
