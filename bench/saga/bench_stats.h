#pragma once
// The pure half of `tinysaga bench` (bench.h does the I/O): a latency histogram with
// HdrHistogram-like log buckets, the flow mix (parsing and an evenly interleaved schedule),
// the concurrency list, /proc/<pid>/stat and /proc/<pid>/io parsing for CPU time and write
// syscalls, Prometheus text parsing for the outbox counter, and one row's report as a table
// and as JSON. bench_compare.h puts the rows side by side, bench_report_html.h draws them.
//
// No I/O, no clock, no threads: everything here is a value type, tested in
// tests/bench_stats_test.cpp. Not synchronised; bench.cpp guards what it shares.

#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tinysaga/core/result.h"

namespace tinysaga::app::bench {

// Latencies in microseconds, recorded into log-linear buckets: exact below 256 us, and above
// that 128 buckets per power of two, so a reported percentile is at most 1/128 (0.8 %) above
// the true value. A fixed 7,296 counters cover every non-negative int64 (no allocation while
// recording, nothing is ever out of range: negative values count as 0).
class LatencyHistogram {
 public:
  static constexpr int kSubBucketBits = 7;  // 128 per power of two
  static constexpr int64_t kLinearLimit = int64_t{1} << (kSubBucketBits + 1);  // 256
  static constexpr size_t kBucketCount =
      static_cast<size_t>(kLinearLimit) + (63 - kSubBucketBits - 1) * (size_t{1} << kSubBucketBits);

  LatencyHistogram();

  void Record(int64_t value_us);
  void Merge(const LatencyHistogram& other);

  uint64_t count() const { return count_; }
  int64_t min_us() const { return count_ == 0 ? 0 : min_us_; }
  int64_t max_us() const { return max_us_; }
  double mean_us() const {
    return count_ == 0 ? 0.0 : static_cast<double>(sum_us_) / static_cast<double>(count_);
  }

  // The smallest recorded-bucket value v such that at least `percent` % of the values are
  // <= v, reported as the highest value its bucket can hold (never above max_us()), as
  // HdrHistogram does. 0 when empty. `percent` is clamped to [0, 100].
  int64_t PercentileUs(double percent) const;

  // The bucket of a value, and the range of values a bucket holds (exposed for tests).
  static size_t BucketOf(int64_t value_us);
  static int64_t BucketLowUs(size_t bucket);
  static int64_t BucketHighUs(size_t bucket);

 private:
  std::vector<uint64_t> counts_;  // kBucketCount
  uint64_t count_ = 0;
  int64_t min_us_ = 0;
  int64_t max_us_ = 0;
  // Sum for the mean; int64 microseconds overflow only after ~292,000 years of latency.
  int64_t sum_us_ = 0;
};

// The median of the last `capacity` values added: a typical value that one outlier cannot
// move and that follows a real change within capacity/2 values. nullopt until a value came.
class RecentMedian {
 public:
  explicit RecentMedian(size_t capacity = 32) : capacity_(capacity) { values_.reserve(capacity); }
  void Add(int64_t value);
  std::optional<int64_t> Median() const;

