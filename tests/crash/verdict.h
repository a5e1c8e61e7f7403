#pragma once
// What the crash and fault tests (tests/crash) share once the faults are over: the seed a run
// replays from, and the verdict: every order at rest within a bound, `tinysaga check` passing,
// the books balanced (books.h reads them).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <random>
#include <string>

#include "books.h"
#include "up_process.h"

namespace tinysaga::crash {

using Clock = std::chrono::steady_clock;

double SecondsBetween(Clock::time_point from, Clock::time_point to);

// TINYSAGA_CRASH_SEED, else a fresh one (print it: a failing run replays with it).
uint64_t SeedFromEnvironment();

// "TINYSAGA_CRASH_SEED=N ctest --test-dir BUILD -R '^NAME$' --output-on-failure".
std::string ReplayCommand(uint64_t seed, const std::string& ctest_name,
                          const std::string& prefix = "");

std::string Cents(int64_t cents);                           // "$12.34"
std::string Join(const std::map<std::string, int64_t>& counts);  // "PLACED 3, FAILED 1"
std::string ReadFile(const std::filesystem::path& path);

// Pauses drawn from a seed, uniformly in [min, max] in millisecond steps: a run's only timed
// waits (how long the load runs in each phase), replayed by its seed. The draws are taken
// straight from std::mt19937_64, whose sequence the standard fixes.
class SeededPauses {
 public:
  explicit SeededPauses(uint64_t seed) : rng_(seed) {}
  std::chrono::milliseconds Draw(std::chrono::milliseconds min, std::chrono::milliseconds max) {
    const uint64_t span = static_cast<uint64_t>((max - min).count()) + 1;
    return min + std::chrono::milliseconds(rng_() % span);
  }

 private:
  std::mt19937_64 rng_;
};

// Polls the books until at least `finished` orders reached a terminal status (sagas flow under
// the load), within `bound`.
bool AwaitFinishedOrders(Books& books, int64_t finished, std::chrono::milliseconds bound);

// gtest expectations: `up` (its up.json) restarted none of its processes: none died.
void ExpectNoRestarts(const e2e::UpProcess& up, const std::string& when);

// Polls the books until every order is at rest or `deadline` passed. "" when at rest; else
// what is not, with up to 20 of those orders described (their services' logs tell why).
std::string AwaitAtRest(Books& books, Clock::time_point deadline);

// Runs `tinysaga check` until it passes or `bound` passed (the last outbox rows are published
// moments after the orders are at rest); its last result.
e2e::CheckResult AwaitCheckPasses(const std::string& db_template, std::chrono::milliseconds bound);

// gtest expectations: what the wallets gave == the value of the orders placed == the payments
// kept; every product's stock == what was supplied minus what placed orders hold; and the load
// placed orders and failed some.
void ExpectBooksBalance(const Totals& totals);

}  // namespace tinysaga::crash
