#include "process_usage.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

namespace tinysaga::app::bench {
namespace {

using nlohmann::json;

std::optional<std::string> ReadProcFile(int64_t pid, const char* name) {
  std::ifstream file("/proc/" + std::to_string(pid) + "/" + name);
  if (!file) return std::nullopt;
  std::stringstream text;
  text << file.rdbuf();  // a read refused (/proc/<pid>/io of another user's process): empty
  return text.str();
}

// tinysaga_outbox_published_total at `port`'s /metrics (not guarded: it needs no internal
// credential). nullopt with `error` empty when it answered without the counter (a process
// without an outbox, the gateway).
std::optional<double> ScrapeKafkaPublished(http::Client& control, uint16_t port,
                                           std::string& error) {
  // Short: a process that is down has its requests wait for its restart (`up` keeps its
  // socket), and the window's edge must not wait long for it.
  constexpr auto kMetricsTimeout = std::chrono::seconds(1);
  auto response = control.SendAndWait({.host = "127.0.0.1", .port = port},
                                      {.method = "GET", .target = "/metrics"}, kMetricsTimeout);
  if (!response.ok()) {
    error = response.error().detail;
    return std::nullopt;
  }
  if (response->status != 200) {
    error = "HTTP " + std::to_string(response->status);
    return std::nullopt;
  }
  return ParsePrometheusSum(response->body, "tinysaga_outbox_published_total");
}

// after - before, or nullopt when either is unknown or the counter went backwards (the
// process restarted and counts from zero again).
std::optional<uint64_t> Delta(std::optional<uint64_t> before, std::optional<uint64_t> after) {
  if (!before || !after || *after < *before) return std::nullopt;
  return *after - *before;
}

std::optional<uint64_t> Whole(std::optional<double> value) {
  if (!value || *value < 0) return std::nullopt;
  return static_cast<uint64_t>(std::llround(*value));
}

// The Kafka messages a process published in the window, noting in `notes` why not if a
// process with /metrics cannot tell.
std::optional<uint64_t> KafkaOver(const ProcessRef& process, const ProcessSample& before,
                                  const ProcessSample& after, std::vector<std::string>& notes) {
  const std::string& error =
      before.metrics_error.empty() ? after.metrics_error : before.metrics_error;
  if (!error.empty()) {
    notes.push_back(process.name + ": /metrics did not answer (" + error +
                    "): its Kafka messages are not counted");
    return std::nullopt;
  }
  const auto messages = Delta(Whole(before.kafka_published), Whole(after.kafka_published));
  if (!messages && before.kafka_published && after.kafka_published)
    notes.push_back(process.name +
                    ": its outbox counter went backwards (restarted): its Kafka "
                    "messages are not counted");
  return messages;
}

}  // namespace

std::optional<json> ReadUpStatus(const std::string& data_dir) {
  std::ifstream file(std::filesystem::path(data_dir) / "up.json");
  if (!file) return std::nullopt;
  auto status = json::parse(file, nullptr, false);
  if (!status.is_object()) return std::nullopt;
  return status;
}

// `up` itself (its supervisor and the development broker it hosts), every child, and this
// process.
std::vector<ProcessRef> ProcessesToWatch(const std::string& data_dir) {
  std::vector<ProcessRef> processes;
  try {
    if (auto status = ReadUpStatus(data_dir)) {
      if (status->contains("pid"))
        processes.push_back({"up (broker)", status->value("pid", int64_t{0})});
      for (const auto& child : status->value("processes", json::array())) {
        const std::string name = child.value("name", "?");
        // The gateway has no outbox, and its /metrics is for admin tokens only: not scraped.
        const uint16_t port = name.starts_with("gateway") ? 0 : child.value("port", uint16_t{0});
        processes.push_back({name, child.value("pid", int64_t{0}), port});
      }
    }
  } catch (const json::exception& error) {  // a field of another type: no figures
    std::fprintf(stderr, "bench: cannot read %s/up.json: %s\n", data_dir.c_str(), error.what());
    processes.clear();
  }
  if (!processes.empty())
    processes.push_back({std::string(kBenchProcessName), static_cast<int64_t>(getpid())});
  return processes;
}

ResourceSample SampleResources(const std::vector<ProcessRef>& processes, http::Client& control) {
  ResourceSample sample;
  for (const auto& process : processes) {
    ProcessSample& now = sample.emplace_back();
    if (auto stat = ReadProcFile(process.pid, "stat")) now.cpu_ticks = ParseProcStatCpuTicks(*stat);
    if (auto io = ReadProcFile(process.pid, "io"))
      now.write_syscalls = ParseProcIoField(*io, "syscw");
    if (process.port != 0)
      now.kafka_published = ScrapeKafkaPublished(control, process.port, now.metrics_error);
  }
  return sample;
}

std::vector<ProcessUsage> UsageOver(const std::vector<ProcessRef>& processes,
                                    const ResourceSample& before, const ResourceSample& after,
                                    const std::string& data_dir, std::vector<std::string>& notes) {
  // A child `up` restarted during the window has another pid now: its time is partly lost.
  std::map<std::string, int64_t> pids_now;
  for (const auto& process : ProcessesToWatch(data_dir)) pids_now[process.name] = process.pid;
  const double ms_per_tick = 1000.0 / static_cast<double>(sysconf(_SC_CLK_TCK));
  std::vector<ProcessUsage> used;
  bool metrics_failed = false;
  for (size_t i = 0; i < processes.size(); ++i) {
    metrics_failed |= !before[i].metrics_error.empty() || !after[i].metrics_error.empty();
    const auto ticks = Delta(before[i].cpu_ticks, after[i].cpu_ticks);
    ProcessUsage usage{
        .name = processes[i].name,
        .pid = processes[i].pid,
        .cpu_ms = ticks ? static_cast<double>(*ticks) * ms_per_tick : 0.0,
        .restarted = !ticks || pids_now[processes[i].name] != processes[i].pid,
        .write_syscalls = Delta(before[i].write_syscalls, after[i].write_syscalls),
    };
    if (!usage.write_syscalls && ticks)
      notes.push_back(usage.name + ": /proc/" + std::to_string(usage.pid) +
                      "/io not readable: its write syscalls are not counted");
    if (processes[i].port != 0)
      usage.kafka_messages = KafkaOver(processes[i], before[i], after[i], notes);
    used.push_back(std::move(usage));
  }
  const bool any_kafka = std::any_of(
      used.begin(), used.end(), [](const ProcessUsage& usage) { return usage.kafka_messages; });
  if (!used.empty() && !any_kafka && !metrics_failed)
    notes.push_back(
        "no process's /metrics exported tinysaga_outbox_published_total: Kafka "
        "messages are not counted");
  return used;
}

}  // namespace tinysaga::app::bench
