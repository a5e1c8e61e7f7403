// End-to-end tests of the order saga (issues 3 and 4) through real processes: `tinysaga up` with
// its development broker and every service, in both saga modes (orchestration: with the
// orchestrator; choreography: the services react to each other's events). Each test drives one
// seed flow through the gateway, waits for the order's terminal state, checks the money and
// the stock through the API, and finishes with `tinysaga check` over all the databases.

#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <iterator>
#include <thread>

#include "saga_flows.h"
#include "tinysaga/bus/kafka/kafka_bus.h"
#include "up_process.h"

namespace tinysaga::e2e {
namespace {

using nlohmann::json;

// The parameter is the saga mode, with "+postgres" for `up --db` on PostgreSQL (issue 11:
// databases that do not exist yet, which `up` creates; skipped without
// TINYSAGA_TEST_POSTGRES_URL). Each parameter's tests share one `up`, started by the first.
class SagaTest : public ::testing::TestWithParam<std::string> {
 protected:
  static void TearDownTestSuite() {
    delete client_;
    delete up_;
    client_ = nullptr;
    up_ = nullptr;
    if (!db_template_.empty()) {
      const std::string errors = DropPostgresDatabases(
          db_template_, {"order", "payment", "wallet", "inventory", "orchestrator"});
      EXPECT_EQ(errors, "");
      db_template_.clear();
    }
  }
  void SetUp() override {
    if (OnPostgres() && NewPostgresTemplate("probe").empty())
      GTEST_SKIP() << "TINYSAGA_TEST_POSTGRES_URL is not set";
    if (up_) return;
    std::vector<std::string> args{
        "--saga-mode", Mode(), "--rate-limit-per-second", "100000", "--rate-limit-burst", "100000"};
    if (OnPostgres()) {
      db_template_ = NewPostgresTemplate("e2e_saga");
      args.insert(args.end(), {"--db", db_template_});
    }
    up_ = new UpProcess(args);
    client_ = new http::Client();
  }
  std::string Mode() const { return GetParam().substr(0, GetParam().find('+')); }
  bool OnPostgres() const { return GetParam().ends_with("+postgres"); }
  bool Choreography() const { return Mode() == "choreography"; }

  // Every test leaves the system settled and consistent.
  void TearDown() override {
    if (up_ == nullptr) return;  // skipped
    // Settled means every outbox drained too; the last acknowledgements may trail the
    // order's terminal state by a moment.
    const CheckResult last = AwaitCheckPasses(up_->db_template());
    EXPECT_EQ(last.exit_code, 0) << last.output;
  }

  Api As(const std::string& user_id, const std::string& role = "user") {
    Api api(*client_, up_->gateway());
    api.SignIn(user_id, role);
    return api;
  }

  std::string NewProduct(int64_t price, int64_t stock) {
    return e2e::NewProduct(As("admin", "admin"), price, stock);
  }
  std::string NewUser(std::optional<int64_t> balance) {
    return e2e::NewUser(As("admin", "admin"), balance);
  }

  // An order created, paid and PLACED.
  static std::string PlacedOrder(const Api& api, const std::string& product, int64_t quantity) {
    const std::string order_id = CreateOrder(api, product, quantity);
    EXPECT_EQ(Pay(api, order_id).status, 200);
    WaitForStatus(api, order_id, "PLACED");
    return order_id;
  }

  static std::vector<std::string> Statuses(const json& order) {
    std::vector<std::string> statuses;
    for (const json& line : order.value("history", json::array()))
      statuses.push_back(line.value("status", ""));
    return statuses;
  }

  // Signals one process that `up` runs, e.g. SIGSTOP to the wallet.
  void Signal(const std::string& process, int signal) {
    ASSERT_EQ(kill(up_->Process(process)["pid"].get<pid_t>(), signal), 0) << process;
  }

