#include "bench_stats.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "tinysaga/core/clock.h"

namespace tinysaga::app::bench {

// ---- LatencyHistogram ------------------------------------------------------------------

LatencyHistogram::LatencyHistogram() : counts_(kBucketCount, 0) {}

size_t LatencyHistogram::BucketOf(int64_t value_us) {
  if (value_us < kLinearLimit) return static_cast<size_t>(std::max<int64_t>(value_us, 0));
  const auto value = static_cast<uint64_t>(value_us);
  const int most_significant_bit = 63 - std::countl_zero(value);  // >= kSubBucketBits + 1
  const int shift = most_significant_bit - kSubBucketBits;        // >= 1
  const uint64_t top = value >> shift;                            // [128, 256)
  constexpr uint64_t kHalf = uint64_t{1} << kSubBucketBits;
  return static_cast<size_t>(kLinearLimit) + static_cast<size_t>(shift - 1) * kHalf +
         static_cast<size_t>(top - kHalf);
}

int64_t LatencyHistogram::BucketLowUs(size_t bucket) {
  assert(bucket < kBucketCount);
  if (bucket < static_cast<size_t>(kLinearLimit)) return static_cast<int64_t>(bucket);
  constexpr size_t kHalf = size_t{1} << kSubBucketBits;
  const size_t offset = bucket - static_cast<size_t>(kLinearLimit);
  const int shift = static_cast<int>(offset / kHalf) + 1;
  const uint64_t top = kHalf + offset % kHalf;
  return static_cast<int64_t>(top << shift);
}

int64_t LatencyHistogram::BucketHighUs(size_t bucket) {
  if (bucket + 1 == kBucketCount) return INT64_MAX;
  return BucketLowUs(bucket + 1) - 1;
}

void LatencyHistogram::Record(int64_t value_us) {
  value_us = std::max<int64_t>(value_us, 0);
  ++counts_[BucketOf(value_us)];
  min_us_ = count_ == 0 ? value_us : std::min(min_us_, value_us);
  max_us_ = std::max(max_us_, value_us);
  ++count_;
  sum_us_ += value_us;
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  if (other.count_ == 0) return;
  for (size_t i = 0; i < kBucketCount; ++i) counts_[i] += other.counts_[i];
  min_us_ = count_ == 0 ? other.min_us_ : std::min(min_us_, other.min_us_);
  max_us_ = std::max(max_us_, other.max_us_);
  count_ += other.count_;
  sum_us_ += other.sum_us_;
}

int64_t LatencyHistogram::PercentileUs(double percent) const {
  if (count_ == 0) return 0;
  percent = std::clamp(percent, 0.0, 100.0);
  // The rank of the value asked for, 1-based: at least one value is always included.
  const auto rank = std::max<uint64_t>(
      1, static_cast<uint64_t>(std::ceil(percent / 100.0 * static_cast<double>(count_))));
  uint64_t seen = 0;
  for (size_t bucket = 0; bucket < kBucketCount; ++bucket) {
    seen += counts_[bucket];
    if (seen >= rank) return std::min(BucketHighUs(bucket), max_us_);
  }
  return max_us_;  // unreachable: the counts add up to count_
}

void RecentMedian::Add(int64_t value) {
  if (values_.size() < capacity_) {
    values_.push_back(value);
  } else {
    values_[next_] = value;
    next_ = (next_ + 1) % capacity_;
  }
}

std::optional<int64_t> RecentMedian::Median() const {
  if (values_.empty()) return std::nullopt;
  std::vector<int64_t> sorted = values_;
  const auto middle = sorted.begin() + static_cast<std::ptrdiff_t>(sorted.size() / 2);
  std::nth_element(sorted.begin(), middle, sorted.end());
  return *middle;
}

LatencySummary Summarize(const LatencyHistogram& histogram) {
  constexpr double kUsPerMs = 1000.0;
  return LatencySummary{
      .count = histogram.count(),
      .p50_ms = static_cast<double>(histogram.PercentileUs(50)) / kUsPerMs,
      .p90_ms = static_cast<double>(histogram.PercentileUs(90)) / kUsPerMs,
      .p99_ms = static_cast<double>(histogram.PercentileUs(99)) / kUsPerMs,
      .max_ms = static_cast<double>(histogram.max_us()) / kUsPerMs,
      .mean_ms = histogram.mean_us() / kUsPerMs,
  };
}

// ---- One saga's durations -------------------------------------------------------------

SagaDurations Durations(const SagaTimeline& timeline) {
  // updatedAt is truncated to the millisecond: the change happened in [ms, ms + 1).
  constexpr int64_t kRoundingUs = 1'000;
  int64_t committed_us = timeline.seen_us;
  if (timeline.committed_us > 0) {
    const int64_t middle_us = timeline.committed_us + kRoundingUs / 2;
    if (middle_us >= timeline.pay_sent_us - kRoundingUs &&
        middle_us <= timeline.seen_us + kRoundingUs) {
      committed_us = std::clamp(middle_us, timeline.pay_sent_us, timeline.seen_us);
    }
  }
  return SagaDurations{
      .total_us = committed_us - timeline.started_us,
      .create_us = timeline.created_us - timeline.started_us,
      .pay_us = timeline.paid_us - timeline.pay_sent_us,
      .settle_us = std::max<int64_t>(committed_us - timeline.paid_us, 0),
      .detect_us = timeline.seen_us - committed_us,
  };
}

// ---- Where a saga's time went ---------------------------------------------------------

namespace {

// Microseconds since the epoch of an RFC 3339 field, or nullopt.
std::optional<int64_t> TimeUs(const nlohmann::json& object, const char* field) {
  if (!object.is_object() || !object.contains(field) || !object[field].is_string())
    return std::nullopt;
  auto ms = ParseRfc3339(object[field].get<std::string>());
  if (!ms.ok()) return std::nullopt;
  return *ms * 1000;
}

}  // namespace

std::vector<std::pair<std::string, int64_t>> SagaBreakdown(const nlohmann::json& order,
                                                           const nlohmann::json& saga) {
  std::vector<std::pair<std::string, int64_t>> parts;
  std::map<std::string, int64_t> status_at_us;  // the first time of each status
  std::optional<int64_t> terminal_at_us;
  const nlohmann::json history =
      order.is_object() && order.contains("history") && order["history"].is_array()
          ? order["history"]
          : nlohmann::json::array();
  std::optional<std::pair<std::string, int64_t>> previous;
  for (const auto& line : history) {
    const std::string status = JsonString(line, "status");
    const auto at_us = TimeUs(line, "at");
    if (status.empty() || !at_us) continue;
    status_at_us.try_emplace(status, *at_us);
    if (previous)
      parts.emplace_back("order " + previous->first + " -> " + status, *at_us - previous->second);
    previous = {status, *at_us};
    if (IsSettledStatus(status) && !terminal_at_us) terminal_at_us = at_us;
  }
  if (!saga.is_object()) return parts;
  const auto saga_started_us = TimeUs(saga, "startedAt");
  if (saga_started_us && status_at_us.contains("PAYMENT_PENDING")) {
    parts.emplace_back("saga started after PAYMENT_PENDING",
                       *saga_started_us - status_at_us["PAYMENT_PENDING"]);
  }
  std::optional<int64_t> previous_end_us;
  const nlohmann::json steps =
      saga.contains("steps") && saga["steps"].is_array() ? saga["steps"] : nlohmann::json::array();
  for (const auto& step : steps) {
    const std::string name = JsonString(step, "name");
    const std::string status = JsonString(step, "status");
    const auto started_us = TimeUs(step, "startedAt");
    const auto ended_us = TimeUs(step, "endedAt");
    if (name.empty() || !started_us || !ended_us) continue;
    // A step of a parallel group starts before the one listed above it ends: no wait then.
    if (previous_end_us && status != "COMPENSATED" && *started_us >= *previous_end_us) {
      parts.emplace_back("wait before step " + name, *started_us - *previous_end_us);
    }
    const std::string suffix = status == "COMPENSATED" ? " (COMPENSATED)" : "";
    parts.emplace_back("step " + name + suffix, *ended_us - *started_us);
    if (status != "COMPENSATED") previous_end_us = ended_us;
  }
  if (const auto saga_updated_us = TimeUs(saga, "updatedAt"); saga_updated_us && terminal_at_us) {
    parts.emplace_back("saga ended after the order", *saga_updated_us - *terminal_at_us);
  }
  return parts;
}

// ---- Flows and the mix -----------------------------------------------------------------

std::string_view FlowName(Flow flow) {
  switch (flow) {
    case Flow::kPlaced:
      return "placed";
    case Flow::kInsufficient:
      return "insufficient";
    case Flow::kOutOfStock:
      return "out-of-stock";
  }
  return "?";
}

std::string_view ExpectedStatus(Flow flow) { return flow == Flow::kPlaced ? "PLACED" : "FAILED"; }

std::string_view ExpectedStatusInfo(Flow flow) {
  switch (flow) {
    case Flow::kPlaced:
      return "";
    case Flow::kInsufficient:
      return "insufficient funds";
    case Flow::kOutOfStock:
      return "out of stock, payment refunded";
  }
  return "";
}

int ExpectedPaymentStatus(Flow flow) { return flow == Flow::kInsufficient ? 402 : 200; }

bool IsSettledStatus(std::string_view status) {
  return status == "PLACED" || status == "FAILED" || status == "CANCELED" || status == "ON_WAY" ||
         status == "DELIVERED";
}

std::string JsonString(const nlohmann::json& object, const char* field) {
  if (!object.is_object()) return "";
  const auto found = object.find(field);
  return found != object.end() && found->is_string() ? found->get<std::string>() : "";
}

std::string ProblemSlug(std::string_view body) {
  const auto type =
      JsonString(nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false), "type");
  const size_t slash = type.rfind('/');
  return slash == std::string::npos ? type : type.substr(slash + 1);
}

