#include "server_metrics.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

namespace tinysaga::http::internal {
namespace {

// Request latencies from 0.5 ms to 10 s: a trivial route takes well under a millisecond, a
// saga step that waits on a retried dependency takes seconds.
const prometheus::Histogram::BucketBoundaries& Buckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return kBuckets;
}

}  // namespace

ServerMetrics::ServerMetrics(const std::shared_ptr<prometheus::Registry>& registry,
                             std::string service)
    : service_(std::move(service)) {
  if (!registry) return;
  requests_ = &prometheus::BuildCounter()
                   .Name("http_requests_total")
                   .Help("HTTP requests served, by route pattern, method and status")
                   .Register(*registry);
  durations_ = &prometheus::BuildHistogram()
                    .Name("http_request_duration_seconds")
                    .Help("Time from a request's first byte to its response written")
                    .Register(*registry);
  rejected_ = &prometheus::BuildCounter()
                   .Name("http_rejected_total")
                   .Help("Requests and connections refused because a server bound was hit")
                   .Register(*registry);
}

prometheus::Counter* ServerMetrics::RequestCounter(std::string_view route, std::string_view method,
                                                   int status) const {
  if (!enabled()) return nullptr;
  return &requests_->Add({{"service", service_},
                          {"route", std::string(route)},
                          {"method", std::string(method)},
                          {"status", std::to_string(status)}});
}

prometheus::Histogram* ServerMetrics::DurationHistogram(std::string_view route) const {
  if (!enabled()) return nullptr;
  return &durations_->Add({{"service", service_}, {"route", std::string(route)}}, Buckets());
}

void ServerMetrics::CountRejected(std::string_view reason) const {
  if (!enabled()) return;
  rejected_->Add({{"service", service_}, {"reason", std::string(reason)}}).Increment();
}

void MetricsCache::Record(std::string_view route, std::string_view method, int status,
                          double duration_seconds) {
  if (!metrics_.enabled()) return;
  key_.assign(route).append(1, '\n').append(method).append(1, '\n').append(std::to_string(status));
  auto counter = counters_.find(std::string_view(key_));
  if (counter == counters_.end()) {
    counter = counters_.emplace(key_, metrics_.RequestCounter(route, method, status)).first;
  }
  counter->second->Increment();

  auto histogram = histograms_.find(route);
  if (histogram == histograms_.end()) {
    histogram = histograms_.emplace(std::string(route), metrics_.DurationHistogram(route)).first;
  }
  histogram->second->Observe(duration_seconds);
}

}  // namespace tinysaga::http::internal