  static UpProcess* up_;
  static http::Client* client_;
  static std::string db_template_;  // PostgreSQL: the databases to drop at the end
};
UpProcess* SagaTest::up_ = nullptr;
http::Client* SagaTest::client_ = nullptr;
std::string SagaTest::db_template_;

TEST_P(SagaTest, APaidOrderIsPlacedAndTheStockTaken) {
  const std::string product = NewProduct(2'500, 10);
  const std::string user = NewUser(100'000);
  Api api = As(user);
  const std::string order_id = CreateOrder(api, product, 2);

  // Before the payment, the saga to come: every step waiting.
  auto planned = api.Get("/api/orders/" + order_id + "/saga");
  ASSERT_EQ(planned.status, 200) << planned.raw;
  EXPECT_EQ(planned.body.value("state", ""), "NOT_STARTED");
  EXPECT_EQ(planned.body.value("mode", ""), Mode());
  std::vector<std::string> planned_steps;
  for (const json& step : planned.body.value("steps", json::array())) {
    planned_steps.push_back(step.value("name", ""));
    EXPECT_EQ(step.value("status", ""), "PENDING") << step.dump();
  }

  auto paid = Pay(api, order_id);
  ASSERT_EQ(paid.status, 200) << paid.raw;
  EXPECT_EQ(paid.body.value("paymentStatus", ""), "COMPLETED");
  EXPECT_EQ(paid.body.value("amount", 0), 5'000);
  EXPECT_FALSE(paid.body.value("transactionId", "").empty());

  // One request, which Order holds until the saga lets go of the order (?waitMs=).
  auto settled = api.Get("/api/orders/" + order_id + "?waitMs=20000");
  ASSERT_EQ(settled.status, 200) << settled.raw;
  const json& order = settled.body;
  EXPECT_EQ(Statuses(order),
            (std::vector<std::string>{"INITIATED", "PAYMENT_PENDING", "PAYMENT_DONE", "PLACED"}));
  EXPECT_EQ(Balance(api, user), 95'000);
  EXPECT_EQ(Stock(api, product), 8);
  EXPECT_EQ(Transactions(api, order_id), std::multiset<std::string>{"PAYMENT:COMPLETED:5000"});

  const json saga = WaitForSagaState(api, order_id, "COMPLETED");
  EXPECT_EQ(saga.value("mode", ""), Mode());
  std::vector<std::string> steps;
  for (const json& step : saga.value("steps", json::array())) {
    steps.push_back(step.value("name", ""));
    EXPECT_EQ(step.value("status", ""), "SUCCEEDED") << step.dump();
  }
  EXPECT_EQ(steps, planned_steps);
}

// Issue 13: the definitions that run, readable by anyone, and the same steps, in the same order
// and with the same labels, as every saga view shows, in both modes.
TEST_P(SagaTest, TheDefinitionsArePublicAndNameTheStepsTheViewShows) {
  Api anyone(*client_, up_->gateway());
  auto definitions = anyone.Get("/api/sagas/definitions");
  ASSERT_EQ(definitions.status, 200) << definitions.raw;
  EXPECT_EQ(definitions.body.value("mode", ""), Mode());
  std::vector<std::string> types;
  json order_saga;
  for (const json& definition : definitions.body.value("definitions", json::array())) {
    types.push_back(definition.value("type", ""));
    if (types.back() == "order") order_saga = definition;
  }
  EXPECT_EQ(types, (std::vector<std::string>{"order", "cancel"}));
  ASSERT_TRUE(order_saga.is_object());
  // Timings only where an engine applies them.
  EXPECT_EQ(order_saga["steps"][1].contains("timeoutMs"), !Choreography());

  const std::string product = NewProduct(1'000, 5);
  const std::string user = NewUser(10'000);
  Api api = As(user);
  const std::string order_id = CreateOrder(api, product, 1);
  ASSERT_EQ(Pay(api, order_id).status, 200);
  const json saga = WaitForSagaState(api, order_id, "COMPLETED");
  ASSERT_EQ(saga["steps"].size(), order_saga["steps"].size()) << saga.dump();
  for (size_t i = 0; i < saga["steps"].size(); ++i) {
    const json& shown = saga["steps"][i];
    const json& declared = order_saga["steps"][i];
    EXPECT_EQ(shown["name"], declared["name"]);
    EXPECT_EQ(shown["label"], declared["label"]);
    EXPECT_EQ(shown["parallelGroup"], declared["parallelGroup"]);
    EXPECT_EQ(shown["undoLabel"], declared["compensation"].is_null()
                                      ? json(nullptr)
                                      : declared["compensation"]["label"]);
  }

  // The command line prints the same, from the same endpoint.
  const std::string url = "http://" + up_->gateway().ToString();
  const CheckResult described = RunTinysaga({"sagas", "describe", "order", "--url", url});
  EXPECT_EQ(described.exit_code, 0) << described.output;
  for (const char* expected : {"order saga", "charge_wallet", "Charge the wallet",
                               "undo: Refund the payment", "ChargeWallet", "payment"}) {
    EXPECT_NE(described.output.find(expected), std::string::npos) << expected << " in:\n"
                                                                  << described.output;
  }
  const CheckResult unknown = RunTinysaga({"sagas", "describe", "shipping", "--url", url});
  EXPECT_EQ(unknown.exit_code, 1) << unknown.output;
  EXPECT_NE(unknown.output.find("no saga 'shipping'"), std::string::npos) << unknown.output;
}

TEST_P(SagaTest, InsufficientFundsIs402AndTheOrderFails) {
  const std::string product = NewProduct(8'900, 10);
  const std::string user = NewUser(1'500);
  Api api = As(user);
  const std::string order_id = CreateOrder(api, product, 1);

  auto paid = Pay(api, order_id);
  EXPECT_EQ(paid.status, 402) << paid.raw;
  EXPECT_TRUE(paid.body.value("type", "").ends_with("insufficient-funds")) << paid.raw;

  auto settled = api.Get("/api/orders/" + order_id + "?waitMs=20000");  // held until FAILED
  ASSERT_EQ(settled.status, 200) << settled.raw;
  EXPECT_EQ(settled.body.value("status", ""), "FAILED");
  EXPECT_EQ(settled.body.value("statusInfo", ""), "insufficient funds");
  EXPECT_EQ(Balance(api, user), 1'500);
  EXPECT_EQ(Stock(api, product), 10);
  WaitForSagaState(api, order_id, "FAILED");
}

TEST_P(SagaTest, AUserWithoutAWalletCannotPay) {
  const std::string product = NewProduct(900, 10);
  Api api = As(NewUser(std::nullopt));
  const std::string order_id = CreateOrder(api, product, 1);
  EXPECT_EQ(Pay(api, order_id).status, 402);
  WaitForStatus(api, order_id, "FAILED");
}

TEST_P(SagaTest, StockGoneAfterPaymentIsRefundedAndTheOrderFails) {
  const std::string product = NewProduct(4'000, 1);
  const std::string user = NewUser(10'000);
  Api api = As(user);
  const std::string order_id = CreateOrder(api, product, 1);
  // Someone else takes the last unit between the order and the payment.
  ASSERT_EQ(As("admin", "admin")
                .Put("/api/products/" + product + "/stock", {{"availableCount", 0}})
                .status,
            200);

  auto paid = Pay(api, order_id);
  ASSERT_EQ(paid.status, 200) << paid.raw;  // the debit itself succeeded

  const json order = WaitForStatus(api, order_id, "FAILED");
  EXPECT_EQ(order.value("statusInfo", ""), "out of stock, payment refunded");
  EXPECT_EQ(Balance(api, user), 10'000);
  EXPECT_EQ(Transactions(api, order_id),
            (std::multiset<std::string>{"PAYMENT:REFUNDED:4000", "REFUND:COMPLETED:4000"}));
  const json saga = WaitForSagaState(api, order_id, "FAILED");
  EXPECT_NE(saga.dump().find("COMPENSATED"), std::string::npos) << saga.dump();
}

TEST_P(SagaTest, ARepeatedPaymentIsReplayedAndChargesOnce) {
  const std::string product = NewProduct(1'000, 10);
  const std::string user = NewUser(5'000);
  Api api = As(user);
  const std::string order_id = CreateOrder(api, product, 1);
  const std::string key = NewKey();

  auto first = Pay(api, order_id, key);
  auto second = Pay(api, order_id, key);
  ASSERT_EQ(first.status, 200) << first.raw;
  EXPECT_EQ(second.status, 200) << second.raw;
  EXPECT_EQ(second.body, first.body);
  // Another key for the same order: the order is no longer INITIATED.
  EXPECT_EQ(Pay(api, order_id).status, 409);

  WaitForStatus(api, order_id, "PLACED");
  EXPECT_EQ(Balance(api, user), 4'000);
}

TEST_P(SagaTest, CancelingAPlacedOrderRefundsAndRestocks) {
  const std::string product = NewProduct(3'000, 5);
  const std::string user = NewUser(10'000);
  Api api = As(user);
  const std::string order_id = PlacedOrder(api, product, 2);
  ASSERT_EQ(Balance(api, user), 4'000);

  auto canceled = api.Post("/api/orders/" + order_id + "/cancel", json::object());
  EXPECT_EQ(canceled.status, 202) << canceled.raw;

  const json order = WaitForStatus(api, order_id, "CANCELED");
  EXPECT_EQ(Balance(api, user), 10'000);
  EXPECT_EQ(Stock(api, product), 5);
  EXPECT_EQ(Transactions(api, order_id),
            (std::multiset<std::string>{"PAYMENT:REFUNDED:6000", "REFUND:COMPLETED:6000"}));
  (void)order;
}

// Issue 11: a user fills the wallet to the deposit cap after paying, then cancels. The refund
// gives back money that left the wallet, so it lands past the cap and the cancel finishes.
TEST_P(SagaTest, CancelingAfterFillingTheWalletToTheCapStillRefunds) {
  constexpr int64_t kCap = 100'000'000'000'000;  // Money::kAmountCentsMax
  const std::string product = NewProduct(3'000, 5);
  const std::string user = NewUser(10'000);
  Api api = As(user);
  const std::string order_id = PlacedOrder(api, product, 1);
  auto filled =
      api.Post("/api/wallets/" + user + "/deposits", {{"amount", kCap - 7'000}}, NewKey());
  ASSERT_EQ(filled.status, 201) << filled.raw;
  ASSERT_EQ(Balance(api, user), kCap);

  EXPECT_EQ(api.Post("/api/orders/" + order_id + "/cancel", json::object()).status, 202);
  WaitForStatus(api, order_id, "CANCELED");
  EXPECT_EQ(Balance(api, user), kCap + 3'000);
  EXPECT_EQ(Stock(api, product), 5);
  // Above the cap the wallet takes no deposit, and says why.
  auto more = api.Post("/api/wallets/" + user + "/deposits", {{"amount", 1}}, NewKey());
  EXPECT_EQ(more.status, 422) << more.raw;
}

// The wallet hangs for the whole retry window: the client gets 503 and the order fails; when
// the wallet wakes up it still finds the debit request in its socket, and applies nothing
// that stays applied: no money is lost.
TEST_P(SagaTest, AHungWalletIs503AndNoMoneyIsLost) {
  const std::string product = NewProduct(2'000, 10);
  const std::string user = NewUser(10'000);
  Api api = As(user);
  const std::string order_id = CreateOrder(api, product, 1);

  Signal("wallet-1", SIGSTOP);
  auto paid = Pay(api, order_id);
  Signal("wallet-1", SIGCONT);
  EXPECT_EQ(paid.status, 503) << paid.raw;
  EXPECT_TRUE(paid.body.value("type", "").ends_with("service-unavailable")) << paid.raw;

  const json order = WaitForStatus(api, order_id, "FAILED");
  EXPECT_EQ(order.value("statusInfo", ""), "payment service unavailable");
  // The debit the wallet applied when it woke is voided by Payment's refund worker. The
  // orchestrated saga waits for that void before it fails the order; in choreography Order
  // follows PaymentFailed at once, and the money comes back just after.
  EXPECT_TRUE(Eventually([&] { return Balance(api, user) == 10'000; }))
      << "balance " << Balance(api, user);
  EXPECT_EQ(Stock(api, product), 10);
}

// Issue 11, fault "a partition longer than every retry budget": Inventory cannot be reached
// (it hangs) for longer than the saga waits for it. Orchestration gives up the reservation
// after three reply timeouts of 10 s and compensates from it; choreography: Order's 30 s
// deadline on PAYMENT_DONE fails the order and asks for the release. In both, the refund comes
// after the release, which waits for Inventory (a compensation must finish, and walks back in
// order). Once Inventory is back, the reservations it was sent meanwhile are undone by the
// release sent after them (same key, same partition, in order): the order FAILED, the money
// and the stock whole, nothing left for an operator.
TEST_P(SagaTest, AnInventoryAwayPastEveryBudgetFailsTheOrderAndGivesAllBack) {
  const std::string product = NewProduct(2'000, 10);
  const std::string user = NewUser(10'000);
  Api api = As(user);
  const std::string order_id = CreateOrder(api, product, 1);

  Signal("inventory-1", SIGSTOP);
  const pid_t inventory = up_->Process("inventory-1")["pid"].get<pid_t>();
  const ResumeOnExit resume_inventory(inventory);
  ASSERT_EQ(Pay(api, order_id).status, 200);
  // The saga gives up waiting for the reservation.
  if (Choreography()) {
    WaitForStatus(api, order_id, "FAILED");
  } else {
    WaitForSagaState(api, order_id, "COMPENSATING");
  }

  Signal("inventory-1", SIGCONT);
  WaitForStatus(api, order_id, "FAILED");
  EXPECT_TRUE(Eventually([&] { return Balance(api, user) == 10'000 && Stock(api, product) == 10; }))
      << "balance " << Balance(api, user) << ", stock " << Stock(api, product)
      << " after Inventory came back";
}

// The wallet is slow but answers: the first debit attempt times out at Payment, and the wallet
// applies it later anyway; the retry carries the same operation id, so exactly one debit.
TEST_P(SagaTest, ASlowWalletIsChargedExactlyOnce) {
  const std::string product = NewProduct(2'500, 10);
  const std::string user = NewUser(10'000);
  Api api = As(user);
  const std::string order_id = CreateOrder(api, product, 1);

  Signal("wallet-1", SIGSTOP);
  Api::Reply paid;
  std::thread paying([&] { paid = Pay(api, order_id); });
  // Payment logs each failed attempt; the first one has timed out once this line is there.
  const std::filesystem::path log = up_->data_dir() / "logs" / "payment-1.log";
  const bool first_attempt_timed_out = Eventually([&] {
    std::ifstream in(log);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    return text.find("wallet debit order=" + order_id + ": attempt 1/") != std::string::npos;
  });
  Signal("wallet-1", SIGCONT);
  paying.join();
  ASSERT_TRUE(first_attempt_timed_out);
  EXPECT_EQ(paid.status, 200) << paid.raw;

  WaitForStatus(api, order_id, "PLACED");
  EXPECT_EQ(Balance(api, user), 7'500);
  EXPECT_EQ(Transactions(api, order_id), std::multiset<std::string>{"PAYMENT:COMPLETED:2500"});
}

// The process that moves the saga on dies with it in its hands: the orchestrator, or in
// choreography Inventory, which must reserve. After `up` restarts it, it resumes from its
// database and the broker's committed offsets, and the saga finishes.
TEST_P(SagaTest, TheServiceDrivingTheSagaKilledMidSagaFinishesItAfterRestart) {
  const std::string victim = Choreography() ? "inventory-1" : "orchestrator-1";
  const std::string product = NewProduct(1'500, 10);
  const std::string user = NewUser(10'000);
  Api api = As(user);
  const std::string order_id = CreateOrder(api, product, 1);

  Signal(victim, SIGSTOP);  // so the kill lands before the saga can finish
  ASSERT_EQ(Pay(api, order_id).status, 200);
  Signal(victim, SIGKILL);

  WaitForStatus(api, order_id, "PLACED");
  WaitForSagaState(api, order_id, "COMPLETED");
  EXPECT_EQ(Balance(api, user), 8'500);
  EXPECT_EQ(Stock(api, product), 9);
}

// A message nobody can read lands on the dead-letter topic; the partition goes on.
TEST_P(SagaTest, APoisonMessageIsDeadLetteredAndSagasGoOn) {
  bus::KafkaBus bus({.bootstrap_servers = up_->Status().value("kafka", "")});
  auto producer = bus.NewProducer();
  ASSERT_TRUE(producer.ok()) << producer.error().detail;
  // A topic Payment consumes and one Inventory consumes, in each mode.
  const std::string payment_topic = Choreography() ? "inventory.events" : "payment.commands";
  const std::string inventory_topic = Choreography() ? "payment.events" : "inventory.commands";
  const std::vector<bus::Message> poison = {
      {.id = "poison-1",
       .topic = payment_topic,
       .key = "ord_poison",
       .payload = "{not json",
       .headers = {}},
      {.id = "poison-2",
       .topic = inventory_topic,
       .key = "ord_poison",
       .payload = R"({"id":"poison-2","type":"FlyToTheMoon","schemaVersion":1})",
       .headers = {}},
  };
  ASSERT_TRUE((*producer)->Publish(poison).ok());

  const std::string product = NewProduct(1'000, 10);
  Api api = As(NewUser(5'000));
  const std::string order_id = CreateOrder(api, product, 1);
  ASSERT_EQ(Pay(api, order_id).status, 200);
  WaitForStatus(api, order_id, "PLACED");

  // Both services counted their dead letter.
  for (const std::string service : {"payment-1", "inventory-1"}) {
    const http::Endpoint endpoint{"127.0.0.1", up_->Process(service)["port"].get<uint16_t>()};
    EXPECT_TRUE(Eventually([&] {
      auto metrics = client_->SendAndWait(endpoint, {.method = "GET", .target = "/metrics"},
                                          std::chrono::seconds(5));
      return metrics.ok() &&
             metrics->body.find("outcome=\"dead_lettered\"} 1") != std::string::npos;
    })) << service;
  }
}

// Dead letters you can act on (issue 15): the poison messages are rows of each service's
// database, listed across services by an admin, shown, redriven (applied again by exactly the
// consumer that dead-lettered them: still poison here, so a new open row) and discarded, each
// verb idempotent, with a reason, refused on the wrong state.
TEST_P(SagaTest, DeadLettersAreListedShownRedrivenAndDiscardedByAnAdmin) {
  bus::KafkaBus bus({.bootstrap_servers = up_->Status().value("kafka", "")});
  auto producer = bus.NewProducer();
  ASSERT_TRUE(producer.ok()) << producer.error().detail;
  const std::string payment_topic = Choreography() ? "inventory.events" : "payment.commands";
  const std::string inventory_topic = Choreography() ? "payment.events" : "inventory.commands";
  const std::vector<bus::Message> poison = {
      {.id = "dlq-1",
       .topic = payment_topic,
       .key = "ord_dlq",
       .payload = "{not json",
       .headers = {}},
      {.id = "dlq-2",
       .topic = inventory_topic,
       .key = "ord_dlq",
       .payload = R"({"id":"dlq-2","type":"FlyToTheMoon","schemaVersion":1})",
       .headers = {}}};
  ASSERT_TRUE((*producer)->Publish(poison).ok());
  const Api admin = As("admin", "admin");
  // The open dead letter of `message_id` in `service`, once it is there.
  auto open_one = [&](const std::string& service, const std::string& message_id,
                      const std::string& other_than = "") {
    json found;
    EXPECT_TRUE(Eventually([&] {
      auto listed = admin.Get("/api/dead-letters?state=open&service=" + service);
      for (const json& item : listed.body.value("deadLetters", json::array())) {
        if (item.value("messageId", "") == message_id && item.value("id", "") != other_than) {
          found = item;
          return true;
        }
      }
      return false;
    })) << service
        << " " << message_id;
    return found;
  };
  const json payment = open_one("payment", "dlq-1");
  const json inventory = open_one("inventory", "dlq-2");
  ASSERT_FALSE(payment.is_null());
  ASSERT_FALSE(inventory.is_null());
  EXPECT_EQ(payment.value("topic", ""), payment_topic);
  EXPECT_EQ(inventory.value("type", ""), "FlyToTheMoon");
  const std::string payment_id = payment["id"], inventory_id = inventory["id"];

  // Listed across services, newest first, in pages.
  auto all = admin.Get("/api/dead-letters?limit=1");
  ASSERT_EQ(all.status, 200) << all.raw;
  ASSERT_EQ(all.body["deadLetters"].size(), 1u);
  ASSERT_TRUE(all.body["nextCursor"].is_string());
  auto next =
      admin.Get("/api/dead-letters?limit=1&cursor=" + all.body["nextCursor"].get<std::string>());
  ASSERT_EQ(next.status, 200) << next.raw;
  ASSERT_EQ(next.body["deadLetters"].size(), 1u);
  EXPECT_NE(next.body["deadLetters"][0]["id"], all.body["deadLetters"][0]["id"]);

  auto shown = admin.Get("/api/dead-letters/" + payment_id);
  ASSERT_EQ(shown.status, 200) << shown.raw;
  EXPECT_EQ(shown.body.value("payload", ""), "{not json");
  EXPECT_EQ(shown.body.value("messageId", ""), "dlq-1");
  EXPECT_EQ(admin.Get("/api/dead-letters/payment:999999").status, 404);
  EXPECT_EQ(admin.Get("/api/dead-letters/nosuchservice:1").status, 404);

  // Admins only; a reason is required.
  const Api user = As(NewUser(100));
  EXPECT_EQ(user.Get("/api/dead-letters").status, 403);
  EXPECT_EQ(user.Get("/api/dead-letters/" + payment_id).status, 403);
  EXPECT_EQ(user.Post("/api/dead-letters/" + payment_id + "/redrive", {{"reason", "x"}}).status,
            403);
  EXPECT_EQ(admin.Post("/api/dead-letters/" + payment_id + "/redrive", json::object()).status, 400);

  // Redrive: the payment consumer applies it again; still poison, so a new open row.
  auto redriven =
      admin.Post("/api/dead-letters/" + payment_id + "/redrive", {{"reason", "parser fixed"}});
  ASSERT_EQ(redriven.status, 200) << redriven.raw;
  EXPECT_EQ(redriven.body.value("state", ""), "redriven");
  EXPECT_EQ(redriven.body.value("actedBy", ""), "admin");
  EXPECT_EQ(redriven.body.value("actionReason", ""), "parser fixed");
  const json again_open = open_one("payment", "dlq-1", payment_id);
  ASSERT_FALSE(again_open.is_null());
  auto replayed = admin.Post("/api/dead-letters/" + payment_id + "/redrive", {{"reason", "again"}});
  EXPECT_EQ(replayed.status, 200);
  EXPECT_EQ(replayed.body, redriven.body);
  EXPECT_EQ(admin.Post("/api/dead-letters/" + payment_id + "/discard", {{"reason", "x"}}).status,
            409);

  // Discard: recorded with who and why, idempotent, and no redrive afterwards.
  auto discarded = admin.Post("/api/dead-letters/" + inventory_id + "/discard",
                              {{"reason", "an unknown command from a test"}});
  ASSERT_EQ(discarded.status, 200) << discarded.raw;
  EXPECT_EQ(discarded.body.value("state", ""), "discarded");
  auto discarded_again =
      admin.Post("/api/dead-letters/" + inventory_id + "/discard", {{"reason", "other words"}});
  EXPECT_EQ(discarded_again.status, 200);
  EXPECT_EQ(discarded_again.body, discarded.body);
  EXPECT_EQ(admin.Post("/api/dead-letters/" + inventory_id + "/redrive", {{"reason", "x"}}).status,
            409);
  const std::string second_id = again_open["id"];
  EXPECT_EQ(
      admin.Post("/api/dead-letters/" + second_id + "/discard", {{"reason", "still bad"}}).status,
      200);

  // Counted in the payment service's /metrics.
  const http::Endpoint endpoint{"127.0.0.1", up_->Process("payment-1")["port"].get<uint16_t>()};
  auto metrics = client_->SendAndWait(endpoint, {.method = "GET", .target = "/metrics"},
                                      std::chrono::seconds(5));
  ASSERT_TRUE(metrics.ok());
  EXPECT_NE(metrics->body.find("tinysaga_dead_letters{state=\"redriven\"} 1"), std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("tinysaga_dead_letter_actions_total{action=\"redrive\"} 1"),
            std::string::npos);
  EXPECT_NE(metrics->body.find("tinysaga_dead_letter_actions_total{action=\"discard\"} 1"),
            std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Orchestration, SagaTest, ::testing::Values("orchestration"));
INSTANTIATE_TEST_SUITE_P(Choreography, SagaTest, ::testing::Values("choreography"));
// The same flows with every service on PostgreSQL, in one mode (the storage code is the same in
// both); CI runs it under scripts/with-postgres.
INSTANTIATE_TEST_SUITE_P(OrchestrationOnPostgres, SagaTest,
                         ::testing::Values("orchestration+postgres"));

}  // namespace
}  // namespace tinysaga::e2e