 private:
  size_t capacity_;
  std::vector<int64_t> values_;  // a ring once full
  size_t next_ = 0;
};

// What a histogram says in a report, in milliseconds.
struct LatencySummary {
  uint64_t count = 0;
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0, mean_ms = 0;
};
LatencySummary Summarize(const LatencyHistogram& histogram);

// When one saga's steps happened, in microseconds on the wall clock. `committed_us` is the
// order's updatedAt when the bench saw the terminal status: the Order service's own time of
// the change (millisecond precision; 0 when unknown). The bench runs on the machine of the
// system it measures, so the two clocks are one.
struct SagaTimeline {
  int64_t started_us = 0;   // POST /api/orders sent
  int64_t created_us = 0;   // its 201 received
  int64_t pay_sent_us = 0;  // POST /api/payment sent
  int64_t paid_us = 0;      // its answer received
  int64_t committed_us = 0;
  int64_t seen_us = 0;  // the terminal status received
};

// What a saga's latency is made of. The total runs to the commit of the terminal status, not
// to the moment a poll saw it, so that it does not depend on how often the bench polls;
// `detect_us` is that polling lag. A commit time that cannot be right (before the payment was
// asked for, or after it was seen, beyond the millisecond rounding) is replaced by the time
// it was seen.
struct SagaDurations {
  int64_t total_us = 0;   // started -> committed
  int64_t create_us = 0;  // started -> created
  int64_t pay_us = 0;     // pay_sent -> paid
  int64_t settle_us = 0;  // paid -> committed; 0 when the order was terminal before the answer
  int64_t detect_us = 0;  // committed -> seen
};
SagaDurations Durations(const SagaTimeline& timeline);

// Where one saga's time went, from what the services recorded: the order's history (the
// time of every status change) and its saga view (each step's start and end). Durations in
// microseconds, named:
//   "order INITIATED -> PAYMENT_PENDING", ... one per pair of successive statuses;
//   "saga started after PAYMENT_PENDING": the orchestrator's saga start, after the order's;
//   "step <name>" (or "step <name> (COMPENSATED)"): a step's start to its end;
//   "wait before step <name>": the previous step's end to this one's start;
//   "saga ended after the order": the saga's last change after the order's terminal status.
// Entries whose times are missing or unreadable are left out; `saga` may be null.
std::vector<std::pair<std::string, int64_t>> SagaBreakdown(const nlohmann::json& order,
                                                           const nlohmann::json& saga);

// The three order sagas the bench drives, and what each must end as.
enum class Flow { kPlaced, kInsufficient, kOutOfStock };
inline constexpr std::array kFlows = {Flow::kPlaced, Flow::kInsufficient, Flow::kOutOfStock};
inline constexpr size_t kFlowCount = kFlows.size();

std::string_view FlowName(Flow flow);  // "placed", "insufficient", "out-of-stock"
// The order's terminal status and statusInfo the flow must end in (API.md, Orders/Payment).
std::string_view ExpectedStatus(Flow flow);      // "PLACED" or "FAILED"
std::string_view ExpectedStatusInfo(Flow flow);  // "" (any) for placed
// The HTTP status POST /api/payment must answer: 200, or 402 for insufficient funds.
int ExpectedPaymentStatus(Flow flow);

// The statuses after which the bench stops waiting: the saga is over (PLACED, FAILED,
// CANCELED) or the order has moved on past it (ON_WAY, DELIVERED).
bool IsSettledStatus(std::string_view status);

// `object[field]` when `object` is an object and that field a string, else "". Never throws
// (the bench reads what services answer, and a callback must not throw).
std::string JsonString(const nlohmann::json& object, const char* field);

// The "type" slug of an RFC 9457 problem body ("insufficient-funds" from
// ".../insufficient-funds"); "" when the body is not a problem.
std::string ProblemSlug(std::string_view body);

// Server-sent events: takes every complete event (ended by a blank line) off the front of
// `buffer`, leaving a partial one there. Comments (": keepalive") and fields other than
// `event` and `data` are skipped; several data lines are joined with '\n'; CRLF is accepted.
struct ServerSentEvent {
  std::string event;  // "message" when the event names none
  std::string data;
};
std::vector<ServerSentEvent> TakeServerSentEvents(std::string& buffer);

// Relative weights of the flows, e.g. {90, 5, 5}. Not necessarily percentages.
struct Mix {
  std::array<uint32_t, kFlowCount> weights{};
  uint64_t total() const;
  uint32_t weight(Flow flow) const { return weights[static_cast<size_t>(flow)]; }
  std::string ToString() const;  // "placed=90,insufficient=5,out-of-stock=5"
};

inline constexpr uint32_t kMixTotalMax = 1'000'000;

// "placed=90,insufficient=5,out-of-stock=5": comma-separated FLOW=WEIGHT with the flows
// above, each at most once; a flow left out weighs 0; weights are non-negative integers whose
// sum is 1..kMixTotalMax. kInvalidRequest saying what is wrong and what is allowed.
Result<Mix> ParseMix(std::string_view text);

// The concurrency levels of one run, one row each, run in the order given.
inline constexpr int kConcurrencyMax = 4096;
inline constexpr size_t kConcurrencyLevelsMax = 32;

// "16" or "1,16,64": comma-separated integers from 1 to kConcurrencyMax (spaces around an
// item are allowed), at most kConcurrencyLevelsMax of them. A level may repeat, to measure
// it twice. kInvalidRequest saying what is wrong and what is allowed.
Result<std::vector<int>> ParseConcurrencyList(std::string_view text);

// The order in which the flows come: the mix's weights reduced by their common divisor,
// spread evenly (smooth weighted round-robin), so that any stretch of the sequence holds the
// flows in proportion; Flow for sequence number n is schedule[n % size].
std::vector<Flow> MixSchedule(const Mix& mix);

// utime + stime, in clock ticks, from the contents of /proc/<pid>/stat. The command name
// (field 2) is in parentheses and may itself hold spaces and parentheses: fields are counted
// from the last ')'. nullopt when the text is not such a line.
std::optional<uint64_t> ParseProcStatCpuTicks(std::string_view stat);

// A "name: number" field of /proc/<pid>/io, e.g. "syscw" (write-family syscalls of every
// kind: files, pipes, eventfds; not fsyncs, which Linux counts nowhere per process). nullopt
// when the field is missing or not a number.
std::optional<uint64_t> ParseProcIoField(std::string_view io, std::string_view field);

// The sum of every sample of the metric `name` (any labels) in Prometheus' text exposition
// format, e.g. tinysaga_outbox_published_total. Comments and other metrics (including
// longer names that start with `name`) are skipped. nullopt when no sample of it is there,
// or one is not a finite number: a partial sum would be a wrong one.
std::optional<double> ParsePrometheusSum(std::string_view text, std::string_view name);

// What one process used during the measured window.
struct ProcessUsage {
  std::string name;  // "order-1", "up (broker)", "bench"
  int64_t pid = 0;
  double cpu_ms = 0;
  bool restarted = false;  // its pid changed or vanished: the figures are not trustworthy
  // /proc/<pid>/io syscw over the window; nullopt when it could not be read.
  std::optional<uint64_t> write_syscalls;
  // tinysaga_outbox_published_total over the window: the Kafka messages it produced.
  // nullopt for processes without an outbox (the gateway, `up`, the bench) or whose /metrics
  // did not answer (Report::notes says which).
  std::optional<uint64_t> kafka_messages;
};

struct FlowReport {
  uint64_t completed = 0;   // reached a terminal state within the window
  uint64_t mismatches = 0;  // over the whole run: not the outcome the flow expects
  LatencySummary latency;
};

// Everything a run found; the pure input of the table and the JSON.
struct Report {
  // What was asked.
  std::string url;
  int concurrency = 0;
  int users = 0;
  int products = 0;
  double warmup_seconds = 0;
  std::string wait_mode;  // "poll" or "sse"
  Mix mix;

