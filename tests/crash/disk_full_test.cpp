// Disk full for one service's database (issue 11, "Faults to add"): the Wallet's writes fail
// for a while, then space returns, and the system must come back by itself.
//
// Under `tinysaga bench` load through a real `tinysaga up`, the test lowers the running Wallet
// process's RLIMIT_FSIZE (prlimit, the soft limit only, so that it can be raised again without
// privileges) to kFileSizeLimitBytes: no file of that process may grow past it, which SQLite
// meets as a full disk (EFBIG, short writes) on its next commit. The services ignore SIGXFSZ
// (apps/tinysaga/main.cpp), so the Wallet must not die. While the limit holds: a deposit
// answers 503 problem+json (not 500) and leaves the balance as it was, reads of the wallet still
// answer, and a payment fails as documented (503, order FAILED, no net charge). Then the limit
// is lifted: the same Wallet process (no restart) takes the deposit again, a new order is
// PLACED, and after a little more load every order is at rest, the books balance and
// `tinysaga check` passes. (The Wallet's own log lines are lost while the limit holds: the log
// file may not grow either.)
//
// The seed (printed first, TINYSAGA_CRASH_SEED=N replays it) draws how long the load runs in
// each phase; every other wait is on an event, bounded.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <thread>

#include "bench_process.h"
#include "books.h"
#include "up_process.h"
#include "verdict.h"

