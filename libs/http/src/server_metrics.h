#pragma once
// Internal to libs/http: the server's Prometheus metrics.
//
// ServerMetrics registers the families once per server (prometheus-cpp hands back the existing
// family when another server in the process registered the same name). Each I/O thread owns a
// MetricsCache that remembers the metric objects per label set, so the hot path is a hash
// lookup on a reused key plus the metric update, with no registry lock.
// Thread safety: ServerMetrics is safe to share; a MetricsCache belongs to one thread.

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace prometheus {
class Counter;
class Histogram;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace tinysaga::http::internal {

class ServerMetrics {
 public:
  // `registry` may be null: then every call is a no-op.
  ServerMetrics(const std::shared_ptr<prometheus::Registry>& registry, std::string service);

  bool enabled() const { return requests_ != nullptr; }
  prometheus::Counter* RequestCounter(std::string_view route, std::string_view method,
                                      int status) const;
  prometheus::Histogram* DurationHistogram(std::string_view route) const;
  // Counts a request or connection turned away because a bound was hit.
  void CountRejected(std::string_view reason) const;

 private:
  std::string service_;
  prometheus::Family<prometheus::Counter>* requests_ = nullptr;
  prometheus::Family<prometheus::Histogram>* durations_ = nullptr;
  prometheus::Family<prometheus::Counter>* rejected_ = nullptr;
};

class MetricsCache {
 public:
  explicit MetricsCache(const ServerMetrics& metrics) : metrics_(metrics) {}
  void Record(std::string_view route, std::string_view method, int status, double duration_seconds);

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view text) const { return std::hash<std::string_view>()(text); }
  };
  template <typename T>
  using Map = std::unordered_map<std::string, T*, StringHash, std::equal_to<>>;

  const ServerMetrics& metrics_;
  std::string key_;  // reused so that a lookup allocates nothing
  Map<prometheus::Counter> counters_;
  Map<prometheus::Histogram> histograms_;
};

}  // namespace tinysaga::http::internal
