#pragma once
// `tinysaga bench -c 1,16,64` runs one row per concurrency level; this puts the rows side by
// side: one comparison line per row, as a table for stdout and, with every row's report, as
// the JSON of --json. Pure, like bench_stats.h: tested in tests/bench_compare_test.cpp.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bench_stats.h"

namespace tinysaga::app::bench {

// Why the comparison has no fsyncs column: said in the table, the JSON and the HTML report,
// so that nobody reads the write syscalls as fsyncs.
inline constexpr std::string_view kFsyncNote =
    "fsyncs per saga are not measured: Linux keeps no per-process count of fsync calls "
    "(/proc/<pid>/io counts write syscalls and bytes, not syncs), and tracing them needs "
    "privileges the bench does not assume. 'writes/saga' is write-family syscalls of every "
    "kind (files, pipes, eventfds) from /proc/<pid>/io syscw, not fsyncs.";

// A row's headline figures. Optional figures are nullopt when not measured.
struct ComparisonLine {
  int concurrency = 0;
  double sagas_per_second = 0;
  LatencySummary latency;  // all flows
  // Sagas per second of the placed flow and of the failure flows (insufficient funds and out
  // of stock) together; both set only when the mix has the placed flow and a failure flow.
  std::optional<double> placed_per_second;
  std::optional<double> failed_per_second;
  std::optional<double> cpu_ms_per_saga;  // the system's processes, the bench's own left out
  std::optional<double> write_syscalls_per_saga;
  std::optional<double> kafka_messages_per_saga;
  std::string check;  // "passed", "FAILED" or "-" (not run)
};

ComparisonLine CompareRow(const Report& row);

// The table printed after every row's own report: a header, one line per row in run order,
// and kFsyncNote.
std::string FormatComparison(const std::vector<Report>& rows);

// --json: {"rows": [ReportJson...], "comparison": [line...], "fsyncsPerSaga": null,
// "fsyncsNote": kFsyncNote}.
nlohmann::json RunJson(const std::vector<Report>& rows);

}  // namespace tinysaga::app::bench
