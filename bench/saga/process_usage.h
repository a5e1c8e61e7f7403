#pragma once
// What `tinysaga up`'s processes use while the bench runs: which processes to watch (from
// `up.json`), their CPU time and write syscalls from /proc, and the Kafka messages each
// published (its /metrics), sampled at the window's edges.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bench_stats.h"
#include "tinysaga/http/client.h"

namespace tinysaga::app::bench {

struct ProcessRef {
  std::string name;
  int64_t pid = 0;
  uint16_t port =
      0;  // where its /metrics is; 0: none to scrape (`up` itself, the bench, the gateway)
};

// DATA_DIR/up.json, what `tinysaga up` says of itself (its url, pid, children); nullopt when
// it cannot be read as an object.
std::optional<nlohmann::json> ReadUpStatus(const std::string& data_dir);

// `up` itself (its supervisor and the development broker it hosts), every child, and this
// process; empty when DATA_DIR/up.json cannot be read.
std::vector<ProcessRef> ProcessesToWatch(const std::string& data_dir);

// One process's counters at one moment. Each is nullopt when it could not be read.
struct ProcessSample {
  std::optional<uint64_t> cpu_ticks;
  std::optional<uint64_t> write_syscalls;
  std::optional<double> kafka_published;
  std::string metrics_error;  // why /metrics gave no count; "" when it answered
};
using ResourceSample = std::vector<ProcessSample>;  // one per ProcessRef, in order

ResourceSample SampleResources(const std::vector<ProcessRef>& processes, http::Client& control);

// What each process used between two samples, noting in `notes` what could not be counted
// (a process restarted meanwhile, an unreadable /proc file, a /metrics that did not answer).
std::vector<ProcessUsage> UsageOver(const std::vector<ProcessRef>& processes,
                                    const ResourceSample& before, const ResourceSample& after,
                                    const std::string& data_dir, std::vector<std::string>& notes);

}  // namespace tinysaga::app::bench