std::vector<ServerSentEvent> TakeServerSentEvents(std::string& buffer) {
  std::vector<ServerSentEvent> events;
  size_t consumed = 0;
  while (true) {
    // An event ends at the first empty line: "\n\n" (or "\r\n\r\n").
    size_t end = buffer.find("\n\n", consumed);
    size_t crlf_end = buffer.find("\r\n\r\n", consumed);
    size_t separator = 2;
    if (crlf_end != std::string::npos && (end == std::string::npos || crlf_end < end)) {
      end = crlf_end;
      separator = 4;
    }
    if (end == std::string::npos) break;
    const std::string_view block(buffer.data() + consumed, end - consumed);
    consumed = end + separator;
    ServerSentEvent event;
    bool has_field = false;
    bool has_data = false;
    for (size_t start = 0; start <= block.size();) {
      size_t line_end = block.find('\n', start);
      if (line_end == std::string_view::npos) line_end = block.size();
      std::string_view line = block.substr(start, line_end - start);
      start = line_end + 1;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty() || line.front() == ':') continue;
      const size_t colon = line.find(':');
      const std::string_view field = line.substr(0, colon);
      std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
      if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      if (field == "event") {
        event.event = value;
        has_field = true;
      } else if (field == "data") {
        if (has_data) event.data += '\n';
        event.data += value;
        has_data = true;
        has_field = true;
      }
    }
    if (!has_field) continue;  // only comments
    if (event.event.empty()) event.event = "message";
    events.push_back(std::move(event));
  }
  buffer.erase(0, consumed);
  return events;
}

