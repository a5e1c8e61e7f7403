// `tinysaga sagas describe`'s text, from the real definitions' JSON.
#include "sagas_command.h"

#include <gtest/gtest.h>

#include "tinysaga/saga/choreography.h"
#include "tinysaga/saga/definition_json.h"
#include "tinysaga/sagas/order_sagas.h"

namespace tinysaga::app {
namespace {

bool Has(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

TEST(DescribeDefinitions, OneSagaStepByStepWithItsUndoAndTimings) {
  const auto body = saga::DefinitionsJson(sagas::AllSagas(), SagaMode::kOrchestration);
  auto text = DescribeDefinitions(body, "order");
  ASSERT_TRUE(text.ok()) << text.error().detail;
  EXPECT_TRUE(Has(*text, "order saga (orchestration): Pays for an order")) << *text;
  EXPECT_FALSE(Has(*text, "cancel saga")) << "only the saga asked for";
  EXPECT_TRUE(Has(*text,
                  "  1  charge_wallet        Charge the wallet -> payment ChargeWallet "
                  "(60000 ms per attempt, 2 attempts, backoff 200..5000 ms)"))
      << *text;
  EXPECT_TRUE(Has(*text, "undo: Refund the payment -> payment Refund")) << *text;
  EXPECT_TRUE(Has(*text, "PaymentDeclined: FAILURE (insufficient funds)")) << *text;
  EXPECT_TRUE(Has(*text, "reserve_stock        Reserve stock -> inventory ReserveStock")) << *text;
  EXPECT_FALSE(Has(*text, "runs together")) << "the order saga has no parallel group";
  EXPECT_TRUE(Has(*text, "Order placed -> order MarkPlaced")) << *text;
  EXPECT_TRUE(Has(*text, "[point of no return: no abort from here]")) << *text;
  EXPECT_EQ(text->find("point of no return"), text->rfind("point of no return"))
      << "only order_placed";
}

TEST(DescribeDefinitions, AParallelGroupIsMarkedOnItsSteps) {
  // A made-up group: the order saga placing the order beside reserving its stock.
  saga::SagaDefinition grouped = sagas::OrderSaga();
  grouped.steps.back().parallel_with_previous = true;
  const auto body = saga::DefinitionsJson({grouped}, SagaMode::kOrchestration);
  auto text = DescribeDefinitions(body, "order");
  ASSERT_TRUE(text.ok()) << text.error().detail;
  EXPECT_TRUE(Has(*text, "[runs together with the rest of group 2]")) << *text;
}

TEST(DescribeDefinitions, EverySagaAndNoTimingsInChoreography) {
  const auto body = saga::DefinitionsJson(sagas::AllSagas(), SagaMode::kChoreography);
  auto text = DescribeDefinitions(body, "");
  ASSERT_TRUE(text.ok());
  EXPECT_TRUE(Has(*text, "order saga (choreography)"));
  EXPECT_TRUE(Has(*text, "cancel saga (choreography)"));
  EXPECT_TRUE(Has(*text, "cannot be undone")) << "the cancel saga";
  EXPECT_FALSE(Has(*text, "per attempt")) << *text;
  EXPECT_TRUE(Has(*text, "started by the fact status:PAYMENT_PENDING")) << *text;
  EXPECT_TRUE(Has(*text,
                  "facts: done StockReserved, failed OutOfStock, gaveUp OrderCancelRequested, "
                  "undone StockReleased"))
      << *text;
}

TEST(DescribeDefinitions, UnknownTypeNamesTheKnownOnes) {
  const auto body = saga::DefinitionsJson(sagas::AllSagas(), SagaMode::kOrchestration);
  auto text = DescribeDefinitions(body, "shipping");
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().code, Errc::kNotFound);
  EXPECT_EQ(text.error().detail, "no saga 'shipping' (the system runs: order, cancel)");
}

TEST(DescribeDefinitions, RefusesWhatIsNotAListOfDefinitions) {
  EXPECT_FALSE(DescribeDefinitions(nlohmann::json::array(), "").ok());
  EXPECT_FALSE(DescribeDefinitions({{"definitions", 3}}, "").ok());
  EXPECT_FALSE(DescribeDefinitions({{"definitions", {{{"type", "x"}}}}}, "").ok());
}

}  // namespace
}  // namespace tinysaga::app

namespace tinysaga::app {
namespace {

// `tinysaga sagas list` and `describe ORDER_ID`: the text of the API's answers.
TEST(SagaLines, OneLinePerSagaAndTheNextCursor) {
  const auto body = nlohmann::json::parse(R"({"sagas": [
      {"orderId": "ord_1", "state": "GAVE_UP", "type": "cancel", "currentStep": null,
       "updatedAt": "2026-01-01T00:00:00.000Z", "failureReason": "payment service unavailable"},
      {"orderId": "ord_2", "state": "RUNNING", "type": "order", "currentStep": "reserve_stock",
       "updatedAt": "2026-01-01T00:00:01.000Z"}], "nextCursor": "12_sag_1"})");
  EXPECT_EQ(SagaLines(body),
            "ord_1  GAVE_UP  cancel  step -  updated 2026-01-01T00:00:00.000Z  (payment service "
            "unavailable)\n"
            "ord_2  RUNNING  order  step reserve_stock  updated 2026-01-01T00:00:01.000Z\n"
            "more: --cursor 12_sag_1\n");
  EXPECT_EQ(SagaLines(nlohmann::json::parse("[1]")), "") << "not such an answer: nothing";
}

TEST(DescribeSaga, StepsWhereItIsHistoryWithWhoAndWhyAndMessages) {
  const auto body = nlohmann::json::parse(R"({
      "sagaId": "sag_1", "type": "cancel", "mode": "orchestration", "state": "RUNNING",
      "orderId": "ord_1", "startedAt": "t0", "updatedAt": "t9", "retries": 1,
      "currentStep": "refund", "attempt": 1, "phase": "AWAITING_REPLY", "deadlineAt": "t19",
      "steps": [{"name": "refund", "status": "RUNNING", "attempts": 1, "error": null}],
      "history": [{"at": "t9", "step": "refund", "kind": "FORWARD", "attempt": 0,
                   "type": "RETRIED", "replyType": null, "error": null, "messageId": null,
                   "actor": "root", "reason": "wallet is back"}],
      "messages": [{"direction": "sent", "messageId": "sag_1-1-do-1-r1", "type": "Refund",
                    "topic": "payment.commands", "at": "t9", "step": "refund"}],
      "earlierSagas": [{"type": "order", "sagaId": "sag_0", "state": "COMPLETED"}]})");
  const std::string text = DescribeSaga(body);
  for (const char* expected :
       {"cancel saga sag_1 of order ord_1 (orchestration): RUNNING",
        "now at refund, attempt 1, AWAITING_REPLY, deadline t19", "refund               RUNNING",
        "t9  refund FORWARD RETRIED by root: wallet is back",
        "t9  sent Refund sag_1-1-do-1-r1 on payment.commands",
        "earlier: order saga sag_0: COMPLETED"}) {
    EXPECT_TRUE(Has(text, expected)) << expected << " in:\n" << text;
  }
  EXPECT_FALSE(Has(DescribeSaga(nlohmann::json::object()), "now at")) << "nothing to say, no crash";
}

}  // namespace
}  // namespace tinysaga::app
