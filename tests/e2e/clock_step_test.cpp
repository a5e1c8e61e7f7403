// Issue 11, fault "clock jumps": the system clock stepped an hour forward, then two hours
// back, while a saga waits for a reply. No timeout may fire early or never: each process keeps
// the course of its own clock (SystemClock: the wall clock read at start, then the boot-time
// clock, which steps do not move).
//
// The step is real for the processes: `up` and every process it starts run under libfaketime
// (Debian's libfaketime, installed by scripts/install-deps), which offsets the wall clock by
// what a file says and leaves the monotonic and boot-time clocks alone. The test first
// confirms that the orchestrator sees each step (its tinysaga_clock_step_seconds gauge), so it
// cannot pass because the step never happened.
//
// The waits are on events; the saga's own 10 s reply timeout (SagaTimings) is what is
// observed, so the test takes about 25 s.

#include <gtest/gtest.h>
#include <signal.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "saga_flows.h"
#include "up_process.h"

namespace tinysaga::e2e {
namespace {

using nlohmann::json;
using Steady = std::chrono::steady_clock;

// The reply timeout of a forward step (SagaTimings::forward, the orchestrator's default).
constexpr auto kReplyTimeout = std::chrono::seconds(10);

// The file libfaketime reads the offset from ("+3600": an hour ahead of the real clock).
class FakeTimeFile {
 public:
  FakeTimeFile()
      : path_(std::filesystem::temp_directory_path() /
              ("tinysaga-faketime-" + std::to_string(getpid()))) {
    Set(0);
  }
  ~FakeTimeFile() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  void Set(int64_t offset_s) {
    std::ofstream(path_, std::ios::trunc) << (offset_s < 0 ? "" : "+") << offset_s << "\n";
  }
  // The environment that puts `up` and its children under it.
  std::vector<std::string> Environment() const {
    std::string asan_options = std::getenv("ASAN_OPTIONS") ? std::getenv("ASAN_OPTIONS") : "";
    return {std::string("LD_PRELOAD=") + TINYSAGA_FAKETIME_LIBRARY,
            "FAKETIME_TIMESTAMP_FILE=" + path_.string(),
            // Re-read the file every second (the default caches it for 10 s).
            "FAKETIME_CACHE_DURATION=1",
            // Only the wall clock steps, as an NTP step or `date -s` would do it.
            "FAKETIME_DONT_FAKE_MONOTONIC=1",
            // Under AddressSanitizer, its runtime must otherwise come first in the list.
            "ASAN_OPTIONS=" + asan_options + (asan_options.empty() ? "" : ":") +
                "verify_asan_link_order=0"};
  }

 private:
  std::filesystem::path path_;
};

// The orchestrator's own reading of how far the system clock was stepped, in seconds.
std::optional<double> ClockStepSeen(http::Client& client, const UpProcess& up) {
  const json process = up.Process("orchestrator-1");
  Api orchestrator(client, http::Endpoint{"127.0.0.1", process["port"].get<uint16_t>()});
  std::istringstream lines(orchestrator.Get("/metrics").raw);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("tinysaga_clock_step_seconds "))
      return std::stod(line.substr(line.find(' ')));
  }
  return std::nullopt;
}

void ExpectStepSeen(http::Client& client, const UpProcess& up, double step_s) {
  std::optional<double> seen;
  const bool arrived = Eventually([&] {
    seen = ClockStepSeen(client, up);
    return seen && std::abs(*seen - step_s) < 5;
  });
  ASSERT_TRUE(arrived) << "the orchestrator never saw the clock stepped by " << step_s
                       << " s (last seen: " << (seen ? std::to_string(*seen) : "no gauge")
                       << "); is libfaketime loaded?";
}

// The saga's reserve_stock step as its view shows it.
json ReserveStockStep(const Api& api, const std::string& order_id) {
  for (const json& step :
       api.Get("/api/orders/" + order_id + "/saga").body.value("steps", json::array())) {
    if (step.value("name", "") == "reserve_stock") return step;
  }
  return json::object();
}

// Waits until the reserve_stock step has been sent `attempts` times (a timeout resends it).
void WaitForAttempts(const Api& api, const std::string& order_id, int attempts,
                     std::chrono::seconds bound) {
  json step;
  const bool reached = Eventually(
      [&] {
        step = ReserveStockStep(api, order_id);
        return step.value("attempts", 0) >= attempts;
      },
      bound);
  ASSERT_TRUE(reached) << "reserve_stock never reached attempt " << attempts << ": " << step.dump();
}

TEST(ClockStepTest, NoTimeoutFiresEarlyOrNever) {
  FakeTimeFile fake_time;
  UpProcess up({"--saga-mode", "orchestration", "--rate-limit-per-second", "100000",
                "--rate-limit-burst", "100000"},
               fake_time.Environment());
  http::Client client;
  Api admin(client, up.gateway());
  admin.SignIn("admin", "admin");
  const std::string product = NewProduct(admin, 1'000, 5);
  const std::string user = NewUser(admin, 10'000);
  Api api(client, up.gateway());
  api.SignIn(user);
  const pid_t inventory = up.Process("inventory-1")["pid"].get<pid_t>();
  const ResumeOnExit resume_inventory(inventory);

  // A saga waits for Inventory, which hangs, then the clock steps an hour forward: its reply
  // timeout must still come a full timeout after the command went out, not at once.
  const std::string order_id = CreateOrder(api, product, 1);
  ASSERT_EQ(kill(inventory, SIGSTOP), 0);
  const Steady::time_point paid_at = Steady::now();  // before the command can have gone out
  ASSERT_EQ(Pay(api, order_id).status, 200);
  WaitForAttempts(api, order_id, 1, std::chrono::seconds(30));
  fake_time.Set(3'600);
  ExpectStepSeen(client, up, 3'600);
  WaitForAttempts(api, order_id, 2, std::chrono::seconds(60));
  EXPECT_GE(Steady::now() - paid_at, kReplyTimeout)
      << "the reply timeout fired early after the clock stepped forward";

  // The clock steps two hours back while the resent command waits: its timeout must still
  // come about a timeout later, not two hours later.
  const Steady::time_point resent_seen_at = Steady::now();
  fake_time.Set(-3'600);
  ExpectStepSeen(client, up, -3'600);
  WaitForAttempts(api, order_id, 3, std::chrono::seconds(60));
  EXPECT_LT(Steady::now() - resent_seen_at, 3 * kReplyTimeout);

  // Inventory answers again: the saga goes on to its end, the stock taken once.
  ASSERT_EQ(kill(inventory, SIGCONT), 0);
  WaitForStatus(api, order_id, "PLACED");
  WaitForSagaState(api, order_id, "COMPLETED");
  EXPECT_EQ(api.Get("/api/products/" + product).body.value("availableProductCount", -1), 4);
  const CheckResult check = AwaitCheckPasses(up.db_template());
  EXPECT_EQ(check.exit_code, 0) << check.output;
}

}  // namespace
}  // namespace tinysaga::e2e