uint64_t Mix::total() const { return std::accumulate(weights.begin(), weights.end(), uint64_t{0}); }

std::string Mix::ToString() const {
  std::string text;
  for (Flow flow : kFlows) {
    if (!text.empty()) text += ',';
    text.append(FlowName(flow)).append("=").append(std::to_string(weight(flow)));
  }
  return text;
}

namespace {

std::string FlowNames() {
  std::string names;
  for (Flow flow : kFlows) names.append(names.empty() ? "" : ", ").append(FlowName(flow));
  return names;
}

Error MixError(std::string_view text, const std::string& what) {
  return MakeError(Errc::kInvalidRequest,
                   "'" + std::string(text) + "': " + what +
                       " (expected FLOW=WEIGHT[,FLOW=WEIGHT...] with FLOW one of " + FlowNames() +
                       ", e.g. placed=90,insufficient=5,out-of-stock=5)");
}

}  // namespace

Result<Mix> ParseMix(std::string_view text) {
  Mix mix;
  std::array<bool, kFlowCount> seen{};
  if (text.empty()) return MixError(text, "it is empty");
  for (size_t start = 0; start <= text.size();) {
    size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view item = text.substr(start, end - start);
    start = end + 1;
    const size_t equals = item.find('=');
    if (equals == std::string_view::npos) {
      return MixError(text, "'" + std::string(item) + "' has no '='");
    }
    const std::string_view name = item.substr(0, equals);
    const std::string_view number = item.substr(equals + 1);
    const auto flow =
        std::find_if(kFlows.begin(), kFlows.end(), [&](Flow f) { return FlowName(f) == name; });
    if (flow == kFlows.end()) return MixError(text, "unknown flow '" + std::string(name) + "'");
    const auto index = static_cast<size_t>(*flow);
    if (seen[index]) return MixError(text, "flow '" + std::string(name) + "' appears twice");
    seen[index] = true;
    uint32_t weight = 0;
    const auto [last, error] =
        std::from_chars(number.data(), number.data() + number.size(), weight);
    if (number.empty() || error != std::errc() || last != number.data() + number.size() ||
        weight > kMixTotalMax) {
      return MixError(text, "the weight of '" + std::string(name) +
                                "' must be an integer from 0 to " + std::to_string(kMixTotalMax) +
                                ", got '" + std::string(number) + "'");
    }
    mix.weights[index] = weight;
  }
  if (mix.total() == 0) return MixError(text, "the weights add up to 0");
  if (mix.total() > kMixTotalMax) {
    return MixError(text, "the weights add up to more than " + std::to_string(kMixTotalMax));
  }
  return mix;
}

