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
  const auto body = saga::DefinitionsJson(sagas::AllSagas(), saga::kOrchestrationMode);
  auto text = DescribeDefinitions(body, "order");
  ASSERT_TRUE(text.ok()) << text.error().detail;
  EXPECT_TRUE(Has(*text, "order saga (orchestration): Pays for an order")) << *text;
  EXPECT_FALSE(Has(*text, "cancel saga")) << "only the saga asked for";
  EXPECT_TRUE(Has(*text,
                  "  1  charge_wallet        Charge the wallet -> payment ChargeWallet "
                  "(10000 ms per attempt, 3 attempts, backoff 200..5000 ms)"))
      << *text;
  EXPECT_TRUE(Has(*text, "undo: Refund the payment -> payment Refund")) << *text;
  EXPECT_TRUE(Has(*text, "PaymentDeclined: FAILURE (insufficient funds)")) << *text;
  EXPECT_TRUE(Has(*text, "reserve_stock        Reserve stock -> inventory ReserveStock")) << *text;
  EXPECT_TRUE(Has(*text, "[runs together with the rest of group 2]")) << *text;
}

TEST(DescribeDefinitions, EverySagaAndNoTimingsInChoreography) {
  const auto body = saga::DefinitionsJson(sagas::AllSagas(), saga::kChoreographyMode);
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
  const auto body = saga::DefinitionsJson(sagas::AllSagas(), saga::kOrchestrationMode);
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
