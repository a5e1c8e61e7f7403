// The pure parts of `tinysaga bench`: histogram percentiles, the mix, /proc parsing, server-
// sent events and the report.

#include "bench_stats.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

namespace tinysaga::app::bench {
namespace {

// ---- LatencyHistogram ------------------------------------------------------------------

TEST(LatencyHistogramTest, AnEmptyHistogramReportsZeros) {
  LatencyHistogram histogram;
  EXPECT_EQ(histogram.count(), 0u);
  EXPECT_EQ(histogram.PercentileUs(50), 0);
  EXPECT_EQ(histogram.PercentileUs(100), 0);
  EXPECT_EQ(histogram.max_us(), 0);
  EXPECT_EQ(histogram.min_us(), 0);
  EXPECT_EQ(histogram.mean_us(), 0.0);
}

TEST(LatencyHistogramTest, SmallValuesAreExact) {
  LatencyHistogram histogram;
  for (int64_t value = 1; value <= 100; ++value) histogram.Record(value);
  EXPECT_EQ(histogram.PercentileUs(50), 50);
  EXPECT_EQ(histogram.PercentileUs(90), 90);
  EXPECT_EQ(histogram.PercentileUs(99), 99);
  EXPECT_EQ(histogram.PercentileUs(100), 100);
  EXPECT_EQ(histogram.PercentileUs(0), 1);  // the smallest value, not 0
  EXPECT_EQ(histogram.min_us(), 1);
  EXPECT_EQ(histogram.max_us(), 100);
  EXPECT_DOUBLE_EQ(histogram.mean_us(), 50.5);
}

TEST(LatencyHistogramTest, BucketsTileTheRangeWithoutGapsAndWithBoundedWidth) {
  EXPECT_EQ(LatencyHistogram::BucketLowUs(0), 0);
  for (size_t bucket = 0; bucket + 1 < LatencyHistogram::kBucketCount; ++bucket) {
    const int64_t low = LatencyHistogram::BucketLowUs(bucket);
    const int64_t high = LatencyHistogram::BucketHighUs(bucket);
    ASSERT_LE(low, high) << bucket;
    ASSERT_EQ(LatencyHistogram::BucketLowUs(bucket + 1), high + 1) << bucket;
    ASSERT_EQ(LatencyHistogram::BucketOf(low), bucket);
    ASSERT_EQ(LatencyHistogram::BucketOf(high), bucket);
    // At most 1/128 of the bucket's lowest value wide: the precision promised.
    if (low >= LatencyHistogram::kLinearLimit) {
      ASSERT_LE(high - low + 1, low / 128) << bucket;
    }
  }
  EXPECT_EQ(LatencyHistogram::BucketOf(INT64_MAX), LatencyHistogram::kBucketCount - 1);
  EXPECT_EQ(LatencyHistogram::BucketHighUs(LatencyHistogram::kBucketCount - 1), INT64_MAX);
}

TEST(LatencyHistogramTest, PercentilesAreWithinThePrecisionOfExactOnes) {
  std::mt19937_64 random(42);
  std::lognormal_distribution<double> latency_us(std::log(5'000.0), 0.8);
  std::vector<int64_t> values;
  LatencyHistogram histogram;
  for (int i = 0; i < 100'000; ++i) {
    values.push_back(static_cast<int64_t>(latency_us(random)));
    histogram.Record(values.back());
  }
  std::sort(values.begin(), values.end());
  for (double percent : {1.0, 25.0, 50.0, 90.0, 99.0, 99.9, 100.0}) {
    const auto rank =
        static_cast<size_t>(std::ceil(percent / 100.0 * static_cast<double>(values.size())));
    const int64_t exact = values[std::max<size_t>(rank, 1) - 1];
    const int64_t reported = histogram.PercentileUs(percent);
    EXPECT_GE(reported, exact) << percent;  // the bucket's highest value: never understated
    EXPECT_LE(static_cast<double>(reported), static_cast<double>(exact) * (1.0 + 1.0 / 128) + 1)
        << percent;
  }
  EXPECT_EQ(histogram.PercentileUs(100), values.back());
  EXPECT_EQ(histogram.max_us(), values.back());
}

TEST(LatencyHistogramTest, NegativeValuesCountAsZeroAndHugeOnesFit) {
  LatencyHistogram histogram;
  histogram.Record(-5);
  histogram.Record(INT64_MAX / 2);
  EXPECT_EQ(histogram.count(), 2u);
  EXPECT_EQ(histogram.min_us(), 0);
  EXPECT_EQ(histogram.PercentileUs(50), 0);
  EXPECT_EQ(histogram.PercentileUs(100), INT64_MAX / 2);
}

TEST(LatencyHistogramTest, MergeAddsCountsAndKeepsExtremes) {
  LatencyHistogram a, b, both;
  for (int64_t value : {10, 20, 30}) {
    a.Record(value);
    both.Record(value);
  }
  for (int64_t value : {5, 40'000}) {
    b.Record(value);
    both.Record(value);
  }
  a.Merge(b);
  a.Merge(LatencyHistogram());
  EXPECT_EQ(a.count(), 5u);
  EXPECT_EQ(a.min_us(), 5);
  EXPECT_EQ(a.max_us(), 40'000);
  for (double percent : {20.0, 50.0, 80.0, 100.0})
    EXPECT_EQ(a.PercentileUs(percent), both.PercentileUs(percent));
}

TEST(LatencyHistogramTest, SummaryIsInMilliseconds) {
  LatencyHistogram histogram;
  for (int i = 0; i < 99; ++i) histogram.Record(2'000);
  histogram.Record(30'000);
  const LatencySummary summary = Summarize(histogram);
  EXPECT_EQ(summary.count, 100u);
  EXPECT_NEAR(summary.p50_ms, 2.0, 2.0 / 128);
  EXPECT_NEAR(summary.p99_ms, 2.0, 2.0 / 128);
  EXPECT_DOUBLE_EQ(summary.max_ms, 30.0);
  EXPECT_NEAR(summary.mean_ms, 2.28, 1e-9);
}

TEST(RecentMedianTest, FollowsTheLastValuesAndIgnoresAnOutlier) {
  RecentMedian median(4);
  EXPECT_EQ(median.Median(), std::nullopt);
  median.Add(10);
  EXPECT_EQ(median.Median(), 10);
  median.Add(5'000'000);  // one stall
  median.Add(12);
  EXPECT_EQ(median.Median(), 12);
  for (int i = 0; i < 3; ++i) median.Add(100);  // a real change, once it holds
  EXPECT_EQ(median.Median(), 100);
}

// ---- One saga's durations -------------------------------------------------------------

SagaTimeline Timeline() {
  return SagaTimeline{.started_us = 1'000'000,
                      .created_us = 1'002'000,
                      .pay_sent_us = 1'002'000,
                      .paid_us = 1'007'000,
                      .committed_us = 1'030'000,  // updatedAt ...:01.030Z
                      .seen_us = 1'036'000};
}

TEST(DurationsTest, TheTotalRunsToTheCommitNotToThePoll) {
  const SagaDurations durations = Durations(Timeline());
  EXPECT_EQ(durations.create_us, 2'000);
  EXPECT_EQ(durations.pay_us, 5'000);
  // The commit is within [30, 31) ms: counted at its middle.
  EXPECT_EQ(durations.total_us, 30'500);
  EXPECT_EQ(durations.settle_us, 23'500);
  EXPECT_EQ(durations.detect_us, 5'500);
}

TEST(DurationsTest, AnOrderFailedBeforeThePaymentAnsweredSettlesInNoTime) {
  SagaTimeline timeline = Timeline();
  timeline.committed_us = 1'004'000;  // FAILED (insufficient funds) before the 402 arrived
  const SagaDurations durations = Durations(timeline);
  EXPECT_EQ(durations.total_us, 4'500);
  EXPECT_EQ(durations.settle_us, 0);
  EXPECT_EQ(durations.detect_us, 31'500);
}

TEST(DurationsTest, AnImpossibleOrUnknownCommitTimeFallsBackToTheTimeSeen) {
  for (int64_t committed_us : {int64_t{0}, int64_t{900'000}, int64_t{1'040'000}}) {
    SagaTimeline timeline = Timeline();
    timeline.committed_us = committed_us;
    const SagaDurations durations = Durations(timeline);
    EXPECT_EQ(durations.total_us, 36'000) << committed_us;
    EXPECT_EQ(durations.detect_us, 0) << committed_us;
  }
  // Within the millisecond's rounding of the moment seen: clamped to it.
  SagaTimeline timeline = Timeline();
  timeline.committed_us = 1'036'000;
  EXPECT_EQ(Durations(timeline).total_us, 36'000);
  EXPECT_EQ(Durations(timeline).detect_us, 0);
}

// ---- Where the time went --------------------------------------------------------------

TEST(SagaBreakdownTest, NamesEachGapOfTheOrderAndTheSaga) {
  const auto order = nlohmann::json::parse(R"({"status":"PLACED","history":[
      {"at":"2026-11-24T09:27:07.969Z","status":"INITIATED"},
      {"at":"2026-11-24T09:27:07.973Z","status":"PAYMENT_PENDING"},
      {"at":"2026-11-24T09:27:08.127Z","status":"PAYMENT_DONE"},
      {"at":"2026-11-24T09:27:08.199Z","status":"PLACED"}]})");
  const auto saga = nlohmann::json::parse(R"({"startedAt":"2026-11-24T09:27:08.072Z",
      "updatedAt":"2026-11-24T09:27:08.208Z","steps":[
      {"name":"order","status":"SUCCEEDED","startedAt":"2026-11-24T09:27:08.072Z","endedAt":"2026-11-24T09:27:08.072Z"},
      {"name":"charge_wallet","status":"SUCCEEDED","startedAt":"2026-11-24T09:27:08.072Z","endedAt":"2026-11-24T09:27:08.085Z"},
      {"name":"reserve_stock","status":"SUCCEEDED","startedAt":"2026-11-24T09:27:08.148Z","endedAt":"2026-11-24T09:27:08.189Z"},
      {"name":"order_placed","status":"SKIPPED","startedAt":null,"endedAt":null}]})");
  const std::vector<std::pair<std::string, int64_t>> expected = {
      {"order INITIATED -> PAYMENT_PENDING", 4'000},
      {"order PAYMENT_PENDING -> PAYMENT_DONE", 154'000},
      {"order PAYMENT_DONE -> PLACED", 72'000},
      {"saga started after PAYMENT_PENDING", 99'000},
      {"step order", 0},
      {"wait before step charge_wallet", 0},
      {"step charge_wallet", 13'000},
      {"wait before step reserve_stock", 63'000},
      {"step reserve_stock", 41'000},
      {"saga ended after the order", 9'000},
  };
  EXPECT_EQ(SagaBreakdown(order, saga), expected);
}

TEST(SagaBreakdownTest, CompensatedStepsAreNamedAndAMissingSagaIsFine) {
  const auto order = nlohmann::json::parse(R"({"history":[
      {"at":"2026-11-24T09:27:07.670Z","status":"INITIATED"},
      {"at":"bad","status":"PAYMENT_PENDING"},
      {"at":"2026-11-24T09:27:08.262Z","status":"FAILED"}]})");
  const auto saga = nlohmann::json::parse(R"({"steps":[
      {"name":"charge_wallet","status":"COMPENSATED","startedAt":"2026-11-24T09:27:07.876Z","endedAt":"2026-11-24T09:27:08.256Z"}]})");
  const std::vector<std::pair<std::string, int64_t>> expected = {
      {"order INITIATED -> FAILED", 592'000},
      {"step charge_wallet (COMPENSATED)", 380'000},
  };
  EXPECT_EQ(SagaBreakdown(order, saga), expected);
  EXPECT_EQ(SagaBreakdown(order, nullptr).size(), 1u);
  EXPECT_TRUE(SagaBreakdown(nullptr, nullptr).empty());
}

// ---- The mix ---------------------------------------------------------------------------

TEST(MixTest, ParsesTheDefault) {
  auto mix = ParseMix("placed=90,insufficient=5,out-of-stock=5");
  ASSERT_TRUE(mix.ok()) << mix.error().detail;
  EXPECT_EQ(mix->weight(Flow::kPlaced), 90u);
  EXPECT_EQ(mix->weight(Flow::kInsufficient), 5u);
  EXPECT_EQ(mix->weight(Flow::kOutOfStock), 5u);
  EXPECT_EQ(mix->total(), 100u);
  EXPECT_EQ(mix->ToString(), "placed=90,insufficient=5,out-of-stock=5");
}

TEST(MixTest, LeftOutFlowsWeighNothingAndOrderDoesNotMatter) {
  auto mix = ParseMix("out-of-stock=1,placed=3");
  ASSERT_TRUE(mix.ok()) << mix.error().detail;
  EXPECT_EQ(mix->weight(Flow::kPlaced), 3u);
  EXPECT_EQ(mix->weight(Flow::kInsufficient), 0u);
  EXPECT_EQ(mix->weight(Flow::kOutOfStock), 1u);
}

TEST(MixTest, RejectsWhatItCannotReadAndSaysWhy) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty"},
      {"placed", "has no '='"},
      {"placed=90,refunded=10", "unknown flow 'refunded'"},
      {"placed=1,placed=2", "appears twice"},
      {"placed=-1", "must be an integer"},
      {"placed=1.5", "must be an integer"},
      {"placed=", "must be an integer"},
      {"placed=99999999999", "must be an integer"},
      {"placed=0,insufficient=0", "add up to 0"},
      {"placed=1000000,insufficient=1", "more than"},
      {"placed=90,", "has no '='"},
      {" placed=90", "unknown flow ' placed'"},
  };
  for (const auto& [text, reason] : cases) {
    auto mix = ParseMix(text);
    ASSERT_FALSE(mix.ok()) << text;
    EXPECT_EQ(mix.error().code, Errc::kInvalidRequest);
    EXPECT_NE(mix.error().detail.find(reason), std::string::npos)
        << text << ": " << mix.error().detail;
    // Every message says what is allowed.
    EXPECT_NE(mix.error().detail.find("placed, insufficient, out-of-stock"), std::string::npos)
        << mix.error().detail;
  }
}

TEST(MixTest, TheScheduleHoldsTheWeightsReducedAndSpreadEvenly) {
  auto schedule = MixSchedule(*ParseMix("placed=90,insufficient=5,out-of-stock=5"));
  ASSERT_EQ(schedule.size(), 20u);  // divided by 5
  EXPECT_EQ(std::count(schedule.begin(), schedule.end(), Flow::kPlaced), 18);
  EXPECT_EQ(std::count(schedule.begin(), schedule.end(), Flow::kInsufficient), 1);
  EXPECT_EQ(std::count(schedule.begin(), schedule.end(), Flow::kOutOfStock), 1);
  // Spread: the two failure flows are not next to each other (not "18 placed, then the rest").
  const auto insufficient =
      std::find(schedule.begin(), schedule.end(), Flow::kInsufficient) - schedule.begin();
  const auto out_of_stock =
      std::find(schedule.begin(), schedule.end(), Flow::kOutOfStock) - schedule.begin();
  EXPECT_GE(std::abs(insufficient - out_of_stock), 5);

  auto halves = MixSchedule(*ParseMix("placed=1,insufficient=1"));
  EXPECT_EQ(halves, (std::vector<Flow>{Flow::kPlaced, Flow::kInsufficient}));
  EXPECT_EQ(MixSchedule(*ParseMix("out-of-stock=7")), std::vector<Flow>{Flow::kOutOfStock});
}

TEST(MixTest, EveryFlowHasItsExpectedOutcome) {
  EXPECT_EQ(ExpectedStatus(Flow::kPlaced), "PLACED");
  EXPECT_EQ(ExpectedPaymentStatus(Flow::kPlaced), 200);
  EXPECT_EQ(ExpectedStatus(Flow::kInsufficient), "FAILED");
  EXPECT_EQ(ExpectedStatusInfo(Flow::kInsufficient), "insufficient funds");
  EXPECT_EQ(ExpectedPaymentStatus(Flow::kInsufficient), 402);
  EXPECT_EQ(ExpectedStatus(Flow::kOutOfStock), "FAILED");
  EXPECT_EQ(ExpectedStatusInfo(Flow::kOutOfStock), "out of stock, payment refunded");
  EXPECT_EQ(ExpectedPaymentStatus(Flow::kOutOfStock), 200);
  EXPECT_TRUE(IsSettledStatus("PLACED"));
  EXPECT_TRUE(IsSettledStatus("DELIVERED"));
  EXPECT_FALSE(IsSettledStatus("PAYMENT_DONE"));
  EXPECT_FALSE(IsSettledStatus(""));
}

// ---- /proc/<pid>/stat ------------------------------------------------------------------

TEST(ProcStatTest, AddsUserAndSystemTicks) {
  const std::string stat =
      "4242 (tinysaga) S 1 4242 4242 0 -1 4194560 1234 0 0 0 250 75 0 0 20 0 9 0 100 200000000 "
      "3000";
  EXPECT_EQ(ParseProcStatCpuTicks(stat), 325u);
}

TEST(ProcStatTest, ACommandNameWithSpacesAndParenthesesIsSkipped) {
  const std::string stat = "7 (a (weird) name ) R 1 7 7 0 -1 0 0 0 0 0 11 22 0 0 20 0 1 0 5 1 1\n";
  EXPECT_EQ(ParseProcStatCpuTicks(stat), 33u);
}

TEST(ProcStatTest, RejectsWhatIsNotAStatLine) {
  EXPECT_EQ(ParseProcStatCpuTicks(""), std::nullopt);
  EXPECT_EQ(ParseProcStatCpuTicks("12 (short) S 1 2 3"), std::nullopt);
  EXPECT_EQ(ParseProcStatCpuTicks("no parentheses at all 1 2 3 4 5 6 7 8 9 10 11 12 13"),
            std::nullopt);
  EXPECT_EQ(ParseProcStatCpuTicks("1 (x) S 1 1 1 0 -1 0 0 0 0 0 ab 2 0"), std::nullopt);
}

// ---- Problems and server-sent events ---------------------------------------------------

TEST(ProblemSlugTest, TakesTheLastSegmentOfTheType) {
  EXPECT_EQ(ProblemSlug(R"({"type":"https://tinysaga.dev/problems/rate-limited","status":429})"),
            "rate-limited");
  EXPECT_EQ(ProblemSlug(R"({"type":"not-found"})"), "not-found");
  EXPECT_EQ(ProblemSlug("<html>"), "");
  EXPECT_EQ(ProblemSlug(R"({"orderId":"o1"})"), "");
}

TEST(ServerSentEventsTest, TakesCompleteEventsAndKeepsThePartialOne) {
  std::string buffer =
      "event: order\nid: 1\ndata: {\"status\":\"PAYMENT_DONE\"}\n\n"
      ": keepalive\n\n"
      "event: saga\r\nid: 2\r\ndata: {}\r\n\r\n"
      "event: order\nid: 3\ndata: {\"sta";
  auto events = TakeServerSentEvents(buffer);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].event, "order");
  EXPECT_EQ(events[0].data, R"({"status":"PAYMENT_DONE"})");
  EXPECT_EQ(events[1].event, "saga");
  EXPECT_EQ(events[1].data, "{}");
  EXPECT_EQ(buffer, "event: order\nid: 3\ndata: {\"sta");

  buffer += "tus\":\"PLACED\"}\n\ndata: a\ndata: b\n\n";
  events = TakeServerSentEvents(buffer);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].data, R"({"status":"PLACED"})");
  EXPECT_EQ(events[1].event, "message");
  EXPECT_EQ(events[1].data, "a\nb");
  EXPECT_TRUE(buffer.empty());
}

// ---- The report ------------------------------------------------------------------------

Report SampleReport() {
  Report report;
  report.url = "http://127.0.0.1:8080";
  report.concurrency = 16;
  report.users = 64;
  report.products = 1'000;
  report.warmup_seconds = 3;
  report.wait_mode = "poll";
  report.mix = *ParseMix("placed=90,insufficient=5,out-of-stock=5");
  report.window_seconds = 10;
  report.completed = 1'000;
  report.latency = {
      .count = 1'000, .p50_ms = 8.5, .p90_ms = 12, .p99_ms = 20.25, .max_ms = 31, .mean_ms = 9};
  report.phases = {{"create", {.count = 1'000, .p50_ms = 1}}, {"pay", {}}, {"settle", {}}};
  report.flows[0] = {.completed = 900, .mismatches = 1, .latency = {.count = 900, .p50_ms = 8}};
  report.flows[1] = {.completed = 50};
  report.flows[2] = {.completed = 50};
  report.mismatches = {{"placed: ended FAILED (insufficient funds)", 1}};
  report.errors = {{"pay: HTTP 503 service-unavailable", 2}, {"wait: no answer in time", 1}};
  report.requests = 4'000;
  report.polls = 1'500;
  report.processes = {{.name = "order-1",
                       .pid = 10,
                       .cpu_ms = 300,
                       .write_syscalls = 4'000,
                       .kafka_messages = 2'000},
                      {.name = "up (broker)", .pid = 9, .cpu_ms = 200, .write_syscalls = 1'000},
                      {.name = "bench", .pid = 11, .cpu_ms = 100, .write_syscalls = 9'999}};
  report.check_ran = true;
  report.check_passed = true;
  return report;
}

TEST(ReportTest, TheJsonHoldsEveryNumber) {
  const nlohmann::json json = ReportJson(SampleReport());
  EXPECT_EQ(json["config"]["concurrency"], 16);
  EXPECT_EQ(json["config"]["users"], 64);
  EXPECT_EQ(json["config"]["products"], 1'000);
  EXPECT_EQ(json["config"]["mix"], "placed=90,insufficient=5,out-of-stock=5");
  EXPECT_EQ(json["completed"], 1'000);
  EXPECT_DOUBLE_EQ(json["sagasPerSecond"].get<double>(), 100.0);
  EXPECT_DOUBLE_EQ(json["latencyMs"]["p99"].get<double>(), 20.25);
  EXPECT_EQ(json["flows"]["placed"]["completed"], 900);
  EXPECT_EQ(json["flows"]["placed"]["mismatches"], 1);
  EXPECT_DOUBLE_EQ(json["flows"]["out-of-stock"]["sagasPerSecond"].get<double>(), 5.0);
  EXPECT_EQ(json["phasesMs"]["create"]["count"], 1'000);
  EXPECT_EQ(json["mismatchesTotal"], 1);
  EXPECT_EQ(json["errorsTotal"], 3);
  EXPECT_EQ(json["errors"]["pay: HTTP 503 service-unavailable"], 2);
  EXPECT_EQ(json["cpu"]["measured"], true);
  EXPECT_EQ(json["cpu"]["processes"].size(), 3u);
  EXPECT_DOUBLE_EQ(json["cpu"]["processes"][0]["cpuMsPerSaga"].get<double>(), 0.3);
  // The system's CPU leaves the bench's own out: (300 + 200) / 1000.
  EXPECT_DOUBLE_EQ(json["cpu"]["systemCpuMsPerSaga"].get<double>(), 0.5);
  EXPECT_EQ(json["check"]["passed"], true);
  // Write syscalls and Kafka messages leave the bench's own out too: 5000 / 1000, 2000 / 1000.
  EXPECT_DOUBLE_EQ(json["writeSyscallsPerSaga"].get<double>(), 5.0);
  EXPECT_DOUBLE_EQ(json["kafkaMessagesPerSaga"].get<double>(), 2.0);
  EXPECT_TRUE(json["cpu"]["processes"][1]["kafkaMessages"].is_null());  // unknown, not 0
  // It round-trips through text.
  EXPECT_EQ(nlohmann::json::parse(json.dump()), json);
}

TEST(ReportTest, TheTableNamesTheFlowsErrorsAndCpu) {
  const std::string table = FormatReport(SampleReport());
  for (const char* expected :
       {"64 users, 1000 products", "all", "placed", "insufficient", "out-of-stock", "100.0",
        "20.25", "pay: HTTP 503 service-unavailable", "ended FAILED", "order-1", "system total",
        "0.500", "writes/saga", "5.00", "Kafka msgs/saga", "2.00", "check: passed"}) {
    EXPECT_NE(table.find(expected), std::string::npos) << expected << "\n" << table;
  }
}

TEST(ReportTest, AnEmptyRunDividesByNothing) {
  Report report;
  report.mix = *ParseMix("placed=1");
  EXPECT_EQ(report.sagas_per_second(), 0.0);
  EXPECT_EQ(report.system_cpu_ms_per_saga(), 0.0);
  const std::string table = FormatReport(report);
  EXPECT_NE(table.find("CPU: unknown"), std::string::npos) << table;
  EXPECT_EQ(ReportJson(report)["cpu"]["measured"], false);
  EXPECT_EQ(report.write_syscalls_per_saga(), std::nullopt);
  EXPECT_EQ(report.kafka_messages_per_saga(), std::nullopt);
  EXPECT_TRUE(ReportJson(report)["kafkaMessagesPerSaga"].is_null());
}

TEST(ReportTest, WhatNoProcessMeasuredIsUnknownNotZero) {
  Report report = SampleReport();
  for (auto& process : report.processes) process.kafka_messages.reset();
  report.notes = {"order-1: /metrics did not answer (refused): its Kafka messages are not counted"};
  EXPECT_EQ(report.kafka_messages_per_saga(), std::nullopt);
  const std::string table = FormatReport(report);
  EXPECT_NE(table.find("note: order-1: /metrics did not answer"), std::string::npos) << table;
}

// ---- The concurrency list --------------------------------------------------------------

TEST(ConcurrencyListTest, OneLevelOrSeveralInTheOrderGiven) {
  EXPECT_EQ(*ParseConcurrencyList("16"), std::vector<int>{16});
  EXPECT_EQ(*ParseConcurrencyList("1,16,64"), (std::vector<int>{1, 16, 64}));
  EXPECT_EQ(*ParseConcurrencyList(" 64 , 1 "), (std::vector<int>{64, 1}));
  EXPECT_EQ(*ParseConcurrencyList("4,4"), (std::vector<int>{4, 4}));  // measured twice
  EXPECT_EQ(*ParseConcurrencyList("4096"), std::vector<int>{4096});
}

TEST(ConcurrencyListTest, BadListsAreRejectedSayingWhatIsWrong) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "it is empty"},
      {"  ", "it is empty"},
      {"1,,4", "item 2 is empty"},
      {"1,4,", "item 3 is empty"},
      {"0", "item 1 '0' is not such an integer"},
      {"4097", "'4097' is not such an integer"},
      {"-1", "'-1' is not such an integer"},
      {"1,x", "item 2 'x' is not such an integer"},
      {"1.5", "'1.5' is not such an integer"},
      {"1 6", "'1 6' is not such an integer"},
      {"99999999999999999999", "is not such an integer"},
  };
  for (const auto& [text, what] : cases) {
    auto levels = ParseConcurrencyList(text);
    ASSERT_FALSE(levels.ok()) << text;
    EXPECT_EQ(levels.error().code, Errc::kInvalidRequest);
    EXPECT_NE(levels.error().detail.find(what), std::string::npos) << levels.error().detail;
    EXPECT_NE(levels.error().detail.find("e.g. 1,16,64"), std::string::npos);
  }
  std::string many = "1";
  for (size_t i = 1; i <= kConcurrencyLevelsMax; ++i) many += ",1";
  auto too_many = ParseConcurrencyList(many);
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.error().detail.find("too many levels"), std::string::npos);
}

// ---- /proc/<pid>/io ----------------------------------------------------------------------

TEST(ProcIoTest, ReadsAFieldByName) {
  const std::string io =
      "rchar: 6976\nwchar: 120\nsyscr: 10\nsyscw: 42\nread_bytes: 0\nwrite_bytes: 8192\n"
      "cancelled_write_bytes: 0\n";
  EXPECT_EQ(ParseProcIoField(io, "syscw"), 42u);
  EXPECT_EQ(ParseProcIoField(io, "write_bytes"), 8192u);
  EXPECT_EQ(ParseProcIoField(io, "rchar"), 6976u);
  // "write_bytes" is not "cancelled_write_bytes", nor "bytes".
  EXPECT_EQ(ParseProcIoField(io, "bytes"), std::nullopt);
}

TEST(ProcIoTest, MissingOrGarbledFieldsAreUnknown) {
  EXPECT_EQ(ParseProcIoField("", "syscw"), std::nullopt);  // a read refused gives nothing
  EXPECT_EQ(ParseProcIoField("syscr: 1\n", "syscw"), std::nullopt);
  EXPECT_EQ(ParseProcIoField("syscw: \n", "syscw"), std::nullopt);
  EXPECT_EQ(ParseProcIoField("syscw: 12x\n", "syscw"), std::nullopt);
  EXPECT_EQ(ParseProcIoField("syscw: -1\n", "syscw"), std::nullopt);
  EXPECT_EQ(ParseProcIoField("syscw: 7", "syscw"), 7u);  // no final newline
}

// ---- Prometheus text format ------------------------------------------------------------

TEST(PrometheusTest, SumsEverySampleOfTheMetricAndNothingElse) {
  const std::string text =
      "# HELP tinysaga_outbox_published_total Outbox rows published and acknowledged\n"
      "# TYPE tinysaga_outbox_published_total counter\n"
      "tinysaga_outbox_published_total 1234\n"
      "tinysaga_outbox_published_total_created 1.7e9\n"
      "tinysaga_outbox_backlog 3\n"
      "tinysaga_messages_consumed_total{group=\"order\",outcome=\"applied\"} 10\n";
  EXPECT_EQ(ParsePrometheusSum(text, "tinysaga_outbox_published_total"), 1234.0);
  EXPECT_EQ(ParsePrometheusSum(text, "tinysaga_messages_consumed_total"), 10.0);
  EXPECT_EQ(ParsePrometheusSum(text, "tinysaga_outbox_published"), std::nullopt);
  EXPECT_EQ(ParsePrometheusSum("# only comments\n", "x"), std::nullopt);
}

TEST(PrometheusTest, LabelsTimestampsAndExponentsAreRead) {
  const std::string text =
      "m{a=\"x\"} 1.5e+03 1700000000000\n"
      "m{a=\"odd } \\\" label\"} 2\n"  // a quoted '}' and an escaped quote
      "  m\t+3\n";
  EXPECT_EQ(ParsePrometheusSum(text, "m"), 1505.0);
}

TEST(PrometheusTest, AnUnreadableSampleMakesTheSumUnknown) {
  EXPECT_EQ(ParsePrometheusSum("m 1\nm NaN\n", "m"), std::nullopt);
  EXPECT_EQ(ParsePrometheusSum("m +Inf\n", "m"), std::nullopt);
  EXPECT_EQ(ParsePrometheusSum("m{a=\"unterminated 1\n", "m"), std::nullopt);
  EXPECT_EQ(ParsePrometheusSum("m\n", "m"), std::nullopt);
  EXPECT_EQ(ParsePrometheusSum("m abc\n", "m"), std::nullopt);
}

}  // namespace
}  // namespace tinysaga::app::bench
