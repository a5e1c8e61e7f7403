// kafka_hop_bench: the development broker's floor. One message goes round between two
// consumers through the project's own KafkaBus and the development broker: the main
// thread publishes to hop.a, an echo thread consumes it and publishes to hop.b, the main thread
// consumes that. No database, no handler: what every saga hop pays before any work of ours.
// Prints one hop's latency (half a round trip) and the CPU the consumers burn while idle.
//
//   build/bench/kafka_hop_bench --fetch-wait-ms 100 --round-trips 400 --idle-seconds 5
//
// Measured on the 2-core development machine (2026-12-06; hop p50, idle cores for two
// consumers and the broker):
//   librdkafka's mock cluster (the broker before libs/kafka_broker), which held an empty fetch
//   for the whole wait even when a message arrived meanwhile:
//     fetch.wait.max.ms 0: 0.25 ms, 1.46 cores (the consumers fetch in a busy loop)
//     fetch.wait.max.ms 1: 1.37 ms, 0.14 cores
//   libs/kafka_broker, which answers a held fetch when data arrives:
//     fetch.wait.max.ms 1: 0.12 ms, 0.10 cores
//     fetch.wait.max.ms 100: 0.12 ms, 0.01 cores (the default)

#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <thread>
#include <vector>

#include "tinysaga/bus/kafka/kafka_bus.h"
#include "tinysaga/kafka_broker/broker.h"

namespace {

using namespace tinysaga;  // NOLINT: a small tool
using SteadyClock = std::chrono::steady_clock;

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

bus::Message Ping(const std::string& topic, int64_t n) {
  return bus::Message{"ping-" + topic + "-" + std::to_string(n), topic, "k", "{}", {}};
}

std::unique_ptr<bus::Consumer> Subscribe(bus::KafkaBus& kafka, const std::string& topic) {
  auto consumer = kafka.NewConsumer({"hop-" + topic, {topic}});
  if (!consumer.ok()) {
    std::fprintf(stderr, "consumer: %s\n", consumer.error().detail.c_str());
    std::exit(1);
  }
  return std::move(consumer).value();
}

// Waits for the next message; false when none came within a few seconds.
bool Receive(bus::Consumer& consumer) {
  const auto deadline = SteadyClock::now() + std::chrono::seconds(10);
  while (SteadyClock::now() < deadline) {
    auto got = consumer.Poll(1, std::chrono::milliseconds(100));
    if (got.ok() && !got->empty()) {
      (void)consumer.Commit(*got);
      return true;
    }
  }
  return false;
}

double Percentile(const std::vector<double>& sorted, double fraction) {
  return sorted[std::min(sorted.size() - 1, size_t(fraction * double(sorted.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Latency of one hop through the development broker, and the idle CPU it costs"};
  int fetch_wait_ms = 100;
  int round_trips = 400;
  int idle_seconds = 5;
  app.add_option("--fetch-wait-ms", fetch_wait_ms, "librdkafka fetch.wait.max.ms")
      ->check(CLI::Range(0, 1000));
  app.add_option("--round-trips", round_trips, "Round trips measured (two hops each)")
      ->check(CLI::Range(10, 1'000'000));
  app.add_option("--idle-seconds", idle_seconds, "Idle time over which consumer CPU is measured")
      ->check(CLI::Range(1, 600));
  CLI11_PARSE(app, argc, argv);

  auto cluster = kafka_broker::Broker::Start({.topics = {"hop.a", "hop.b"}, .partitions = 1});
  if (!cluster.ok()) {
    std::fprintf(stderr, "broker: %s\n", cluster.error().detail.c_str());
    return 1;
  }
  bus::KafkaBus kafka(
      bus::KafkaOptions{.bootstrap_servers = (*cluster)->bootstrap_servers(),
                        .fetch_wait_max = std::chrono::milliseconds(fetch_wait_ms)});
  auto producer = kafka.NewProducer();
  auto echo_producer = kafka.NewProducer();
  if (!producer.ok() || !echo_producer.ok()) return 1;
  auto back = Subscribe(kafka, "hop.b");

  std::atomic<bool> stopping{false};
  std::thread echo([&] {
    auto there = Subscribe(kafka, "hop.a");
    int64_t n = 0;
    while (!stopping.load()) {
      auto got = there->Poll(1, std::chrono::milliseconds(100));
      if (!got.ok() || got->empty()) continue;
      (void)there->Commit(*got);
      const bus::Message pong = Ping("hop.b", n++);
      (void)(*echo_producer)->Publish({&pong, 1});
    }
  });

  // The first round trips also wait for both groups to form: not measured.
  std::vector<double> hop_ms;
  for (int i = -20; i < round_trips; ++i) {
    const auto start = SteadyClock::now();
    const bus::Message ping = Ping("hop.a", i);
    if (!(*producer)->Publish({&ping, 1}).ok() || !Receive(*back)) {
      std::fprintf(stderr, "round trip %d: no answer\n", i);
      stopping = true;
      echo.join();
      return 1;
    }
    const double ms = std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count();
    if (i >= 0) hop_ms.push_back(ms / 2);
  }
  std::sort(hop_ms.begin(), hop_ms.end());

  // Idle: both consumers keep fetching (the echo thread polls, and librdkafka fetches on its own).
  std::thread idle_poller([&] {
    while (!stopping.load()) (void)back->Poll(1, std::chrono::milliseconds(100));
  });
  const double cpu_before = CpuSeconds();
  std::this_thread::sleep_for(std::chrono::seconds(idle_seconds));
  const double idle_cores = (CpuSeconds() - cpu_before) / idle_seconds;
  stopping = true;
  idle_poller.join();
  echo.join();

  std::printf(
      "fetch.wait.max.ms=%d: one hop (publish until acknowledged, fetched by the other side) "
      "p50 %.2f ms, p90 %.2f ms, p99 %.2f ms over %d round trips; idle, two consumers and the "
      "broker use %.2f cores\n",
      fetch_wait_ms, Percentile(hop_ms, 0.5), Percentile(hop_ms, 0.9), Percentile(hop_ms, 0.99),
      round_trips, idle_cores);
  return 0;
}
