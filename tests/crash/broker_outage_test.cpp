// Broker outage (issue 11, "Faults to add"): the Kafka broker dies with everything it held,
// and the operator points the services at a new, empty one.
//
// A standalone `tinysaga broker` runs as the test's child; `tinysaga up --kafka` uses it under
// `tinysaga bench` load. Mid-load the broker is killed with -9. While it is down the HTTP API
// must still answer (an order is created, read and paid: the payment's event waits in
// Payment's outbox) and no service may die. Then the operator's recovery: a new broker (new
// port, empty), `up` stopped (SIGTERM) and started again on the same data with
// `--kafka <new address>`. Every service sees a different broker in Messaging::UseBroker and
// republishes its retained outbox; consumers read the new broker from the beginning and their
// inboxes drop what they had applied. After a little more load: every order at rest within
// kSettleBound, the order paid during the outage PLACED, the books balanced, `tinysaga check`
// passing, no process restarted, and the duplicates seen and dropped (no effect applied twice:
// the books would show it).
//
// The seed (printed first, TINYSAGA_CRASH_SEED=N replays it) draws how long the load runs in
// each phase; every other wait is on an event, bounded.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <sstream>
#include <thread>

#include "bench_process.h"
#include "books.h"
#include "broker_process.h"
#include "up_process.h"
#include "verdict.h"

