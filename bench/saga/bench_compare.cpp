#include "bench_compare.h"

#include <cmath>
#include <cstdio>

namespace tinysaga::app::bench {
namespace {

std::string Format(const char* format, auto... values) {
  char line[256];
  std::snprintf(line, sizeof line, format, values...);
  return line;
}

// Right-aligned in `width`: the number with `format`, or "-" when unknown.
std::string Cell(std::optional<double> value, const char* format, int width) {
  const std::string text = value ? Format(format, *value) : "-";
  return Format("%*s", width, text.c_str());
}

// Rounded to a thousandth, as ReportJson does, so that the JSON carries no binary noise.
nlohmann::json NumberOrNull(std::optional<double> value) {
  if (!value) return nullptr;
  return std::round(*value * 1000.0) / 1000.0;
}

bool HasFailureFlow(const Mix& mix) {
  return mix.weight(Flow::kInsufficient) > 0 || mix.weight(Flow::kOutOfStock) > 0;
}

}  // namespace

ComparisonLine CompareRow(const Report& row) {
  ComparisonLine line{.concurrency = row.concurrency,
                      .sagas_per_second = row.sagas_per_second(),
                      .latency = row.latency,
                      .write_syscalls_per_saga = row.write_syscalls_per_saga(),
                      .kafka_messages_per_saga = row.kafka_messages_per_saga(),
                      .check = !row.check_ran     ? "-"
                               : row.check_passed ? "passed"
                                                  : "FAILED"};
  if (row.mix.weight(Flow::kPlaced) > 0 && HasFailureFlow(row.mix)) {
    line.placed_per_second = row.flow_per_second(Flow::kPlaced);
    line.failed_per_second =
        row.flow_per_second(Flow::kInsufficient) + row.flow_per_second(Flow::kOutOfStock);
  }
  if (!row.processes.empty() && row.completed > 0)
    line.cpu_ms_per_saga = row.system_cpu_ms_per_saga();
  return line;
}

std::string FormatComparison(const std::vector<Report>& rows) {
  std::string text = "comparison (one line per concurrency, in the order run):\n";
  text += Format("  %6s %9s %8s %8s %8s %9s %9s %12s %12s %16s  %s\n", "C", "sagas/s", "p50 ms",
                 "p90 ms", "p99 ms", "placed/s", "failed/s", "CPU ms/saga", "writes/saga",
                 "Kafka msgs/saga", "check");
  for (const Report& row : rows) {
    const ComparisonLine line = CompareRow(row);
    text += Format("  %6d %9.1f %8.2f %8.2f %8.2f ", line.concurrency, line.sagas_per_second,
                   line.latency.p50_ms, line.latency.p90_ms, line.latency.p99_ms);
    text += Cell(line.placed_per_second, "%.1f", 9) + " " +
            Cell(line.failed_per_second, "%.1f", 9) + " " + Cell(line.cpu_ms_per_saga, "%.3f", 12) +
            " " + Cell(line.write_syscalls_per_saga, "%.2f", 12) + " " +
            Cell(line.kafka_messages_per_saga, "%.2f", 16) + "  " + line.check + "\n";
  }
  text += "note: " + std::string(kFsyncNote) + "\n";
  return text;
}

nlohmann::json RunJson(const std::vector<Report>& rows) {
  nlohmann::json reports = nlohmann::json::array();
  nlohmann::json comparison = nlohmann::json::array();
  for (const Report& row : rows) {
    reports.push_back(ReportJson(row));
    const ComparisonLine line = CompareRow(row);
    comparison.push_back({
        {"concurrency", line.concurrency},
        {"sagasPerSecond", NumberOrNull(line.sagas_per_second)},
        {"p50Ms", NumberOrNull(line.latency.p50_ms)},
        {"p90Ms", NumberOrNull(line.latency.p90_ms)},
        {"p99Ms", NumberOrNull(line.latency.p99_ms)},
        {"placedPerSecond", NumberOrNull(line.placed_per_second)},
        {"failedPerSecond", NumberOrNull(line.failed_per_second)},
        {"cpuMsPerSaga", NumberOrNull(line.cpu_ms_per_saga)},
        {"writeSyscallsPerSaga", NumberOrNull(line.write_syscalls_per_saga)},
        {"kafkaMessagesPerSaga", NumberOrNull(line.kafka_messages_per_saga)},
        {"check", line.check},
    });
  }
  return {{"rows", reports},
          {"comparison", comparison},
          {"fsyncsPerSaga", nullptr},
          {"fsyncsNote", kFsyncNote}};
}

}  // namespace tinysaga::app::bench