namespace {

Error ConcurrencyError(std::string_view text, const std::string& what) {
  return MakeError(Errc::kInvalidRequest,
                   "'" + std::string(text) + "': " + what + " (expected C[,C...] with each C an " +
                       "integer from 1 to " + std::to_string(kConcurrencyMax) + ", at most " +
                       std::to_string(kConcurrencyLevelsMax) + " of them, e.g. 1,16,64)");
}

std::string_view TrimSpaces(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

}  // namespace

Result<std::vector<int>> ParseConcurrencyList(std::string_view text) {
  std::vector<int> levels;
  if (TrimSpaces(text).empty()) return ConcurrencyError(text, "it is empty");
  for (size_t start = 0; start <= text.size();) {
    size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view item = TrimSpaces(text.substr(start, end - start));
    start = end + 1;
    if (levels.size() == kConcurrencyLevelsMax) return ConcurrencyError(text, "too many levels");
    const std::string position = "item " + std::to_string(levels.size() + 1);
    if (item.empty()) return ConcurrencyError(text, position + " is empty");
    int level = 0;
    const auto [last, error] = std::from_chars(item.data(), item.data() + item.size(), level);
    if (error != std::errc() || last != item.data() + item.size() || level < 1 ||
        level > kConcurrencyMax) {
      return ConcurrencyError(text,
                              position + " '" + std::string(item) + "' is not such an integer");
    }
    levels.push_back(level);
  }
  return levels;
}

std::vector<Flow> MixSchedule(const Mix& mix) {
  assert(mix.total() > 0 && mix.total() <= kMixTotalMax);
  uint32_t divisor = 0;
  for (uint32_t weight : mix.weights) divisor = std::gcd(divisor, weight);
  std::array<int64_t, kFlowCount> weights{};
  int64_t total = 0;
  for (size_t i = 0; i < kFlowCount; ++i) {
    weights[i] = mix.weights[i] / divisor;
    total += weights[i];
  }
  // Smooth weighted round-robin (as nginx balances upstreams): each turn every flow gains its
  // weight, the richest is picked and pays the total. Deterministic; ties go to the first.
  std::array<int64_t, kFlowCount> current{};
  std::vector<Flow> schedule;
  schedule.reserve(static_cast<size_t>(total));
  for (int64_t turn = 0; turn < total; ++turn) {
    size_t best = 0;
    for (size_t i = 0; i < kFlowCount; ++i) {
      current[i] += weights[i];
      if (current[i] > current[best]) best = i;
    }
    current[best] -= total;
    schedule.push_back(kFlows[best]);
  }
  return schedule;
}

// ---- /proc/<pid>/stat ------------------------------------------------------------------

std::optional<uint64_t> ParseProcStatCpuTicks(std::string_view stat) {
  // "pid (comm) state ppid ... utime stime ...": utime and stime are fields 14 and 15, i.e.
  // the 12th and 13th after the ')' that ends the command name.
  const size_t paren = stat.rfind(')');
  if (paren == std::string_view::npos || stat.find('(') > paren) return std::nullopt;
  std::string_view rest = stat.substr(paren + 1);
  constexpr int kUtimeField = 12;  // counting "state" as field 1 after the ')'
  uint64_t ticks[2] = {0, 0};
  int field = 0;
  size_t position = 0;
  while (field < kUtimeField + 1) {
    while (position < rest.size() && rest[position] == ' ') ++position;
    if (position >= rest.size()) return std::nullopt;
    size_t end = rest.find(' ', position);
    if (end == std::string_view::npos) end = rest.size();
    ++field;
    if (field >= kUtimeField) {
      const std::string_view number = rest.substr(position, end - position);
      uint64_t value = 0;
      const auto [last, error] =
          std::from_chars(number.data(), number.data() + number.size(), value);
      if (error != std::errc() || last != number.data() + number.size()) return std::nullopt;
      ticks[field - kUtimeField] = value;
    }
    position = end;
  }
  return ticks[0] + ticks[1];
}

// ---- /proc/<pid>/io ----------------------------------------------------------------------

std::optional<uint64_t> ParseProcIoField(std::string_view io, std::string_view field) {
  // One "name: value" per line, e.g. "syscw: 1234".
  for (size_t start = 0; start < io.size();) {
    size_t end = io.find('\n', start);
    if (end == std::string_view::npos) end = io.size();
    const std::string_view line = io.substr(start, end - start);
    start = end + 1;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || line.substr(0, colon) != field) continue;
    const std::string_view number = TrimSpaces(line.substr(colon + 1));
    uint64_t value = 0;
    const auto [last, error] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (number.empty() || error != std::errc() || last != number.data() + number.size())
      return std::nullopt;
    return value;
  }
  return std::nullopt;
}

