// docs/adding-a-step.md's worked example: the order saga with a "ship" step added (Inventory
// ships, then the order becomes ON_WAY), declared here as a test-only saga. What it took
// besides this file: three messages in contracts (messages.h, message_traits.h), Inventory's
// ShipOrder handler, Order's MarkOnWay handler and one row of Order's status table. The
// participants' handlers are tested in their services (inventory_commands_test.cpp,
// order_commands_test.cpp).
#include <gtest/gtest.h>

#include "saga_test_helper.h"
#include "tinysaga/saga/choreography.h"
#include "tinysaga/saga/choreography_reactions.h"
#include "tinysaga/saga/declare.h"
#include "tinysaga/saga/view.h"

namespace tinysaga::sagas {
namespace {

using namespace saga;       // NOLINT: the engine's types read best unqualified here
using namespace contracts;  // NOLINT: the message types read best unqualified here
using saga::testing::SagaTest;

ShipOrder BuildShipOrder(const SagaState&) { return {}; }
MarkOnWay BuildMarkOnWay(const SagaState&) { return {}; }

// The guide's declaration: two steps after order_placed. Past PLACED nothing can be undone,
// so both use the patient timings, as order_placed does.
SagaDefinition ShippingOrderSaga() {
  const SagaTimings timings;
  SagaDefinition saga = OrderSaga(timings);
  saga.steps.push_back(Step{.name = "ship",
                            .label = "Ship the order",
                            .forward = MakeAction(Participant::kInventory, &BuildShipOrder,
                                                  {Success("OrderShipped")}, timings.must_finish),
                            .reason_when_exhausted = std::string(kReasonInventoryUnavailable),
                            .facts = {.done = "OrderShipped"}});
  saga.steps.push_back(Step{
      .name = "order_on_way",
      .label = "Order on its way",
      .forward = MakeAction(
          Participant::kOrder, &BuildMarkOnWay,
          {Success("OrderStatusChanged"), Failure("OrderStatusRejected", kReasonOrderRejected)},
          timings.must_finish),
      .reason_when_exhausted = std::string(kReasonOrderUnavailable),
      .facts = {.done = "status:ON_WAY"}});
  return saga;
}

// Given a shipping saga that got as far as PLACED: ShipOrder is the command just sent.
SagaTest PlacedSaga() {
  SagaTest saga(ShippingOrderSaga());
  saga.GivenAnswered("PaymentCharged")
      .Expect<ReserveStock>()
      .Reply(StockReserved{})
      .Expect<MarkPlaced>()
      .Reply(OrderStatusChanged{"PLACED"})
      .Expect<ShipOrder>();
  return saga;
}

TEST(ShipStep, TheDeclarationIsWellFormedInBothModes) {
  const SagaDefinition saga = ShippingOrderSaga();
  auto checked = CheckDefinition(saga);
  EXPECT_TRUE(checked.ok()) << checked.error().detail;
  auto facts = CheckChoreographyFacts(saga);
  EXPECT_TRUE(facts.ok()) << facts.error().detail;
}

TEST(ShipStep, PlacedThenShippedThenOnItsWay) {
  SagaTest saga = PlacedSaga();
  saga.Reply(OrderShipped{})
      .Expect<MarkOnWay>()
      .Reply(OrderStatusChanged{"ON_WAY"})
      .ExpectNoCommand()
      .ExpectStatus(SagaStatus::kCompleted);
}

TEST(ShipStep, AnUnansweredShipmentIsAskedAgainNotUndone) {
  SagaTest saga = PlacedSaga();
  // A reply timeout, then the backoff: the same command again, attempt 2 of 20.
  saga.TimeOut().TimeOut().Expect<ShipOrder>().ExpectStatus(SagaStatus::kRunning);
  EXPECT_EQ(saga.state().attempt, 2);
  saga.Reply(OrderShipped{}).Expect<MarkOnWay>().Reply(OrderStatusChanged{"ON_WAY"});
  saga.ExpectStatus(SagaStatus::kCompleted);
}

TEST(ShipStep, TheViewShowsTheNewStepsBeforeTheyRun) {
  SagaTest saga = PlacedSaga();
  const SagaView view = BuildView(saga.definition(), saga.state(), SagaMode::kOrchestration);
  ASSERT_EQ(view.steps.size(), 6u);
  EXPECT_EQ(view.steps[4].name, "ship");
  EXPECT_EQ(view.steps[4].label, "Ship the order");
  EXPECT_EQ(view.steps[5].name, "order_on_way");
  EXPECT_EQ(view.steps[5].status, StepViewStatus::kPending);
}

TEST(ShipStep, ChoreographyDerivesWhoReactsToWhat) {
  const SagaDefinition saga = ShippingOrderSaga();
  std::vector<std::string> added;
  for (const Reaction& reaction : ChoreographyReactions(saga)) {
    if (reaction.step >= 4)
      added.push_back(reaction.trigger + " -> " + saga.steps[reaction.step].name);
  }
  EXPECT_EQ(added,
            (std::vector<std::string>{"status:PLACED -> ship", "OrderShipped -> order_on_way"}));
  // Order hears Inventory's new event without being told (FactsHeardBy).
  const std::vector<std::string> heard = FactsHeardBy({saga}, Participant::kOrder);
  EXPECT_NE(std::find(heard.begin(), heard.end(), "OrderShipped"), heard.end());
}

}  // namespace
}  // namespace tinysaga::sagas
