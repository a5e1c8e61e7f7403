// GET /api/orders/{orderId}/saga's body, derived from the history.
#include "tinysaga/saga/view.h"

#include <gtest/gtest.h>

#include "saga_test_helper.h"

namespace tinysaga::saga {
namespace {

using namespace sagas;  // NOLINT: the order sagas, the real definitions the rules are tested on

using namespace contracts;  // NOLINT: the message types read best unqualified here
using testing::OrderSagaWithParallelGroup;
using testing::SagaTest;

Money Cents(int64_t cents) { return Money::FromCents(cents).value(); }

std::vector<std::string> Statuses(const SagaView& view) {
  std::vector<std::string> statuses;
  for (const auto& step : view.steps) statuses.emplace_back(StepViewStatusName(step.status));
  return statuses;
}

TEST(SagaView, RunningSagaShowsDoneRunningAndPendingSteps) {
  SagaTest saga(OrderSaga());
  saga.Given().Expect<ChargeWallet>().Reply(PaymentCharged{TransactionId("t"), Cents(1250)});
  SagaView view = BuildView(saga.definition(), saga.state(), SagaMode::kOrchestration);
  EXPECT_EQ(Statuses(view),
            (std::vector<std::string>{"SUCCEEDED", "SUCCEEDED", "RUNNING", "PENDING"}));
  EXPECT_EQ(view.steps[1].attempts, 1);
  EXPECT_EQ(view.steps[2].attempts, 1);
  EXPECT_EQ(view.steps[3].started_ms, std::nullopt);
}

// A test saga whose order_on_way runs beside reserve_stock (saga_test_helper.h).
TEST(SagaView, ThePartsOfAParallelGroupRunSideBySide) {
  SagaTest saga(OrderSagaWithParallelGroup());
  saga.Given().Expect<ChargeWallet>().Reply(PaymentCharged{TransactionId("t"), Cents(1250)});
  SagaView view = BuildView(saga.definition(), saga.state(), SagaMode::kOrchestration);
  EXPECT_EQ(Statuses(view),
            (std::vector<std::string>{"SUCCEEDED", "SUCCEEDED", "RUNNING", "RUNNING", "PENDING"}))
      << "order_on_way and the stock run side by side";
  EXPECT_EQ(view.steps[1].attempts, 1);
  EXPECT_EQ(view.steps[2].attempts, 1);
  EXPECT_EQ(view.steps[3].attempts, 1);
  EXPECT_EQ(view.steps[4].started_ms, std::nullopt);
}

TEST(SagaView, StepsCarryTheDefinitionsLabels) {
  SagaTest saga(OrderSaga());
  saga.Given();
  const nlohmann::json json =
      SagaViewToJson(BuildView(saga.definition(), saga.state(), SagaMode::kOrchestration));
  const nlohmann::json& charge = json["steps"][1];
  EXPECT_EQ(charge["label"], "Charge the wallet");
  EXPECT_EQ(charge["undoLabel"], "Refund the payment");
  EXPECT_EQ(json["steps"][3]["undoLabel"], nullptr) << "PLACED cannot be undone";
  for (const auto& step : json["steps"]) {
    EXPECT_EQ(step["parallelGroup"], nullptr) << step["name"] << ": the order saga has no group";
  }
}

TEST(SagaView, StepsCarryTheirParallelGroup) {
  SagaTest saga(OrderSagaWithParallelGroup());
  saga.Given();
  const nlohmann::json json =
      SagaViewToJson(BuildView(saga.definition(), saga.state(), SagaMode::kOrchestration));
  EXPECT_EQ(json["steps"][1]["parallelGroup"], nullptr);
  EXPECT_EQ(json["steps"][2]["undoLabel"], nullptr) << "order_on_way has nothing to undo";
  EXPECT_EQ(json["steps"][2]["parallelGroup"], 2) << "a group is named by its first step";
  EXPECT_EQ(json["steps"][3]["parallelGroup"], 2) << "the stock is reserved beside it";
  EXPECT_EQ(json["steps"][4]["parallelGroup"], nullptr);
}

TEST(SagaView, OutOfStockShowsTheFailureAndTheUndoneSteps) {
  SagaTest saga(OrderSaga());
  saga.Given()
      .Expect<ChargeWallet>()
      .TimeOutTimes(2)
      .Expect<ChargeWallet>()
      .Reply(PaymentCharged{TransactionId("t"), Cents(1250)})
      .Expect<ReserveStock>()
      .Reply(OutOfStock{0})
      .Expect<Refund>()
      .Reply(Refunded{TransactionId("t2"), Cents(1250)})
      .Expect<MarkFailed>()
      .Advance(5)
      .Reply(OrderStatusChanged{"FAILED"});
  SagaView view = BuildView(saga.definition(), saga.state(), SagaMode::kOrchestration);
  EXPECT_EQ(Statuses(view),
            (std::vector<std::string>{"COMPENSATED", "COMPENSATED", "FAILED", "SKIPPED"}));
  EXPECT_EQ(view.steps[1].attempts, 2);
  EXPECT_EQ(view.steps[2].error, "out of stock, payment refunded");
  EXPECT_EQ(view.steps[1].error, "");  // the timeout was overcome

  nlohmann::json body = SagaViewToJson(view);
  EXPECT_EQ(body["sagaId"], std::string(testing::kSagaId));
  EXPECT_EQ(body["type"], "order");
  EXPECT_EQ(body["mode"], "orchestration");
  EXPECT_EQ(body["state"], "FAILED");
  EXPECT_EQ(body["failureReason"], "out of stock, payment refunded");
  const auto& charge = body["steps"][1];
  EXPECT_EQ(charge["name"], "charge_wallet");
  EXPECT_EQ(charge["status"], "COMPENSATED");
  EXPECT_EQ(charge["startedAt"], "2026-01-01T00:00:00.000Z");
  EXPECT_TRUE(charge["error"].is_null());
  EXPECT_EQ(body["steps"][0]["endedAt"], FormatRfc3339(saga.now_ms()));
  EXPECT_TRUE(body["steps"][3]["startedAt"].is_null());
}

TEST(SagaView, AGroupStepWithNothingToUndoStaysSucceededWhenItsPartnerFails) {
  SagaTest saga(OrderSagaWithParallelGroup());
  saga.GivenAnswered("PaymentCharged")
      .Expect<MarkOnWay>()
      .Reply(OrderStatusChanged{"ON_WAY"})
      .Expect<ReserveStock>()
      .Reply(OutOfStock{0})
      .Expect<Refund>()
      .Reply(Refunded{TransactionId("t2"), Cents(1250)})
      .Expect<MarkFailed>()
      .Reply(OrderStatusChanged{"FAILED"});
  SagaView view = BuildView(saga.definition(), saga.state(), SagaMode::kOrchestration);
  EXPECT_EQ(Statuses(view), (std::vector<std::string>{"COMPENSATED", "COMPENSATED", "SUCCEEDED",
                                                      "FAILED", "SKIPPED"}));
  EXPECT_EQ(view.steps[3].error, "out of stock, payment refunded");
}

TEST(SagaView, GivingUpShowsTheError) {
  SagaTest saga(OrderSaga());
  // The charge's two attempts (SagaTimings::charge) time out, with a pause between.
  saga.Given().Expect<ChargeWallet>().TimeOutTimes(3);
  SagaView view = BuildView(saga.definition(), saga.state(), SagaMode::kOrchestration);
  EXPECT_EQ(view.steps[1].status, StepViewStatus::kCompensating);
  EXPECT_EQ(view.steps[1].attempts, 2);
  EXPECT_EQ(view.steps[1].error, "no success after 2 attempts");
}

}  // namespace
}  // namespace tinysaga::saga