// ---- Prometheus text format ------------------------------------------------------------

namespace {

// Where the label set that starts at `text[0] == '{'` ends (one past its '}'), skipping
// quoted label values, which may hold '}' and backslash escapes; npos when it does not end.
size_t LabelsEnd(std::string_view text) {
  bool quoted = false;
  for (size_t i = 1; i < text.size(); ++i) {
    if (quoted && text[i] == '\\') {
      ++i;
    } else if (text[i] == '"') {
      quoted = !quoted;
    } else if (!quoted && text[i] == '}') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

// The sample value of one exposition line whose metric name has been taken off (labels and
// an optional timestamp may follow); nullopt when it is not a finite number.
std::optional<double> SampleValue(std::string_view rest) {
  if (!rest.empty() && rest.front() == '{') {
    const size_t end = LabelsEnd(rest);
    if (end == std::string_view::npos) return std::nullopt;
    rest.remove_prefix(end);
  }
  rest = TrimSpaces(rest);
  rest = rest.substr(0, rest.find_first_of(" \t"));  // the timestamp, if any, follows
  if (!rest.empty() && rest.front() == '+') rest.remove_prefix(1);  // from_chars takes no '+'
  double value = 0;
  const auto [last, error] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
  if (rest.empty() || error != std::errc() || last != rest.data() + rest.size() ||
      !std::isfinite(value))
    return std::nullopt;
  return value;
}

}  // namespace

std::optional<double> ParsePrometheusSum(std::string_view text, std::string_view name) {
  std::optional<double> sum;
  for (size_t start = 0; start < text.size();) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = TrimSpaces(text.substr(start, end - start));
    start = end + 1;
    if (line.empty() || line.front() == '#' || !line.starts_with(name)) continue;
    const std::string_view rest = line.substr(name.size());
    // A longer name that starts with `name` ("..._total_created") is another metric.
    if (!rest.empty() && rest.front() != '{' && rest.front() != ' ' && rest.front() != '\t')
      continue;
    const auto value = SampleValue(rest);
    if (!value) return std::nullopt;
    sum = sum.value_or(0) + *value;
  }
  return sum;
}

// ---- Report ----------------------------------------------------------------------------

double Report::sagas_per_second() const {
  return window_seconds > 0 ? static_cast<double>(completed) / window_seconds : 0.0;
}

uint64_t Report::mismatches_total() const {
  uint64_t total = 0;
  for (const auto& [kind, count] : mismatches) total += count;
  return total;
}

uint64_t Report::errors_total() const {
  uint64_t total = 0;
  for (const auto& [kind, count] : errors) total += count;
  return total;
}

double Report::flow_per_second(Flow flow) const {
  return window_seconds > 0
             ? static_cast<double>(flows[static_cast<size_t>(flow)].completed) / window_seconds
             : 0.0;
}

double Report::system_cpu_ms_per_saga() const {
  if (processes.empty() || completed == 0) return 0;
  double total_ms = 0;
  for (const auto& process : processes) {
    if (process.name != kBenchProcessName) total_ms += process.cpu_ms;
  }
  return total_ms / static_cast<double>(completed);
}

namespace {

// Sums `field` over the system's processes that measured it, per completed saga.
std::optional<double> SystemPerSaga(const Report& report,
                                    std::optional<uint64_t> ProcessUsage::*field) {
  if (report.completed == 0) return std::nullopt;
  std::optional<uint64_t> total;
  for (const auto& process : report.processes) {
    if (process.name == kBenchProcessName || !(process.*field)) continue;
    total = total.value_or(0) + *(process.*field);
  }
  if (!total) return std::nullopt;
  return static_cast<double>(*total) / static_cast<double>(report.completed);
}

}  // namespace

std::optional<double> Report::write_syscalls_per_saga() const {
  return SystemPerSaga(*this, &ProcessUsage::write_syscalls);
}

std::optional<double> Report::kafka_messages_per_saga() const {
  return SystemPerSaga(*this, &ProcessUsage::kafka_messages);
}

namespace {

// Rounded to a microsecond, so that the JSON does not carry binary noise.
double Round3(double value) { return std::round(value * 1000.0) / 1000.0; }

// null when unknown: a reader must not take a missing measurement for zero.
nlohmann::json OptionalJson(std::optional<double> value) {
  return value ? nlohmann::json(Round3(*value)) : nlohmann::json(nullptr);
}

nlohmann::json LatencyJson(const LatencySummary& latency) {
  return {{"count", latency.count},        {"p50", Round3(latency.p50_ms)},
          {"p90", Round3(latency.p90_ms)}, {"p99", Round3(latency.p99_ms)},
          {"max", Round3(latency.max_ms)}, {"mean", Round3(latency.mean_ms)}};
}

std::string Format(const char* format, auto... values) {
  char line[256];
  std::snprintf(line, sizeof line, format, values...);
  return line;
}

std::string LatencyRow(std::string_view name, uint64_t count, double per_second,
                       const LatencySummary& latency) {
  return Format("  %-14.*s %9llu %9.1f %9.2f %9.2f %9.2f %9.2f\n", static_cast<int>(name.size()),
                name.data(), static_cast<unsigned long long>(count), per_second, latency.p50_ms,
                latency.p90_ms, latency.p99_ms, latency.max_ms);
}

std::string CountLines(const std::string& title, const std::map<std::string, uint64_t>& counts) {
  std::string text = title + (counts.empty() ? ": none\n" : ":\n");
  for (const auto& [kind, count] : counts) {
    text += Format("  %8llu  %s\n", static_cast<unsigned long long>(count), kind.c_str());
  }
  return text;
}

// "value / completed" with `format`, or "-" when the value or the divisor is unknown.
std::string PerSagaCell(std::optional<double> value, uint64_t completed, const char* format) {
  if (!value || completed == 0) return "-";
  return Format(format, *value / static_cast<double>(completed));
}

std::optional<double> AsDouble(std::optional<uint64_t> value) {
  if (!value) return std::nullopt;
  return static_cast<double>(*value);
}

std::string ProcessLines(const Report& report) {
  if (report.processes.empty())
    return "CPU: unknown (give --data DIR of `tinysaga up` to measure it)\n";
  std::string text =
      "per process during the window (writes: write-family syscalls of every kind, from "
      "/proc/<pid>/io, not fsyncs; Kafka: outbox messages published):\n";
  text += Format("  %-20s %12s %8s %12s %16s\n", "process", "CPU ms/saga", "% core", "writes/saga",
                 "Kafka msgs/saga");
  for (const auto& process : report.processes) {
    const double core_percent =
        report.window_seconds > 0 ? process.cpu_ms / (report.window_seconds * 10.0) : 0.0;
    text += Format("  %-20s %12s %7.1f%% %12s %16s%s\n", process.name.c_str(),
                   PerSagaCell(process.cpu_ms, report.completed, "%.3f").c_str(), core_percent,
                   PerSagaCell(AsDouble(process.write_syscalls), report.completed, "%.2f").c_str(),
                   PerSagaCell(AsDouble(process.kafka_messages), report.completed, "%.2f").c_str(),
                   process.restarted ? "  (restarted: not trustworthy)" : "");
  }
  const auto or_dash = [](std::optional<double> value, const char* format) {
    return value ? Format(format, *value) : std::string("-");
  };
  text +=
      Format("  %-20s %12s %8s %12s %16s\n", "system total",
             report.completed == 0 ? "-" : Format("%.3f", report.system_cpu_ms_per_saga()).c_str(),
             "", or_dash(report.write_syscalls_per_saga(), "%.2f").c_str(),
             or_dash(report.kafka_messages_per_saga(), "%.2f").c_str());
  for (const auto& note : report.notes) text += "  note: " + note + "\n";
  return text;
}

}  // namespace

nlohmann::json ReportJson(const Report& report) {
  nlohmann::json flows = nlohmann::json::object();
  for (Flow flow : kFlows) {
    const FlowReport& result = report.flows[static_cast<size_t>(flow)];
    flows[std::string(FlowName(flow))] = {
        {"weight", report.mix.weight(flow)},
        {"completed", result.completed},
        {"sagasPerSecond",
         Round3(report.window_seconds > 0
                    ? static_cast<double>(result.completed) / report.window_seconds
                    : 0.0)},
        {"mismatches", result.mismatches},
        {"latencyMs", LatencyJson(result.latency)},
    };
  }
  nlohmann::json phases = nlohmann::json::object();
  for (const auto& [name, latency] : report.phases) phases[name] = LatencyJson(latency);
  nlohmann::json cpu = nlohmann::json::object();
  cpu["measured"] = !report.processes.empty();
  cpu["processes"] = nlohmann::json::array();
  const double completed = static_cast<double>(std::max<uint64_t>(report.completed, 1));
  for (const auto& process : report.processes) {
    cpu["processes"].push_back({{"name", process.name},
                                {"pid", process.pid},
                                {"cpuMs", Round3(process.cpu_ms)},
                                {"cpuMsPerSaga", Round3(process.cpu_ms / completed)},
                                {"writeSyscalls", OptionalJson(AsDouble(process.write_syscalls))},
                                {"kafkaMessages", OptionalJson(AsDouble(process.kafka_messages))},
                                {"restarted", process.restarted}});
  }
  cpu["systemCpuMsPerSaga"] = Round3(report.system_cpu_ms_per_saga());
  nlohmann::json breakdown = nlohmann::json::array();
  for (const auto& [name, latency] : report.breakdown) {
    nlohmann::json part = LatencyJson(latency);
    part["name"] = name;
    breakdown.push_back(std::move(part));
  }
  return {
      {"config",
       {{"url", report.url},
        {"concurrency", report.concurrency},
        {"users", report.users},
        {"products", report.products},
        {"warmupSeconds", report.warmup_seconds},
        {"wait", report.wait_mode},
        {"mix", report.mix.ToString()}}},
      {"windowSeconds", Round3(report.window_seconds)},
      {"completed", report.completed},
      {"sagasPerSecond", Round3(report.sagas_per_second())},
      {"latencyMs", LatencyJson(report.latency)},
      {"phasesMs", phases},
      {"flows", flows},
      {"mismatches", report.mismatches},
      {"mismatchesTotal", report.mismatches_total()},
      {"errors", report.errors},
      {"errorsTotal", report.errors_total()},
      {"requests", report.requests},
      {"polls", report.polls},
      {"cpu", cpu},
      {"writeSyscallsPerSaga", OptionalJson(report.write_syscalls_per_saga())},
      {"kafkaMessagesPerSaga", OptionalJson(report.kafka_messages_per_saga())},
      {"sagasEachSecond", report.sagas_each_second},
      {"notes", report.notes},
      {"breakdownMs", breakdown},
      {"check", {{"ran", report.check_ran}, {"passed", report.check_passed}}},
  };
}

std::string FormatReport(const Report& report) {
  std::string text = Format(
      "tinysaga bench: %s, %d virtual users, %d users, %d products, %.1f s measured after %.1f s "
      "warmup, wait by %s, mix %s\n",
      report.url.c_str(), report.concurrency, report.users, report.products, report.window_seconds,
      report.warmup_seconds, report.wait_mode.c_str(), report.mix.ToString().c_str());
  text += Format("  %-14s %9s %9s %9s %9s %9s %9s\n", "sagas", "completed", "per s", "p50 ms",
                 "p90 ms", "p99 ms", "max ms");
  text += LatencyRow("all", report.completed, report.sagas_per_second(), report.latency);
  for (Flow flow : kFlows) {
    const FlowReport& result = report.flows[static_cast<size_t>(flow)];
    if (report.mix.weight(flow) == 0 && result.completed == 0) continue;
    const double per_second = report.window_seconds > 0
                                  ? static_cast<double>(result.completed) / report.window_seconds
                                  : 0.0;
    text += LatencyRow(FlowName(flow), result.completed, per_second, result.latency);
  }
  text += Format("  %-14s %9s %9s %9s %9s %9s %9s\n", "phases", "count", "", "p50 ms", "p90 ms",
                 "p99 ms", "max ms");
  for (const auto& [name, latency] : report.phases) {
    text += Format("  %-14s %9llu %9s %9.2f %9.2f %9.2f %9.2f\n", name.c_str(),
                   static_cast<unsigned long long>(latency.count), "", latency.p50_ms,
                   latency.p90_ms, latency.p99_ms, latency.max_ms);
  }
  const double completed = static_cast<double>(std::max<uint64_t>(report.completed, 1));
  text += Format("requests: %llu (%.2f per saga, of which %.2f order polls)\n",
                 static_cast<unsigned long long>(report.requests),
                 static_cast<double>(report.requests) / completed,
                 static_cast<double>(report.polls) / completed);
  text += CountLines("mismatched outcomes (whole run)", report.mismatches);
  text += CountLines("errors (whole run)", report.errors);
  text += ProcessLines(report);
  if (!report.breakdown.empty()) {
    text += "where the time went (from the services' timestamps, a sample of each flow; ms):\n";
    text += Format("  %-52s %7s %8s %8s %8s\n", "", "count", "p50", "p90", "max");
    for (const auto& [name, latency] : report.breakdown) {
      text += Format("  %-52s %7llu %8.1f %8.1f %8.1f\n", name.c_str(),
                     static_cast<unsigned long long>(latency.count), latency.p50_ms, latency.p90_ms,
                     latency.max_ms);
    }
  }
  if (report.check_ran)
    text += std::string("check: ") + (report.check_passed ? "passed\n" : "FAILED\n");
  return text;
}

}  // namespace tinysaga::app::bench
