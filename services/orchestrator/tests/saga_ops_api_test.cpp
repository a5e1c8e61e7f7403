// An operator's saga verbs over HTTP (issue 15): POST /api/orders/{orderId}/saga/retry and
// .../abort, the list's OVERDUE and stuckForS filters, and what GET /api/orders/{orderId}/saga
// adds for an operator (where the saga is, its history, its messages). Called directly with
// hand-made requests; the sagas are made by the real orchestrator (tests/orchestrator_fixture.h),
// and the verbs' commands are read back from the outbox they were committed to.

#include <gtest/gtest.h>

#include "orchestrator/handlers/saga_api.h"
#include "orchestrator/tests/orchestrator_fixture.h"
#include "tinysaga/testing/http.h"

namespace tinysaga::orchestrator {
namespace {

using platform::Caller;
using platform::CallerRole;
using tinysaga::testing::BodyOf;
using tinysaga::testing::DetailOf;
using tinysaga::testing::MakeRequest;
using tinysaga::testing::SlugOf;

const Caller kAnonymous{};
const Caller kAlice{CallerRole::kUser, "alice"};
const Caller kAdmin{CallerRole::kAdmin, "root"};

class SagaOpsApiTest : public OrchestratorFixture {
 protected:
  http::Response Verb(const std::string& verb, const std::string& body,
                      const Caller& caller = kAdmin, const std::string& order_id = "") {
    const std::string order = order_id.empty() ? kOrder.value() : order_id;
    auto request = MakeRequest("POST", "/api/orders/" + order + "/saga/" + verb, body);
    request.path_params["orderId"] = order;
    return verb == "retry" ? api_.PostRetry(request, caller) : api_.PostAbort(request, caller);
  }
  http::Response Retry(const std::string& reason = "wallet is back") {
    return Verb("retry", nlohmann::json{{"reason", reason}}.dump());
  }
  http::Response Abort(const std::string& reason = "customer called") {
    return Verb("abort", nlohmann::json{{"reason", reason}}.dump());
  }
  nlohmann::json Get() {
    auto request = MakeRequest("GET", "/api/orders/" + kOrder.value() + "/saga");
    request.path_params["orderId"] = kOrder.value();
    return BodyOf(api_.GetOrderSaga(request, kAdmin));
  }
  nlohmann::json List(std::map<std::string, std::string> query) {
    auto request = MakeRequest("GET", "/api/sagas");
    request.query = std::move(query);
    auto response = api_.GetSagas(request, kAdmin);
    EXPECT_EQ(response.status, 200) << response.body;
    return BodyOf(response);
  }

  // A PLACED order whose cancel saga gave up on the refund (the wallet away): every refund
  // attempt timed out. The order saga COMPLETED before.
  void CancelThatGaveUp() {
    Start(PaymentCompletedFor(), kOrder);
    Reply(Expect<contracts::ReserveStock>(contracts::kInventoryCommandsTopic),
          contracts::StockReserved{});
    Reply(Expect<contracts::MarkPlaced>(contracts::kOrderCommandsTopic),
          contracts::OrderStatusChanged{"PLACED"});
    Start(CancelRequestedFor(), kOrder);
    Reply(Expect<contracts::ReleaseStock>(contracts::kInventoryCommandsTopic),
          contracts::StockReleased{});
    for (int i = 0; i < 100 && State("cancel").status != saga::SagaStatus::kGaveUp; ++i) {
      TimeOut();
    }
    ASSERT_EQ(State("cancel").status, saga::SagaStatus::kGaveUp);
    for (int i = 0; i < options_.timings.must_finish.attempts_max; ++i) {
      Expect<contracts::Refund>(contracts::kPaymentCommandsTopic);
    }
    ExpectNoCommand();
  }