namespace tinysaga::crash {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

// ---- The bounds ---------------------------------------------------------------------------

// `up` stops its children with SIGTERM and kills those still running after 10 s
// (Supervisor::Stop): a service whose shutdown waited on the dead broker would show here.
constexpr auto kStopBound = seconds(10);

// The load's phases, drawn from the seed.
constexpr auto kBeforeOutageMin = milliseconds(200), kBeforeOutageMax = milliseconds(2'000);
constexpr auto kDuringOutageMin = milliseconds(2'000), kDuringOutageMax = milliseconds(5'000);
constexpr auto kAfterRecoveryMin = milliseconds(3'000), kAfterRecoveryMax = milliseconds(6'000);

// Virtual users wait at most this long for a saga: the ones caught by the outage move on
// sooner, and the bench ends sooner when stopped while the broker is down.
BenchLoad Load() { return {.terminal_timeout_ms = 10'000}; }

std::string CtestName(const std::string& mode) { return "crash.broker_outage." + mode; }

// The services with an outbox and consumers in `mode` (the gateway has neither).
std::vector<std::string> MessagingServices(const std::string& mode) {
  std::vector<std::string> services = {"order", "payment", "wallet", "inventory"};
  if (mode == "orchestration") services.push_back("orchestrator");
  return services;
}

// The sum of tinysaga_messages_consumed_total{outcome="duplicate"} over the processes of
// `services`, read from their /metrics (on their loopback ports, no token needed).
int64_t DuplicatesDropped(const e2e::UpProcess& up, const std::vector<std::string>& services) {
  http::Client client;
  int64_t duplicates = 0;
  for (const std::string& service : services) {
    const json process = up.Process(service + "-1");
    const http::Endpoint endpoint{"127.0.0.1", process.at("port").get<uint16_t>()};
    auto metrics =
        client.SendAndWait(endpoint, {.method = "GET", .target = "/metrics"}, milliseconds(5'000));
    if (!metrics.ok() || metrics->status != 200) continue;
    std::istringstream lines(metrics->body);
    for (std::string line; std::getline(lines, line);) {
      if (!line.starts_with("tinysaga_messages_consumed_total{") ||
          line.find("outcome=\"duplicate\"") == std::string::npos)
        continue;
      duplicates += static_cast<int64_t>(std::stod(line.substr(line.rfind(' ') + 1)));
    }
  }
  return duplicates;
}

// An order made through the API while the broker is down.
struct OutageOrder {
  std::string order_id;
  std::string user_id = "alice";  // demo data: $5,000
};

class BrokerOutageTest : public ::testing::TestWithParam<std::string> {
 protected:
  // While the broker is down: the gateway and the services answer, an order is created, read
  // back and paid (the wallet is called over HTTP; the event waits in the outbox).
  OutageOrder ExpectApiAnswersWithoutBroker(const e2e::UpProcess& up) {
    http::Client client;
    e2e::Api alice(client, up.gateway());
    alice.SignIn("alice");
    OutageOrder made;
    auto created =
        alice.Post("/api/orders", {{"productId", "keyboard"}, {"quantity", 1}}, e2e::NewKey());
    EXPECT_EQ(created.status, 201) << created.raw;
    made.order_id = created.body.is_object() ? created.body.value("orderId", "") : "";
    if (made.order_id.empty()) return made;
    auto read = alice.Get("/api/orders/" + made.order_id);
    EXPECT_EQ(read.status, 200) << read.raw;
    EXPECT_EQ(read.body.value("status", ""), "INITIATED") << read.raw;
    auto paid = alice.Post("/api/payment", {{"orderId", made.order_id}}, e2e::NewKey());
    EXPECT_EQ(paid.status, 200) << "the payment needs no broker to answer: " << paid.raw;
    auto wallet = alice.Get("/api/wallets/alice");
    EXPECT_EQ(wallet.status, 200) << wallet.raw;
    return made;
  }

  // Every messaging service logged that the broker changed and republished its outbox.
  void ExpectOutboxesRepublished(const e2e::UpProcess& up, const std::string& mode) {
    for (const std::string& service : MessagingServices(mode)) {
      const std::string log = ReadFile(up.data_dir() / "logs" / (service + "-1.log"));
      EXPECT_NE(log.find("the broker changed"), std::string::npos)
          << service << " did not notice the new broker (see data/logs/" << service << "-1.log)";
    }
  }

  void TearDown() override {
    if (HasFailure()) {
      setenv("TINYSAGA_KEEP_TEST_DATA", "1", 0);
      if (first_up_) std::printf("databases and logs kept in %s\n", first_up_->data_dir().c_str());
    }
    books_.reset();
    second_up_.reset();
    broker_.reset();
    first_up_.reset();  // last: it owns the data directory
  }

  std::unique_ptr<e2e::UpProcess> first_up_, second_up_;
  std::unique_ptr<BrokerProcess> broker_;
  std::unique_ptr<Books> books_;
};

TEST_P(BrokerOutageTest, ServicesRecoverOnANewEmptyBroker) {
  const std::string mode = GetParam();
  const SeededRun seeded = AnnounceSeed("broker outage test (" + mode + ")", CtestName(mode));
  SCOPED_TRACE(seeded.trace);
  const uint64_t seed = seeded.seed;
  SeededPauses pauses(seed);
  const auto before_outage = pauses.Draw(kBeforeOutageMin, kBeforeOutageMax);
  const auto during_outage = pauses.Draw(kDuringOutageMin, kDuringOutageMax);
  const auto after_recovery = pauses.Draw(kAfterRecoveryMin, kAfterRecoveryMax);
  const auto started = Clock::now();
  const std::vector<std::string> up_args{
      "--saga-mode", mode, "--rate-limit-per-second", "100000", "--rate-limit-burst", "100000"};

  // The first broker, outside `up`, and `up` on it (demo data: alice and the keyboard).
  const std::filesystem::path scratch =
      std::filesystem::temp_directory_path() / ("tinysaga-outage-" + std::to_string(getpid()));
  std::filesystem::create_directories(scratch);
  broker_ = std::make_unique<BrokerProcess>(scratch / "broker-1.address", scratch / "broker.log");
  std::vector<std::string> first_args = up_args;
  first_args.insert(first_args.end(), {"--kafka", broker_->address()});
  first_up_ = std::make_unique<e2e::UpProcess>(first_args);
  std::printf("broker 1 at %s; up ready in %.1f s, data in %s\n", broker_->address().c_str(),
              SecondsBetween(started, Clock::now()), first_up_->data_dir().c_str());
  auto books = Books::Open(first_up_->db_template(), mode == "orchestration");
  ASSERT_TRUE(books.ok()) << books.error().detail;
  books_ = std::move(books).value();

  // Load, then the broker dies mid-load.
  OutageOrder outage_order;
  {
    BenchProcess bench(BenchArgs(first_up_->gateway().port, Load()),
                       first_up_->data_dir() / "bench-1.txt");
    ASSERT_TRUE(bench.WaitLoadStarted(kSeedingBound)) << bench.Stderr();
    ASSERT_TRUE(AwaitFinishedOrders(*books_, kFinishedOrdersBeforeFault, kFlowingBound))
        << "no sagas finished under load:\n"
        << bench.Stderr();
    std::this_thread::sleep_for(before_outage);  // the load's length (seeded)
    const auto killed = Clock::now();
    broker_->KillNine();
    std::printf("kill -9 broker 1 %.1f s after up was ready\n", SecondsBetween(started, killed));
    outage_order = ExpectApiAnswersWithoutBroker(*first_up_);
    std::this_thread::sleep_until(killed + during_outage);  // the load's length (seeded)
    ASSERT_TRUE(bench.Running()) << "the bench ended during the outage:\n" << bench.Stderr();
    EXPECT_EQ(bench.Stop(), 0) << bench.Stderr();
    std::printf("load without a broker: %.1f s; sagas per second: %s\n",
                SecondsBetween(killed, Clock::now()), SagasPerSecond(bench.Stderr()).c_str());
  }
  ExpectNoRestarts(*first_up_, "while the broker was down");
  if (auto unsettled = books_->ReadUnsettled(); unsettled.ok())
    std::printf("during the outage, not at rest: %s\n", unsettled->ToString().c_str());

  // The operator's recovery: a new broker, `up` restarted on the same data pointing at it.
  const auto stopping = Clock::now();
  EXPECT_EQ(first_up_->Stop(), 0);
  const auto stop_took = Clock::now() - stopping;
  EXPECT_LT(stop_took, kStopBound) << "a service's shutdown waited on the dead broker";
  broker_ = std::make_unique<BrokerProcess>(scratch / "broker-2.address", scratch / "broker.log");
  std::vector<std::string> second_args = up_args;
  second_args.insert(second_args.end(), {"--kafka", broker_->address(), "--no-demo"});
  const auto restarting = Clock::now();
  second_up_ = std::make_unique<e2e::UpProcess>(second_args, *first_up_);
  const auto recovered = Clock::now();
  std::printf("up stopped in %.1f s; broker 2 at %s; up ready again in %.1f s\n",
              std::chrono::duration<double>(stop_took).count(), broker_->address().c_str(),
              SecondsBetween(restarting, recovered));
  ExpectOutboxesRepublished(*second_up_, mode);

  {
    BenchProcess bench(BenchArgs(second_up_->gateway().port, Load()),
                       first_up_->data_dir() / "bench-2.txt");
    ASSERT_TRUE(bench.WaitLoadStarted(kSeedingBound)) << bench.Stderr();
    const auto load_began = Clock::now();
    std::this_thread::sleep_for(after_recovery);  // the load's length (seeded)
    EXPECT_EQ(bench.Stop(), 0) << bench.Stderr();
    std::printf("load on the new broker: %.1f s; sagas per second: %s\n",
                SecondsBetween(load_began, Clock::now()), SagasPerSecond(bench.Stderr()).c_str());
  }

  const std::string unsettled = AwaitAtRest(*books_, recovered + kSettleBound);
  std::printf("%s %.1f s after up was ready again (bound %lld s)\n",
              unsettled.empty() ? "every order at rest" : "NOT at rest",
              SecondsBetween(recovered, Clock::now()),
              static_cast<long long>(kSettleBound.count()));
  ASSERT_EQ(unsettled, "") << "not at rest " << kSettleBound.count() << " s after the restart";
  if (!outage_order.order_id.empty()) {
    http::Client client;
    e2e::Api alice(client, second_up_->gateway());
    alice.SignIn(outage_order.user_id);
    auto order = alice.Get("/api/orders/" + outage_order.order_id);
    EXPECT_EQ(order.body.value("status", ""), "PLACED")
        << "the order paid while the broker was down: " << order.raw;
  }
  const e2e::CheckResult check = e2e::AwaitCheckPasses(second_up_->db_template());
  EXPECT_EQ(check.exit_code, 0) << check.output;
  auto totals = books_->ReadTotals();
  ASSERT_TRUE(totals.ok()) << totals.error().detail;
  ExpectBooksBalance(*totals);
  ExpectNoRestarts(*second_up_, "on the new broker");
  const int64_t duplicates = DuplicatesDropped(*second_up_, MessagingServices(mode));
  EXPECT_GT(duplicates, 0) << "the republished messages never reached the inboxes";
  std::printf(
      "summary: seed %llu; %lld orders: %s; %lld placed, worth %s = the wallets gave %s; "
      "%lld republished duplicates dropped by the inboxes\nwall time: %.1f s\n",
      static_cast<unsigned long long>(seed), static_cast<long long>(totals->orders),
      Join(totals->outcomes).c_str(), static_cast<long long>(totals->placed_orders),
      Cents(totals->placed_value_cents).c_str(), Cents(totals->taken_from_wallets_cents()).c_str(),
      static_cast<long long>(duplicates), SecondsBetween(started, Clock::now()));
  std::error_code ignored;
  std::filesystem::remove_all(scratch, ignored);
}

INSTANTIATE_TEST_SUITE_P(Modes, BrokerOutageTest,
                         ::testing::Values("orchestration", "choreography"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace tinysaga::crash
