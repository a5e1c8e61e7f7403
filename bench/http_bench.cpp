// http_bench: a closed-loop HTTP load generator. C connections each send a request, wait for
// the answer, and send the next, for S seconds, R rounds; prints requests/s and latency
// percentiles per round and the median round. Used for the gateway's GET throughput.
//
//   build/bench/http_bench --url http://127.0.0.1:8080/api/products --connections 32 --seconds 5

#include <CLI/CLI.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <vector>

#include "tinysaga/http/client.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Round {
  double requests_per_second = 0;
  double p50_ms = 0, p90_ms = 0, p99_ms = 0, max_ms = 0;
  uint64_t errors = 0;
};

double Percentile(std::vector<double>& sorted, double fraction) {
  if (sorted.empty()) return 0;
  return sorted[std::min(sorted.size() - 1, static_cast<size_t>(fraction * static_cast<double>(sorted.size())))];
}

// One round: `connections` loops, each re-sending as soon as its previous answer arrives.
Round RunRound(tinysaga::http::Client& client, const tinysaga::http::Endpoint& endpoint,
               const tinysaga::http::Request& request, int connections, std::chrono::seconds duration) {
  std::mutex mutex;
  std::condition_variable all_done;
  std::vector<double> latencies_ms;
  latencies_ms.reserve(1 << 20);
  std::atomic<uint64_t> errors{0};
  int running = connections;
  const auto deadline = Clock::now() + duration;

  auto loop = std::make_shared<std::function<void()>>();
  *loop = [&, loop]() {
    if (Clock::now() >= deadline) {
      std::lock_guard lock(mutex);
      if (--running == 0) all_done.notify_one();
      return;
    }
    const auto sent = Clock::now();
    client.Send(endpoint, request, [&, loop, sent](tinysaga::Result<tinysaga::http::Response> result) {
      const double elapsed_ms = std::chrono::duration<double, std::milli>(Clock::now() - sent).count();
      if (!result.ok() || result->status >= 400) {
        ++errors;
      } else {
        std::lock_guard lock(mutex);
        latencies_ms.push_back(elapsed_ms);
      }
      (*loop)();
    });
  };
  const auto started = Clock::now();
  for (int i = 0; i < connections; ++i) (*loop)();
  std::unique_lock lock(mutex);
  all_done.wait(lock, [&] { return running == 0; });
  *loop = nullptr;  // breaks the lambda's reference to itself
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();

  std::sort(latencies_ms.begin(), latencies_ms.end());
  Round round;
  round.requests_per_second = static_cast<double>(latencies_ms.size()) / seconds;
  round.p50_ms = Percentile(latencies_ms, 0.50);
  round.p90_ms = Percentile(latencies_ms, 0.90);
  round.p99_ms = Percentile(latencies_ms, 0.99);
  round.max_ms = latencies_ms.empty() ? 0 : latencies_ms.back();
  round.errors = errors;
  return round;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Closed-loop HTTP load generator"};
  std::string url = "http://127.0.0.1:8080/api/products";
  int connections = 32;
  int seconds = 5;
  int rounds = 3;
  int io_threads = 1;
  std::string token;
  app.add_option("--url", url, "http://HOST:PORT/PATH to GET")->capture_default_str();
  app.add_option("--connections", connections, "Concurrent requests")->check(CLI::Range(1, 4096))->capture_default_str();
  app.add_option("--seconds", seconds, "Duration of one round")->check(CLI::Range(1, 600))->capture_default_str();
  app.add_option("--rounds", rounds, "Rounds; the median is reported")->check(CLI::Range(1, 100))->capture_default_str();
  app.add_option("--io-threads", io_threads, "Client I/O threads")->check(CLI::Range(1, 16))->capture_default_str();
  app.add_option("--token", token, "Bearer token to send");
  CLI11_PARSE(app, argc, argv);

  const auto scheme_end = url.find("://");
  const auto path_start = url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  auto endpoint = tinysaga::http::Endpoint::Parse(url.substr(0, path_start));
  if (!endpoint.ok()) {
    std::fprintf(stderr, "bad --url: %s\n", endpoint.error().detail.c_str());
    return 2;
  }
  tinysaga::http::Request request{.method = "GET", .target = path_start == std::string::npos ? "/" : url.substr(path_start)};
  if (!token.empty()) request.headers.emplace_back("Authorization", "Bearer " + token);

  tinysaga::http::Client client({.io_threads = io_threads, .connections_per_endpoint_max = static_cast<size_t>(connections)});
  std::vector<Round> results;
  std::printf("%-6s %12s %9s %9s %9s %9s %8s\n", "round", "requests/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors");
  for (int i = 0; i < rounds; ++i) {
    auto round = RunRound(client, *endpoint, request, connections, std::chrono::seconds(seconds));
    std::printf("%-6d %12.0f %9.3f %9.3f %9.3f %9.3f %8llu\n", i + 1, round.requests_per_second, round.p50_ms,
                round.p90_ms, round.p99_ms, round.max_ms, static_cast<unsigned long long>(round.errors));
    results.push_back(round);
  }
  std::sort(results.begin(), results.end(),
            [](const Round& a, const Round& b) { return a.requests_per_second < b.requests_per_second; });
  const auto& median = results[results.size() / 2];
  std::printf("median %12.0f %9.3f %9.3f %9.3f %9.3f %8llu\n", median.requests_per_second, median.p50_ms, median.p90_ms,
              median.p99_ms, median.max_ms, static_cast<unsigned long long>(median.errors));
  return 0;
}