namespace tinysaga::crash {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kCtestName = "crash.disk_full";
constexpr const char* kProcess = "wallet-1";
// Every write of the Wallet's database goes past the first byte of its file (the WAL's frames,
// its header after a checkpoint): each fails, as on a full disk.
constexpr rlim_t kFileSizeLimitBytes = 1;

// After the lift: how long a new order may take to be PLACED.
constexpr auto kPlacedBound = seconds(60);

constexpr auto kBeforeFullMin = milliseconds(200), kBeforeFullMax = milliseconds(2'000);
constexpr auto kWhileFullMin = milliseconds(2'000), kWhileFullMax = milliseconds(4'000);
constexpr auto kAfterLiftMin = milliseconds(3'000), kAfterLiftMax = milliseconds(5'000);

constexpr int64_t kDepositCents = 1'000;

// Sets the soft RLIMIT_FSIZE of `pid`, keeping its hard limit; "" or why it failed.
std::string SetFileSizeLimit(pid_t pid, rlim_t bytes) {
  rlimit current{};
  if (prlimit(pid, RLIMIT_FSIZE, nullptr, &current) != 0)
    return std::string("prlimit read: ") + std::strerror(errno);
  const rlimit wanted{.rlim_cur = bytes, .rlim_max = current.rlim_max};
  if (prlimit(pid, RLIMIT_FSIZE, &wanted, nullptr) != 0)
    return std::string("prlimit set: ") + std::strerror(errno);
  return "";
}

void ExpectProblem(const e2e::Api::Reply& reply, int status, const std::string& slug) {
  EXPECT_EQ(reply.status, status) << reply.raw;
  auto content_type = http::FindHeader(reply.headers, "Content-Type");
  EXPECT_TRUE(content_type && content_type->starts_with("application/problem+json")) << reply.raw;
  EXPECT_TRUE(reply.body.is_object() && reply.body.value("type", "").ends_with(slug)) << reply.raw;
}

int64_t Balance(const e2e::Api& api, const std::string& user_id) {
  auto wallet = api.Get("/api/wallets/" + user_id);
  EXPECT_EQ(wallet.status, 200) << wallet.raw;
  return wallet.body.is_object() ? wallet.body.value("balance", int64_t{-1}) : -1;
}

std::string CreateOrder(const e2e::Api& api) {
  auto created =
      api.Post("/api/orders", {{"productId", "keyboard"}, {"quantity", 1}}, e2e::NewKey());
  EXPECT_EQ(created.status, 201) << created.raw;
  return created.body.is_object() ? created.body.value("orderId", "") : "";
}

std::string StatusOf(const e2e::Api& api, const std::string& order_id) {
  auto order = api.Get("/api/orders/" + order_id);
  return order.body.is_object() ? order.body.value("status", "") : "";
}

class DiskFullTest : public ::testing::Test {
 protected:
  // While the Wallet's disk is full. Returns the deposit's idempotency key, for the retry.
  std::string ExpectWritesRefusedAndReadsServed(const e2e::UpProcess& up) {
    http::Client client;
    e2e::Api alice(client, up.gateway());
    alice.SignIn("alice");
    const int64_t balance = Balance(alice, "alice");
    const std::string key = e2e::NewKey();
    ExpectProblem(alice.Post("/api/wallets/alice/deposits", {{"amount", kDepositCents}}, key), 503,
                  "service-unavailable");
    EXPECT_EQ(Balance(alice, "alice"), balance) << "the refused deposit left nothing behind";
    // A payment: the Wallet's debit fails after Payment's retries; the order fails, no charge.
    const std::string order_id = CreateOrder(alice);
    ExpectProblem(alice.Post("/api/payment", {{"orderId", order_id}}, e2e::NewKey()), 503,
                  "service-unavailable");
    EXPECT_EQ(Balance(alice, "alice"), balance) << "a payment refused by the Wallet charged";
    refused_order_id_ = order_id;
    return key;
  }

  // After the lift, with no restart: the deposit goes through on its retry, a new order is
  // PLACED, the refused one ended FAILED.
  void ExpectWritesServedAgain(const e2e::UpProcess& up, const std::string& deposit_key) {
    http::Client client;
    e2e::Api alice(client, up.gateway());
    alice.SignIn("alice");
    const int64_t balance = Balance(alice, "alice");
    auto deposit =
        alice.Post("/api/wallets/alice/deposits", {{"amount", kDepositCents}}, deposit_key);
    EXPECT_EQ(deposit.status, 201) << deposit.raw;
    EXPECT_EQ(Balance(alice, "alice"), balance + kDepositCents);
    const std::string order_id = CreateOrder(alice);
    auto paid = alice.Post("/api/payment", {{"orderId", order_id}}, e2e::NewKey());
    EXPECT_EQ(paid.status, 200) << paid.raw;
    EXPECT_TRUE(
        e2e::Eventually([&] { return StatusOf(alice, order_id) == "PLACED"; }, kPlacedBound))
        << "a new order after the lift: " << StatusOf(alice, order_id);
    EXPECT_TRUE(e2e::Eventually([&] { return StatusOf(alice, refused_order_id_) == "FAILED"; },
                                kPlacedBound))
        << "the order whose payment the full disk refused: " << StatusOf(alice, refused_order_id_);
  }

  void TearDown() override {
    if (HasFailure() && up_) {
      setenv("TINYSAGA_KEEP_TEST_DATA", "1", 0);
      std::printf("databases and logs kept in %s\n", up_->data_dir().c_str());
    }
    books_.reset();
    up_.reset();
  }

  std::unique_ptr<e2e::UpProcess> up_;
  std::unique_ptr<Books> books_;
  std::string refused_order_id_;
};

TEST_F(DiskFullTest, WalletRefusesWritesWhileItsDiskIsFullAndRecoversWithoutRestart) {
  const SeededRun seeded = AnnounceSeed("disk full test", kCtestName);
  SCOPED_TRACE(seeded.trace);
  const uint64_t seed = seeded.seed;
  SeededPauses pauses(seed);
  const auto before_full = pauses.Draw(kBeforeFullMin, kBeforeFullMax);
  const auto while_full = pauses.Draw(kWhileFullMin, kWhileFullMax);
  const auto after_lift = pauses.Draw(kAfterLiftMin, kAfterLiftMax);
  const auto started = Clock::now();

  up_ = std::make_unique<e2e::UpProcess>(
      std::vector<std::string>{"--saga-mode", "orchestration", "--rate-limit-per-second", "100000",
                               "--rate-limit-burst", "100000"});
  const e2e::UpProcess& up = *up_;
  std::printf("up ready in %.1f s, data in %s\n", SecondsBetween(started, Clock::now()),
              up.data_dir().c_str());
  auto books = Books::Open(up.db_template(), /*with_sagas=*/true);
  ASSERT_TRUE(books.ok()) << books.error().detail;
  books_ = std::move(books).value();
  const pid_t wallet = up.Process(kProcess).at("pid").get<pid_t>();

  BenchProcess bench(BenchArgs(up.gateway().port), up.data_dir() / "bench.txt");
  ASSERT_TRUE(bench.WaitLoadStarted(kSeedingBound)) << bench.Stderr();
  ASSERT_TRUE(AwaitFinishedOrders(*books_, kFinishedOrdersBeforeFault, kFlowingBound))
      << "no sagas finished under load:\n"
      << bench.Stderr();
  std::this_thread::sleep_for(before_full);  // the load's length (seeded)

  const auto full = Clock::now();
  ASSERT_EQ(SetFileSizeLimit(wallet, kFileSizeLimitBytes), "");
  std::printf("%s (pid %d): RLIMIT_FSIZE %llu bytes\n", kProcess, wallet,
              static_cast<unsigned long long>(kFileSizeLimitBytes));
  std::string deposit_key = ExpectWritesRefusedAndReadsServed(up);
  std::this_thread::sleep_until(full + while_full);  // the load's length (seeded)
  EXPECT_EQ(kill(wallet, 0), 0) << kProcess << " died while its disk was full";
  ExpectNoRestarts(up, "while the Wallet's disk was full");

  const auto lifted = Clock::now();
  ASSERT_EQ(SetFileSizeLimit(wallet, RLIM_INFINITY), "");
  std::printf("%s: limit lifted after %.1f s\n", kProcess, SecondsBetween(full, lifted));
  ExpectWritesServedAgain(up, deposit_key);
  std::this_thread::sleep_until(lifted + after_lift);  // the load's length (seeded)
  EXPECT_EQ(bench.Stop(), 0) << bench.Stderr();
  std::printf("sagas finished per second under load: %s\n", SagasPerSecond(bench.Stderr()).c_str());

  const std::string unsettled = AwaitAtRest(*books_, lifted + kSettleBound);
  std::printf("%s %.1f s after the lift (bound %lld s)\n",
              unsettled.empty() ? "every order at rest" : "NOT at rest",
              SecondsBetween(lifted, Clock::now()), static_cast<long long>(kSettleBound.count()));
  ASSERT_EQ(unsettled, "") << "not at rest " << kSettleBound.count() << " s after the lift";
  const e2e::CheckResult check = e2e::AwaitCheckPasses(up.db_template());
  EXPECT_EQ(check.exit_code, 0) << check.output;
  auto totals = books_->ReadTotals();
  ASSERT_TRUE(totals.ok()) << totals.error().detail;
  ExpectBooksBalance(*totals);
  ExpectNoRestarts(up, "after the lift");
  EXPECT_EQ(up.Process(kProcess).at("pid").get<pid_t>(), wallet) << "the Wallet was replaced";
  std::printf(
      "summary: seed %llu; %lld orders: %s; %lld placed, worth %s = the wallets gave %s\n"
      "wall time: %.1f s\n",
      static_cast<unsigned long long>(seed), static_cast<long long>(totals->orders),
      Join(totals->outcomes).c_str(), static_cast<long long>(totals->placed_orders),
      Cents(totals->placed_value_cents).c_str(), Cents(totals->taken_from_wallets_cents()).c_str(),
      SecondsBetween(started, Clock::now()));
}

}  // namespace
}  // namespace tinysaga::crash
