// The comparison of `tinysaga bench -c 1,16,64`'s rows: one line per row, in the order run,
// unknown figures shown as unknown, and no fsync figure that was not measured.

#include "bench_compare.h"

#include <gtest/gtest.h>

#include <sstream>

namespace tinysaga::app::bench {
namespace {

Report Row(int concurrency, uint64_t completed) {
  Report report;
  report.url = "http://127.0.0.1:8080";
  report.concurrency = concurrency;
  report.mix = *ParseMix("placed=90,insufficient=5,out-of-stock=5");
  report.window_seconds = 10;
  report.completed = completed;
  report.latency = {.count = completed, .p50_ms = 8.5, .p90_ms = 12, .p99_ms = 20.25};
  report.flows[0].completed = completed * 9 / 10;
  report.flows[1].completed = completed / 20;
  report.flows[2].completed = completed / 20;
  report.processes = {
      {.name = "order-1", .cpu_ms = 500, .write_syscalls = 3'000, .kafka_messages = 2'000},
      {.name = "bench", .cpu_ms = 100, .write_syscalls = 100}};
  report.check_ran = true;
  report.check_passed = true;
  return report;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream input(text);
  for (std::string line; std::getline(input, line);) lines.push_back(line);
  return lines;
}

TEST(CompareRowTest, TakesTheHeadlineFiguresOfARow) {
  const ComparisonLine line = CompareRow(Row(16, 1'000));
  EXPECT_EQ(line.concurrency, 16);
  EXPECT_DOUBLE_EQ(line.sagas_per_second, 100.0);
  EXPECT_DOUBLE_EQ(line.latency.p99_ms, 20.25);
  EXPECT_DOUBLE_EQ(*line.placed_per_second, 90.0);
  EXPECT_DOUBLE_EQ(*line.failed_per_second, 10.0);  // insufficient and out-of-stock together
  EXPECT_DOUBLE_EQ(*line.cpu_ms_per_saga, 0.5);     // the bench's own CPU left out
  EXPECT_DOUBLE_EQ(*line.write_syscalls_per_saga, 3.0);
  EXPECT_DOUBLE_EQ(*line.kafka_messages_per_saga, 2.0);
  EXPECT_EQ(line.check, "passed");
}

TEST(CompareRowTest, PlacedVersusFailedOnlyWhenTheMixHasBoth) {
  Report placed_only = Row(4, 100);
  placed_only.mix = *ParseMix("placed=1");
  EXPECT_EQ(CompareRow(placed_only).placed_per_second, std::nullopt);
  EXPECT_EQ(CompareRow(placed_only).failed_per_second, std::nullopt);
  Report failures_only = Row(4, 100);
  failures_only.mix = *ParseMix("insufficient=1,out-of-stock=1");
  EXPECT_EQ(CompareRow(failures_only).placed_per_second, std::nullopt);
  Report with_out_of_stock = Row(4, 100);
  with_out_of_stock.mix = *ParseMix("placed=1,out-of-stock=1");
  EXPECT_TRUE(CompareRow(with_out_of_stock).failed_per_second.has_value());
}

TEST(CompareRowTest, WhatWasNotMeasuredStaysUnknown) {
  Report row = Row(1, 0);  // no saga completed: nothing per saga
  EXPECT_EQ(CompareRow(row).cpu_ms_per_saga, std::nullopt);
  EXPECT_EQ(CompareRow(row).kafka_messages_per_saga, std::nullopt);
  row = Row(1, 10);
  row.processes.clear();  // no --data
  row.check_ran = false;
  EXPECT_EQ(CompareRow(row).cpu_ms_per_saga, std::nullopt);
  EXPECT_EQ(CompareRow(row).write_syscalls_per_saga, std::nullopt);
  EXPECT_EQ(CompareRow(row).check, "-");
  row.check_ran = true;
  row.check_passed = false;
  EXPECT_EQ(CompareRow(row).check, "FAILED");
}

TEST(FormatComparisonTest, OneLinePerRowInTheOrderRunUnderAHeader) {
  Report unmeasured = Row(64, 2'000);
  unmeasured.processes.clear();
  unmeasured.check_ran = false;
  const std::string table = FormatComparison({Row(1, 170), Row(16, 1'000), unmeasured});
  const auto lines = Lines(table);
  ASSERT_EQ(lines.size(), 6u) << table;  // title, header, three rows, the fsync note
  for (const char* column : {"C", "sagas/s", "p50 ms", "p90 ms", "p99 ms", "placed/s", "failed/s",
                             "CPU ms/saga", "writes/saga", "Kafka msgs/saga", "check"}) {
    EXPECT_NE(lines[1].find(column), std::string::npos) << column;
  }
  EXPECT_EQ(lines[1].find("fsync"), std::string::npos) << "no fsync column: not measured";
  EXPECT_EQ(lines[2],
            "       1      17.0     8.50    12.00    20.25      15.3       1.6        2.941"
            "        17.65            11.76  passed");
  EXPECT_EQ(lines[3],
            "      16     100.0     8.50    12.00    20.25      90.0      10.0        0.500"
            "         3.00             2.00  passed");
  EXPECT_EQ(lines[4],
            "      64     200.0     8.50    12.00    20.25     180.0      20.0            -"
            "            -                -  -");
  EXPECT_TRUE(lines[5].starts_with("note: fsyncs per saga are not measured")) << lines[5];
}

TEST(FormatComparisonTest, TheColumnsLineUpWithTheHeader) {
  const auto lines = Lines(FormatComparison({Row(1, 170), Row(4096, 100'000)}));
  // Right-aligned numbers end where their header ends.
  for (const char* column : {"sagas/s", "p99 ms", "CPU ms/saga", "Kafka msgs/saga"}) {
    const size_t end = lines[1].find(column) + std::string_view(column).size();
    for (size_t row = 2; row <= 3; ++row) {
      ASSERT_GT(lines[row].size(), end) << lines[row];
      EXPECT_NE(lines[row][end - 1], ' ') << column << " in\n" << lines[row];
      EXPECT_EQ(lines[row][end], ' ') << column << " in\n" << lines[row];
    }
  }
}

TEST(RunJsonTest, HoldsEveryRowAndTheComparison) {
  Report unmeasured = Row(64, 2'000);
  unmeasured.processes.clear();
  const nlohmann::json json = RunJson({Row(1, 170), unmeasured});
  ASSERT_EQ(json["rows"].size(), 2u);
  EXPECT_EQ(json["rows"][1]["config"]["concurrency"], 64);
  ASSERT_EQ(json["comparison"].size(), 2u);
  EXPECT_EQ(json["comparison"][0]["concurrency"], 1);
  EXPECT_DOUBLE_EQ(json["comparison"][0]["sagasPerSecond"].get<double>(), 17.0);
  EXPECT_DOUBLE_EQ(json["comparison"][0]["cpuMsPerSaga"].get<double>(), 2.941);
  EXPECT_TRUE(json["comparison"][1]["cpuMsPerSaga"].is_null());
  EXPECT_TRUE(json["comparison"][1]["kafkaMessagesPerSaga"].is_null());
  EXPECT_TRUE(json["fsyncsPerSaga"].is_null());
  EXPECT_NE(json["fsyncsNote"].get<std::string>().find("not measured"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(json.dump()), json);
}

}  // namespace
}  // namespace tinysaga::app::bench
