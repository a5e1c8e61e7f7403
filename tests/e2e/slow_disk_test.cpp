// Issue 11, fault "slow disk or a busy database": while sagas run, every fsync of every
// service's database takes a second (libtinysaga_slow_sync, preloaded into `up` and its
// processes). Latency grows, nothing fails: every order paid during the stall is PLACED, none
// FAILED for a timeout, the stock taken once each, and `tinysaga check` passes.

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <thread>

#include "saga_flows.h"
#include "up_process.h"

namespace tinysaga::e2e {
namespace {

using nlohmann::json;
using Steady = std::chrono::steady_clock;

constexpr int kSagas = 6;
constexpr int64_t kPrice = 1'000;
constexpr int64_t kStock = 100;
constexpr int kStallMs = 1'000;

// The file libtinysaga_slow_sync reads: "<milliseconds> <path text>" (slow_sync.cpp).
class SlowSyncFile {
 public:
  SlowSyncFile()
      : path_(std::filesystem::temp_directory_path() /
              ("tinysaga-slow-sync-" + std::to_string(getpid()))) {}
  ~SlowSyncFile() { Clear(); }
  void Set(int milliseconds, const std::string& path_text) {
    std::ofstream(path_, std::ios::trunc) << milliseconds << " " << path_text << "\n";
  }
  void Clear() {
    std::error_code ignored;
    std::filesystem::remove(path_, ignored);
  }
  // The environment that puts `up` and its children on the slow disk.
  std::vector<std::string> Environment() const {
    const char* asan_options = std::getenv("ASAN_OPTIONS");
    return {std::string("LD_PRELOAD=") + TINYSAGA_SLOW_SYNC_LIBRARY,
            "TINYSAGA_SLOW_SYNC_FILE=" + path_.string(),
            // Under AddressSanitizer, its runtime must otherwise come first in the list.
            std::string("ASAN_OPTIONS=") + (asan_options ? std::string(asan_options) + ":" : "") +
                "verify_asan_link_order=0"};
  }

 private:
  std::filesystem::path path_;
};

bool Preloaded(pid_t pid) {
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  const std::string text((std::istreambuf_iterator<char>(maps)), std::istreambuf_iterator<char>());
  return text.find("slow_sync") != std::string::npos;
}

// The parameter is the saga mode.
class SlowDiskTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SlowDiskTest, SagasWaitOutSecondLongSyncsAndNoneFails) {
  SlowSyncFile slow_sync;
  UpProcess up({"--saga-mode", GetParam(), "--rate-limit-per-second", "100000",
                "--rate-limit-burst", "100000"},
               slow_sync.Environment());
  ASSERT_TRUE(Preloaded(up.Process("wallet-1")["pid"].get<pid_t>()))
      << "libtinysaga_slow_sync is not loaded: the test would prove nothing";
  http::Client admin_client;
  Api admin(admin_client, up.gateway());
  admin.SignIn("admin", "admin");
  const std::string product = NewProduct(admin, kPrice, kStock);
  std::vector<std::string> users;
  for (int i = 0; i < kSagas; ++i) users.push_back(NewUser(admin, 10 * kPrice));

  slow_sync.Set(kStallMs, ".db");  // every database file and its WAL
  std::vector<std::string> order_ids(kSagas);
  std::vector<Steady::duration> took(kSagas);
  std::vector<std::thread> sagas;
  for (int i = 0; i < kSagas; ++i) {
    sagas.emplace_back([&, i] {
      http::Client client;
      Api api(client, up.gateway());
      api.SignIn(users[static_cast<size_t>(i)]);
      const Steady::time_point start = Steady::now();
      order_ids[static_cast<size_t>(i)] = CreateOrder(api, product, 1);
      const auto paid = Pay(api, order_ids[static_cast<size_t>(i)]);
      EXPECT_EQ(paid.status, 200) << paid.raw;
      WaitForStatus(api, order_ids[static_cast<size_t>(i)], "PLACED");
      took[static_cast<size_t>(i)] = Steady::now() - start;
    });
  }
  for (std::thread& saga : sagas) saga.join();
  slow_sync.Clear();

  for (int i = 0; i < kSagas; ++i) {
    std::cout << "saga " << i << " (" << order_ids[static_cast<size_t>(i)] << "): "
              << std::chrono::duration_cast<std::chrono::milliseconds>(took[static_cast<size_t>(i)])
                     .count()
              << " ms on the slow disk\n";
  }
  EXPECT_EQ(admin.Get("/api/products/" + product).body.value("availableProductCount", int64_t{-1}),
            kStock - kSagas);
  const CheckResult check = AwaitCheckPasses(up.db_template());
  EXPECT_EQ(check.exit_code, 0) << check.output;
}

INSTANTIATE_TEST_SUITE_P(Modes, SlowDiskTest, ::testing::Values("orchestration", "choreography"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace tinysaga::e2e
