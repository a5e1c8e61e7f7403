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

// ---- The bounds every crash and fault test shares ------------------------------------------

// How long after the last fault every order may take to come to rest. The slowest way to rest
// is a payment whose process was killed (or stopped) mid-request: it stays PENDING until
// Payment's reconciler fails it, once it is older than ReconcilerOptions::stale_after (60 s) at
// one of its passes every PaymentOptions::reconcile_interval (5 s); then its saga fails the
// order in a few millisecond steps, but a step may first wait out one reply timeout
// (SagaTimings forward and must_finish: 10 s) and a backoff (forward: at most 5 s); the void
// the reconciler queues runs on the refund worker's next poll (200 ms; a retry after a wallet
// outage during the load comes at most RefundWorkerOptions::retry_max = 30 s after it, within
// the 60 s). 60 + 5 + 10 + 5 = 80 s, plus 20 s for two cores shared by eight processes and the
// sanitizers. The defaults are the production ones: most of a run's length is this wait.
constexpr auto kSettleBound = std::chrono::seconds(100);
// Seeding the bench's users and products, before the load and the faults begin.
constexpr auto kSeedingBound = std::chrono::seconds(120);
// The faults begin once sagas flow: a freshly started `up` stalls its first sagas for 10-20 s
// (README, bench), and a fault during that stall would find little work in flight.
constexpr int64_t kFinishedOrdersBeforeFault = 16;
constexpr auto kFlowingBound = std::chrono::seconds(60);

double SecondsBetween(Clock::time_point from, Clock::time_point to);

// TINYSAGA_CRASH_SEED, else a fresh one (print it: a failing run replays with it).
uint64_t SeedFromEnvironment();

// "TINYSAGA_CRASH_SEED=N ctest --test-dir BUILD -R '^NAME$' --output-on-failure".
std::string ReplayCommand(uint64_t seed, const std::string& ctest_name,
                          const std::string& prefix = "");

// How every seeded fault test opens: its seed, printed first ("TITLE: seed N" and the replay
// command) so that any failure names its replay. Put `SCOPED_TRACE(seeded.trace)` next to it:
// a trace lives in the test's own scope.
struct SeededRun {
  uint64_t seed = 0;
  std::string replay;
  std::string trace;  // "seed N; replay: ..."
};
SeededRun AnnounceSeed(const std::string& title, const std::string& ctest_name,
                       const std::string& replay_prefix = "");

std::string Cents(int64_t cents);                                // "$12.34"
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

// gtest expectations: what the wallets gave == the value of the orders placed == the payments
// kept; every product's stock == what was supplied minus what placed orders hold; and the load
// placed orders and failed some.
void ExpectBooksBalance(const Totals& totals);

}  // namespace tinysaga::crash
