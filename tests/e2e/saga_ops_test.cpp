// Operating sagas end to end (issue 15, item 1), in both saga modes, through the gateway and
// `tinysaga sagas`: a wallet kept down (its dev fault switch) until a saga gives up, then back
// and the saga retried to the end with the money and the stock whole; a running saga aborted;
// the list's filters; who did what and why in the saga's history; idempotent verbs and the
// 400/403/404/409 answers. `tinysaga check` passes after every test.
//
// The patient timings are short here, so that giving up takes seconds, not minutes: the
// orchestrator's compensations and cancel steps (--must-finish-*), and in choreography the
// same flags of the Order service, from which it derives its cancel deadlines.

#include <gtest/gtest.h>
#include <signal.h>

#include "saga_flows.h"
#include "up_process.h"

namespace tinysaga::e2e {
namespace {

using nlohmann::json;

class SagaOpsTest : public SharedUpTest<SagaOpsTest> {
 public:
  std::vector<std::string> UpArgs() {
    return {"--rate-limit-per-second", "100000", "--rate-limit-burst", "100000",
            // A refund unanswered gives up after 3 attempts of 2 s.
            "--service-arg", "orchestrator=--must-finish-timeout-ms=2000", "--service-arg",
            "orchestrator=--must-finish-attempts=3",
            // Choreography, where Order derives its deadlines from the same timings: a cancel
            // unanswered is announced again after one attempt of each of its three steps
            // (0.9 s), and given up after all their attempts and pauses, 3 x (2 x 0.3 + 0.5) s.
            "--service-arg", "order=--must-finish-timeout-ms=300", "--service-arg",
            "order=--must-finish-attempts=2"};
  }
  void Reset() { WalletDown(false); }  // whatever happened, the next test has the wallet up

 protected:
  Api Admin() { return As("admin", "admin"); }
  std::string Url() const { return "http://" + up_->gateway().ToString(); }

  // The wallet's dev fault switch: every debit and refund answers 503 while it is on.
  void WalletDown(bool down) {
    auto reply = Admin().Post("/api/dev/faults/wallet",
                              {{"unavailableForMs", down ? 3'600'000 : 0}}, NewKey());
    ASSERT_EQ(reply.status, 200) << reply.raw;
  }