  int api_outbox_notifications_ = 0;
  std::vector<TimestampMs> api_deadlines_;
  using Action = std::pair<platform::OperatorVerb, platform::OperatorOutcome>;
  std::vector<Action> operator_actions_;
  SagaApi api_{
      db_.db(), *catalog_, clock_,
      SagaApiHooks{[this] { ++api_outbox_notifications_; },
                   [this](TimestampMs deadline_ms) { api_deadlines_.push_back(deadline_ms); },
                   [this](platform::OperatorVerb verb, platform::OperatorOutcome outcome) {
                     operator_actions_.emplace_back(verb, outcome);
                   }}};
};

TEST_F(SagaOpsApiTest, RetryFinishesACancelThatGaveUpAndRecordsWhoAndWhy) {
  CancelThatGaveUp();
  auto retried = Retry("wallet is back");
  ASSERT_EQ(retried.status, 200) << retried.body;
  const nlohmann::json body = BodyOf(retried);
  EXPECT_EQ(body["type"], "cancel");
  EXPECT_EQ(body["state"], "RUNNING");
  EXPECT_EQ(body["currentStep"], "refund");
  EXPECT_EQ(body["attempt"], 1);
  EXPECT_EQ(body["retries"], 1);
  const nlohmann::json& last = body["history"].back();
  EXPECT_EQ(last["type"], "SENT");
  const nlohmann::json& retry_line = body["history"][body["history"].size() - 2];
  EXPECT_EQ(retry_line["type"], "RETRIED");
  EXPECT_EQ(retry_line["actor"], "root");
  EXPECT_EQ(retry_line["reason"], "wallet is back");
  EXPECT_EQ(retry_line["step"], "refund");
  // Committed with its command, and the relay and the timer told.
  const contracts::Message refund = Expect<contracts::Refund>(contracts::kPaymentCommandsTopic);
  EXPECT_TRUE(refund.envelope.message_id.ends_with("-1-do-1-r1")) << refund.envelope.message_id;
  EXPECT_EQ(api_outbox_notifications_, 1);
  EXPECT_EQ(api_deadlines_, std::vector<TimestampMs>{State("cancel").deadline_ms});

  // Idempotent: the same verb again changes nothing and sends nothing.
  auto again = Retry("clicked twice");
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(BodyOf(again)["history"], body["history"]);
  ExpectNoCommand();

  Reply(refund, contracts::Refunded{TransactionId("txn_9"), Money::FromCents(1250).value()});
  Reply(Expect<contracts::MarkCanceled>(contracts::kOrderCommandsTopic),
        contracts::OrderStatusChanged{"CANCELED"});
  EXPECT_EQ(State("cancel").status, saga::SagaStatus::kCompleted);
  EXPECT_EQ(Retry().status, 200) << "the retry's effect holds";
}

TEST_F(SagaOpsApiTest, AbortCompensatesARunningSagaAndFailsTheOrder) {
  Start(PaymentCompletedFor(), kOrder);
  Expect<contracts::ReserveStock>(contracts::kInventoryCommandsTopic);
  auto aborted = Abort("customer called");
  ASSERT_EQ(aborted.status, 200) << aborted.body;
  EXPECT_EQ(BodyOf(aborted)["state"], "COMPENSATING");
  EXPECT_EQ(BodyOf(aborted)["failureReason"], "aborted by an operator");
  Reply(Expect<contracts::ReleaseStock>(contracts::kInventoryCommandsTopic),
        contracts::StockReleased{});
  Reply(Expect<contracts::Refund>(contracts::kPaymentCommandsTopic),
        contracts::Refunded{TransactionId("txn_9"), Money::FromCents(1250).value()});
  const contracts::Message failed = Expect<contracts::MarkFailed>(contracts::kOrderCommandsTopic);
  EXPECT_EQ(std::get<contracts::MarkFailed>(failed.payload).reason, "aborted by an operator");
  Reply(failed, contracts::OrderStatusChanged{"FAILED"});
  EXPECT_EQ(State().status, saga::SagaStatus::kFailed);

  EXPECT_EQ(Abort("again").status, 200);
  auto retry = Retry();
  EXPECT_EQ(retry.status, 409);
  EXPECT_EQ(SlugOf(retry), "conflict");
  EXPECT_EQ(DetailOf(retry), "the order saga is FAILED: only a saga that GAVE_UP can be retried");
  // For tinysaga_saga_operator_actions_total: what became of each verb.
  using platform::OperatorOutcome;
  using platform::OperatorVerb;
  EXPECT_EQ(operator_actions_,
            (std::vector<Action>{{OperatorVerb::kAbort, OperatorOutcome::kApplied},
                                 {OperatorVerb::kAbort, OperatorOutcome::kUnchanged},
                                 {OperatorVerb::kRetry, OperatorOutcome::kRefused}}));
}

TEST_F(SagaOpsApiTest, VerbsTheSagaIsInNoStateForAreConflicts) {
  Start(PaymentCompletedFor(), kOrder);
  Expect<contracts::ReserveStock>(contracts::kInventoryCommandsTopic);
  auto running = Retry();
  EXPECT_EQ(running.status, 409) << "running";
  EXPECT_EQ(DetailOf(running),
            "the order saga is RUNNING: only a saga that GAVE_UP can be retried");
  ExpectNoCommand();
}

TEST_F(SagaOpsApiTest, AbortOfACancelSagaIsAConflict) {
  CancelThatGaveUp();
  auto response = Abort();
  EXPECT_EQ(response.status, 409);
  EXPECT_NE(DetailOf(response).find("GAVE_UP"), std::string::npos) << DetailOf(response);
}

TEST_F(SagaOpsApiTest, AReasonIsRequiredAndOnlyAdminsAct) {
  Start(PaymentCompletedFor(), kOrder);
  Expect<contracts::ReserveStock>(contracts::kInventoryCommandsTopic);
  for (const std::string& body :
       {std::string(""), std::string("{}"), std::string(R"({"reason":""})"),
        std::string(R"({"reason":"  "})"), std::string(R"({"reason":5})"),
        std::string(R"({"reason":"x","force":true})"), std::string("not json")}) {
    for (const char* verb : {"retry", "abort"}) {
      auto response = Verb(verb, body);
      EXPECT_EQ(response.status, 400) << verb << " " << body;
      EXPECT_EQ(SlugOf(response), "invalid-request");
    }
  }
  EXPECT_NE(DetailOf(Verb("abort", "{}")).find("'reason'"), std::string::npos);
  EXPECT_EQ(Verb("abort", R"({"reason":"x"})", kAnonymous).status, 401);
  EXPECT_EQ(Verb("abort", R"({"reason":"x"})", kAlice).status, 403);
  EXPECT_EQ(Verb("abort", R"({"reason":"x"})", kAdmin, "ord_none").status, 404);
  EXPECT_EQ(State().status, saga::SagaStatus::kRunning) << "nothing refused changed anything";
  ExpectNoCommand();
}

TEST_F(SagaOpsApiTest, TheSagaShowsWhereItIsItsHistoryAndItsMessages) {
  Start(PaymentCompletedFor(), kOrder);
  const contracts::Message reserve =
      Expect<contracts::ReserveStock>(contracts::kInventoryCommandsTopic);
  const nlohmann::json body = Get();
  EXPECT_EQ(body["currentStep"], "reserve_stock");
  EXPECT_EQ(body["phase"], "AWAITING_REPLY");
  EXPECT_TRUE(body["deadlineAt"].is_string());
  ASSERT_TRUE(body["history"].is_array());
  EXPECT_EQ(body["history"][0]["step"], "order");
  bool listed = false;
  for (const nlohmann::json& message : body["messages"]) {
    if (message["messageId"] == reserve.envelope.message_id) {
      listed = true;
      EXPECT_EQ(message["direction"], "sent");
      EXPECT_EQ(message["type"], "ReserveStock");
      EXPECT_EQ(message["topic"], contracts::kInventoryCommandsTopic);
    }
  }
  EXPECT_TRUE(listed) << body["messages"].dump();
  EXPECT_EQ(body["messages"][0]["direction"], "received");
  EXPECT_EQ(body["messages"][0]["type"], "PaymentCompleted");
}

TEST_F(SagaOpsApiTest, ListFindsOverdueAndStuckSagas) {
  Start(PaymentCompletedFor(), OrderId("ord_quiet"));
  clock_.AdvanceMs(60'000);
  Start(PaymentCompletedFor(), OrderId("ord_fresh"));
  // Nobody fired the timer: the first saga's reply deadline (10 s) passed long ago.
  auto ids = [](const nlohmann::json& body) {
    std::vector<std::string> orders;
    for (const auto& saga : body["sagas"]) orders.push_back(saga["orderId"]);
    return orders;
  };
  EXPECT_EQ(ids(List({{"state", "OVERDUE"}})), std::vector<std::string>{"ord_quiet"});
  EXPECT_EQ(ids(List({{"stuckForS", "30"}})), std::vector<std::string>{"ord_quiet"});
  EXPECT_EQ(ids(List({{"stuckForS", "61"}})), std::vector<std::string>{});
  EXPECT_EQ(ids(List({{"state", "RUNNING"}, {"stuckForS", "1"}})),
            std::vector<std::string>{"ord_quiet"});
  EXPECT_EQ(List({{"state", "OVERDUE"}})["sagas"][0]["deadlineAt"],
            FormatRfc3339(State("order", OrderId("ord_quiet")).deadline_ms));
}

}  // namespace
}  // namespace tinysaga::orchestrator