  // What happened in the measured window.
  double window_seconds = 0;
  uint64_t completed = 0;  // sagas that reached a terminal state (mismatches included)
  LatencySummary latency;  // create order -> terminal state seen, all flows
  // "create", "pay", "settle", "detect" as in SagaDurations, in that order.
  std::vector<std::pair<std::string, LatencySummary>> phases;
  std::array<FlowReport, kFlowCount> flows{};
  std::map<std::string, uint64_t> mismatches;  // "placed: FAILED (insufficient funds)" -> n
  std::map<std::string, uint64_t> errors;      // "pay: HTTP 503", "wait: timeout" -> n
  uint64_t requests = 0;                       // HTTP requests sent in the window
  uint64_t polls = 0;                          // of which order GETs while waiting

  std::vector<ProcessUsage> processes;  // empty: unknown (no --data)
  // Sagas finished in each second since the row's load began, warmup included: the
  // progress lines' counts, for the report's throughput-over-time chart.
  std::vector<uint64_t> sagas_each_second;
  // What could not be measured and why ("order-1: /metrics did not answer ...").
  std::vector<std::string> notes;

  // SagaBreakdown over a sample of each flow's sagas, "<flow>: <name>", in first-seen order.
  std::vector<std::pair<std::string, LatencySummary>> breakdown;

  // The invariant check afterwards.
  bool check_ran = false;
  bool check_passed = false;

  double sagas_per_second() const;
  uint64_t mismatches_total() const;
  uint64_t errors_total() const;
  double flow_per_second(Flow flow) const;
  // Sum over the system's processes (not "bench"), in ms per completed saga; 0 if unknown.
  double system_cpu_ms_per_saga() const;
  // Per completed saga, summed over the system's processes that measured it (not "bench");
  // nullopt when none did or no saga completed.
  std::optional<double> write_syscalls_per_saga() const;
  std::optional<double> kafka_messages_per_saga() const;
};

// The name `tinysaga bench` gives its own process among the measured ones.
inline constexpr std::string_view kBenchProcessName = "bench";

nlohmann::json ReportJson(const Report& report);
std::string FormatReport(const Report& report);  // the table for stdout

}  // namespace tinysaga::app::bench