  // The operator's line of `verb` ("RETRIED", "ABORTED") in a saga's history; null when none.
  static json OperatorLine(const json& saga, const std::string& verb) {
    for (const json& line : saga.value("history", json::array())) {
      if (line.value("type", "") == verb) return line;
    }
    return nullptr;
  }
  // tinysaga_saga_operator_actions_total{outcome, verb} of the service that runs the verbs: the
  // orchestrator, or Order in choreography. -1 when the series is not there.
  double OperatorActions(const std::string& verb, const std::string& outcome) {
    const std::string service = Choreography() ? "order-1" : "orchestrator-1";
    const http::Endpoint endpoint{"127.0.0.1", up_->Process(service)["port"].get<uint16_t>()};
    auto metrics = client_->SendAndWait(endpoint, {.method = "GET", .target = "/metrics"},
                                        std::chrono::seconds(5));
    if (!metrics.ok()) return -1;
    const std::string series =
        "tinysaga_saga_operator_actions_total{outcome=\"" + outcome + "\",verb=\"" + verb + "\"} ";
    const size_t at = metrics->body.find(series);
    if (at == std::string::npos) return -1;
    return std::stod(metrics->body.substr(at + series.size()));
  }
  void Signal(const std::string& process, int signal) {
    ASSERT_EQ(kill(up_->Process(process)["pid"].get<pid_t>(), signal), 0) << process;
  }
};

// The known case of issue 15: a cancel saga that gave up left the order PLACED with its cancel
// requested for good. The refund could not reach the wallet; once it can, a retry finishes it.
TEST_P(SagaOpsTest, ACancelThatGaveUpWhileTheWalletWasDownIsRetriedToTheEnd) {
  const Api admin = Admin();
  const std::string product = NewProduct(admin, 3'000, 5);
  const std::string user = NewUser(admin, 10'000);
  const Api api = As(user);
  const std::string order_id = CreateOrder(api, product, 2);
  ASSERT_EQ(Pay(api, order_id).status, 200);
  WaitForStatus(api, order_id, "PLACED");
  ASSERT_EQ(Balance(api, user), 4'000);

  WalletDown(true);
  ASSERT_EQ(api.Post("/api/orders/" + order_id + "/cancel", json::object()).status, 202);
  const json gave_up = WaitForSagaState(admin, order_id, "GAVE_UP");
  EXPECT_EQ(gave_up.value("type", ""), "cancel");
  json order = api.Get("/api/orders/" + order_id).body;
  EXPECT_EQ(order.value("status", ""), "PLACED");
  EXPECT_EQ(order.value("cancelRequested", false), true);
  EXPECT_EQ(Balance(api, user), 4'000) << "the refund never reached the wallet";

  // The operator finds it, through the API and the command line.
  bool listed = false;
  for (const json& saga : admin.Get("/api/sagas?state=GAVE_UP").body.value("sagas", json::array()))
    listed |= saga.value("orderId", "") == order_id;
  EXPECT_TRUE(listed);
  const CheckResult list = RunTinysaga(
      {"sagas", "list", "--state", "GAVE_UP", "--url", Url(), "--token", admin.token()});
  EXPECT_EQ(list.exit_code, 0) << list.output;
  EXPECT_NE(list.output.find(order_id + "  GAVE_UP  cancel"), std::string::npos) << list.output;
  const CheckResult described =
      RunTinysaga({"sagas", "describe", order_id, "--url", Url(), "--token", admin.token()});
  EXPECT_EQ(described.exit_code, 0) << described.output;
  EXPECT_NE(described.output.find("cancel saga"), std::string::npos) << described.output;
  EXPECT_NE(described.output.find("GAVE_UP"), std::string::npos) << described.output;

  // Choreography: Payment keeps the refund queued and would finish it on its own once the
  // wallet is back, racing the retry; so there the retry comes just before the wallet does.
  // The orchestrated saga ended GAVE_UP and ignores that late answer: the wallet comes first.
  if (!Choreography()) WalletDown(false);
  const CheckResult retried = RunTinysaga({"sagas", "retry", order_id, "--reason", "wallet is back",
                                           "--url", Url(), "--token", admin.token()});
  EXPECT_EQ(retried.exit_code, 0) << retried.output;
  EXPECT_NE(retried.output.find("RETRIED by admin: wallet is back"), std::string::npos)
      << retried.output;
  if (Choreography()) WalletDown(false);

  order = WaitForStatus(api, order_id, "CANCELED");
  EXPECT_EQ(Balance(api, user), 10'000);
  EXPECT_EQ(Stock(api, product), 5);
  EXPECT_EQ(Transactions(api, order_id),
            (std::multiset<std::string>{"PAYMENT:REFUNDED:6000", "REFUND:COMPLETED:6000"}));
  const json saga = WaitForSagaState(admin, order_id, "COMPLETED");
  const json line = OperatorLine(saga, "RETRIED");
  ASSERT_TRUE(line.is_object()) << saga.dump();
  EXPECT_EQ(line.value("actor", ""), "admin");
  EXPECT_EQ(line.value("reason", ""), "wallet is back");
  EXPECT_EQ(line.value("step", ""), "refund");

  // Idempotent once done; nothing else applies to a finished saga.
  const double refused_before = OperatorActions("abort", "refused");
  ASSERT_GE(refused_before, 0) << "the series exists from the start";
  auto again = admin.Post("/api/orders/" + order_id + "/saga/retry", {{"reason", "twice"}});
  EXPECT_EQ(again.status, 200) << again.raw;
  EXPECT_EQ(again.body.value("state", ""), "COMPLETED");
  auto abort = admin.Post("/api/orders/" + order_id + "/saga/abort", {{"reason", "too late"}});
  EXPECT_EQ(abort.status, 409) << abort.raw;
  EXPECT_TRUE(abort.body.value("type", "").ends_with("conflict")) << abort.raw;
  const CheckResult refused = RunTinysaga({"sagas", "abort", order_id, "--reason", "too late",
                                           "--url", Url(), "--token", admin.token()});
  EXPECT_EQ(refused.exit_code, 1) << refused.output;
  EXPECT_NE(refused.output.find("HTTP 409"), std::string::npos) << refused.output;
  EXPECT_EQ(OperatorActions("abort", "refused"), refused_before + 2) << "counted by the service";
  EXPECT_GE(OperatorActions("retry", "applied"), 1);
}

// Orchestration: the payment's compensation (the void of a debit the wallet may have taken)
// gives up while the wallet is down, and the order FAILED saying the refund was not done.
// Retried once the wallet is back: the void goes through and the order says so.
TEST_P(SagaOpsTest, ACompensationThatGaveUpIsRetriedAndTheOrderSaysTheTruth) {
  if (Choreography()) {
    GTEST_SKIP() << "choreography compensates a failed payment with Payment's own void, which "
                    "retries until the wallet answers: nothing gives up";
  }
  const Api admin = Admin();
  const std::string product = NewProduct(admin, 2'000, 10);
  const std::string user = NewUser(admin, 10'000);
  const Api api = As(user);
  const std::string order_id = CreateOrder(api, product, 1);
  WalletDown(true);
  EXPECT_EQ(Pay(api, order_id).status, 503);
  json order = WaitForStatus(api, order_id, "FAILED");
  EXPECT_EQ(order.value("statusInfo", ""),
            "payment service unavailable, refund not done: an operator must act");
  WaitForSagaState(admin, order_id, "GAVE_UP");

  WalletDown(false);
  auto retried = admin.Post("/api/orders/" + order_id + "/saga/retry", {{"reason", "wallet back"}});
  ASSERT_EQ(retried.status, 200) << retried.raw;
  EXPECT_EQ(retried.body.value("state", ""), "COMPENSATING");
  EXPECT_EQ(retried.body.value("retries", 0), 1);
  const json saga = WaitForSagaState(admin, order_id, "FAILED");
  EXPECT_EQ(saga["steps"][1].value("status", ""), "COMPENSATED") << saga.dump();
  EXPECT_TRUE(Eventually([&] {
    return api.Get("/api/orders/" + order_id).body.value("statusInfo", "") ==
           "payment service unavailable";
  })) << api.Get("/api/orders/" + order_id).raw;
  EXPECT_EQ(Balance(api, user), 10'000);
  EXPECT_EQ(Stock(api, product), 10);
  // The messages it sent name each attempt: the first budget's and the retry's.
  bool first = false, fresh = false;
  for (const json& message : saga.value("messages", json::array())) {
    const std::string id = message.value("messageId", "");
    first |= id.ends_with("-1-undo-1");
    fresh |= id.ends_with("-1-undo-1-r1");
  }
  EXPECT_TRUE(first && fresh) << saga["messages"].dump();
}

// A running saga stops going forward and compensates from where it is: Inventory is stopped
// while the order waits for its stock; the operator aborts; once Inventory is back, the stock
// and the money come back and the order is FAILED "aborted by an operator".
TEST_P(SagaOpsTest, AnAbortedRunningSagaGivesEverythingBackAndFailsTheOrder) {
  const Api admin = Admin();
  const std::string product = NewProduct(admin, 1'500, 10);
  const std::string user = NewUser(admin, 10'000);
  const Api api = As(user);
  const std::string order_id = CreateOrder(api, product, 2);
  Signal("inventory-1", SIGSTOP);
  const ResumeOnExit resume(up_->Process("inventory-1")["pid"].get<pid_t>());
  ASSERT_EQ(Pay(api, order_id).status, 200);
  WaitForStatus(api, order_id, "PAYMENT_DONE");
  const json running = WaitForSagaState(admin, order_id, "RUNNING");
  EXPECT_EQ(running.value("currentStep", ""), "reserve_stock");

  // Stuck: the list finds it.
  EXPECT_TRUE(Eventually([&] {
    for (const json& saga :
         admin.Get("/api/sagas?state=RUNNING&stuckForS=1").body.value("sagas", json::array())) {
      if (saga.value("orderId", "") == order_id) return true;
    }
    return false;
  }));

  // Admins only, a reason required, unknown orders not found.
  EXPECT_EQ(api.Post("/api/orders/" + order_id + "/saga/abort", {{"reason", "mine"}}).status, 403);
  auto no_reason = admin.Post("/api/orders/" + order_id + "/saga/abort", json::object());
  EXPECT_EQ(no_reason.status, 400) << no_reason.raw;
  EXPECT_NE(no_reason.body.value("detail", "").find("'reason'"), std::string::npos);
  EXPECT_EQ(admin.Post("/api/orders/" + order_id + "/saga/abort", {{"reason", 7}}).status, 400);
  EXPECT_EQ(admin.Post("/api/orders/ord_none/saga/abort", {{"reason", "x"}}).status, 404);
  EXPECT_EQ(admin.Post("/api/orders/" + order_id + "/saga/retry", {{"reason", "x"}}).status, 409);

  auto aborted =
      admin.Post("/api/orders/" + order_id + "/saga/abort", {{"reason", "customer called"}});
  ASSERT_EQ(aborted.status, 200) << aborted.raw;
  const json line = OperatorLine(aborted.body, "ABORTED");
  ASSERT_TRUE(line.is_object()) << aborted.raw;
  EXPECT_EQ(line.value("actor", ""), "admin");
  EXPECT_EQ(line.value("reason", ""), "customer called");
  auto again = admin.Post("/api/orders/" + order_id + "/saga/abort", {{"reason", "twice"}});
  EXPECT_EQ(again.status, 200) << again.raw;

  Signal("inventory-1", SIGCONT);
  const json order = WaitForStatus(api, order_id, "FAILED");
  EXPECT_EQ(order.value("statusInfo", ""), "aborted by an operator");
  EXPECT_TRUE(Eventually([&] { return Balance(api, user) == 10'000 && Stock(api, product) == 10; }))
      << "balance " << Balance(api, user) << ", stock " << Stock(api, product);
  EXPECT_TRUE(Eventually([&] {
    return Transactions(api, order_id) ==
           std::multiset<std::string>{"PAYMENT:REFUNDED:3000", "REFUND:COMPLETED:3000"};
  }));
  const json saga = WaitForSagaState(admin, order_id, "FAILED");
  EXPECT_EQ(saga.value("failureReason", ""), "aborted by an operator");
  EXPECT_TRUE(OperatorLine(saga, "ABORTED").is_object()) << saga.dump();
  EXPECT_EQ(admin.Post("/api/orders/" + order_id + "/saga/abort", {{"reason", "thrice"}}).status,
            200);
}

INSTANTIATE_TEST_SUITE_P(Orchestration, SagaOpsTest, ::testing::Values("orchestration"));
INSTANTIATE_TEST_SUITE_P(Choreography, SagaOpsTest, ::testing::Values("choreography"));

}  // namespace
}  // namespace tinysaga::e2e
