// The order saga and the cancel saga run as choreography, step by step: what each event makes
// the participants run (derived from the declarations), and the view Order shows after each.
#include <gtest/gtest.h>

#include "choreography_test_helper.h"
#include "saga_test_helper.h"

namespace tinysaga::sagas {
namespace {

using namespace saga;  // NOLINT: the engine's types read best unqualified here

using namespace contracts;  // NOLINT: the message types read best unqualified here
using saga::testing::ChoreographyTest;
using saga::testing::OrderSagaWithParallelGroup;
using saga::testing::SagaTest;
using Statuses = std::vector<std::string>;

Money Cents(int64_t cents) { return Money::FromCents(cents).value(); }

// What POST /api/payment publishes for saga_test_helper.h's TestData.
PaymentCompleted Paid() {
  return PaymentCompleted{UserId("alice"), Cents(1250), TransactionId("txn_1"), ProductId("book-1"),
                          2};
}
PaymentFailed Declined() {
  return PaymentFailed{UserId("alice"), Cents(1250), ProductId("book-1"), 2,
                       PaymentFailure::kInsufficientFunds};
}
OrderCancelRequested CancelRequested() {
  return OrderCancelRequested{UserId("alice"), Cents(1250), ProductId("book-1"), 2};
}

SagaId SagaOf(std::string_view type) {
  return ChoreographySagaId(type, OrderId(std::string(saga::testing::kOrderId)));
}

// The order saga's participants, after POST /api/payment charged the wallet: Inventory
// reserves. Order follows PaymentCompleted to PAYMENT_DONE on its own, with no command: a
// status no step declares, so it is no fact of the saga.
ChoreographyTest PaidOrder() {
  ChoreographyTest saga(AllSagas());
  saga.GivenStatus("PAYMENT_PENDING")
      .ExpectNoCommand()
      .ExpectView(kOrderSagaType, SagaStatus::kRunning,
                  {"SUCCEEDED", "RUNNING", "PENDING", "PENDING"})
      .Given(Paid())
      .GivenStatus("PAYMENT_DONE")
      .Expect<ReserveStock>(Participant::kInventory,
                            [](const ReserveStock& command) {
                              EXPECT_EQ(command.product_id, ProductId("book-1"));
                              EXPECT_EQ(command.quantity, 2);
                            })
      .ExpectNoCommand()
      .ExpectView(kOrderSagaType, SagaStatus::kRunning,
                  {"SUCCEEDED", "SUCCEEDED", "RUNNING", "PENDING"});
  return saga;
}

ChoreographyTest PlacedOrder() {
  ChoreographyTest saga = PaidOrder();
  saga.Reply(StockReserved{})
      .Expect<MarkPlaced>(Participant::kOrder)
      .ReplyStatus("PLACED")
      .ExpectNoCommand();
  return saga;
}

TEST(ChoreographySaga, HappyPathReservesAndPlacesThePaidOrder) {
  ChoreographyTest saga = PlacedOrder();
  saga.ExpectView(kOrderSagaType, SagaStatus::kCompleted,
                  {"SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED"})
      .ExpectNoView(kCancelSagaType);
  // The view's steps are the declaration's, by name.
  const auto view = saga.View(kOrderSagaType);
  ASSERT_TRUE(view.has_value());
  std::vector<std::string> names;
  for (const StepView& step : view->steps) names.push_back(step.name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"order", "charge_wallet", "reserve_stock", "order_placed"}));
  EXPECT_EQ(view->saga_id, SagaOf(kOrderSagaType));
  EXPECT_EQ(view->mode, SagaMode::kChoreography);
  EXPECT_EQ(view->failure_reason, "");
}

TEST(ChoreographySaga, EveryCommandIsInTheOrderSagaAndCausedByItsEvent) {
  ChoreographyTest saga = PlacedOrder();
  // ReserveStock on PaymentCompleted, MarkPlaced on StockReserved.
  ASSERT_EQ(saga.run().size(), 2u);
  ASSERT_EQ(saga.published().size(), 2u);
  const Message& paid = saga.published()[0];
  const Message& reserved = saga.published()[1];
  EXPECT_EQ(paid.type(), "PaymentCompleted");
  EXPECT_EQ(reserved.type(), "StockReserved");
  EXPECT_EQ(saga.run()[0].message.envelope.message_id, paid.envelope.message_id);
  EXPECT_EQ(saga.run()[1].message.envelope.message_id, reserved.envelope.message_id);
  // Inventory's answer is caused by the command it ran, in the saga every service names alike.
  EXPECT_EQ(reserved.envelope.causation_id, paid.envelope.message_id);
  EXPECT_EQ(reserved.envelope.saga_id, SagaOf(kOrderSagaType));
  for (const auto& command : saga.run()) {
    EXPECT_EQ(command.message.envelope.saga_id, SagaOf(kOrderSagaType)) << command.trigger;
    EXPECT_EQ(command.message.envelope.order_id, OrderId(std::string(saga::testing::kOrderId)));
  }
}

TEST(ChoreographySaga, InsufficientFundsFailsTheOrderWithoutARefund) {
  ChoreographyTest saga(AllSagas());
  saga.GivenStatus("PAYMENT_PENDING")
      .Given(Declined())
      .Expect<MarkFailed>(Participant::kOrder)
      .ExpectNoCommand()
      // Steps never reached stay PENDING until the saga ends, as the orchestrator shows them.
      .ExpectView(kOrderSagaType, SagaStatus::kCompensating,
                  {"COMPENSATING", "FAILED", "PENDING", "PENDING"})
      .ReplyStatus("FAILED", std::string(kReasonInsufficientFunds))
      .ExpectNoCommand()
      .ExpectView(kOrderSagaType, SagaStatus::kFailed,
                  {"COMPENSATED", "FAILED", "SKIPPED", "SKIPPED"})
      .ExpectNoView(kCancelSagaType);
  for (const auto& command : saga.run()) {
    EXPECT_FALSE(std::holds_alternative<Refund>(command.message.payload));
  }
  EXPECT_EQ(saga.View(kOrderSagaType)->failure_reason, kReasonInsufficientFunds);
}

TEST(ChoreographySaga, OutOfStockAfterPaymentRefundsThenFails) {
  ChoreographyTest saga = PaidOrder();
  saga.Reply(OutOfStock{0})
      // Payment refunds what was paid; nothing was reserved, so nothing is released.
      .Expect<Refund>(Participant::kPayment,
                      [](const Refund& command) {
                        EXPECT_EQ(command.user_id, UserId("alice"));
                        EXPECT_EQ(command.amount, Cents(1250));
                      })
      .ExpectNoCommand()
      .ExpectView(kOrderSagaType, SagaStatus::kCompensating,
                  {"SUCCEEDED", "COMPENSATING", "FAILED", "PENDING"})
      .Reply(Refunded{TransactionId("txn_2"), Cents(1250)})
      .Expect<MarkFailed>(Participant::kOrder)
      .ExpectNoCommand()
      .ReplyStatus("FAILED", std::string(kReasonOutOfStock))
      .ExpectNoCommand()
      .ExpectView(kOrderSagaType, SagaStatus::kFailed,
                  {"COMPENSATED", "COMPENSATED", "FAILED", "SKIPPED"});
  EXPECT_EQ(saga.current().message.envelope.saga_id, SagaOf(kOrderSagaType));
  EXPECT_EQ(saga.View(kOrderSagaType)->failure_reason, kReasonOutOfStock);
  for (const auto& command : saga.run()) {
    EXPECT_FALSE(std::holds_alternative<ReleaseStock>(command.message.payload));
    EXPECT_FALSE(std::holds_alternative<MarkCanceled>(command.message.payload));
  }
}

TEST(ChoreographySaga, CancelOfAPlacedOrderReleasesRefundsAndCancels) {
  ChoreographyTest saga = PlacedOrder();
  saga.Given(CancelRequested(), kCancelSagaType)
      // In the cancel saga only: the order saga's own release (after a give-up) is not run too.
      .Expect<ReleaseStock>(Participant::kInventory,
                            [](const ReleaseStock& command) {
                              EXPECT_EQ(command.product_id, ProductId("book-1"));
                              EXPECT_EQ(command.quantity, 2);
                            })
      .ExpectNoCommand()
      .ExpectView(kCancelSagaType, SagaStatus::kRunning, {"RUNNING", "PENDING", "PENDING"})
      .Reply(StockReleased{})
      .Expect<Refund>(Participant::kPayment,
                      [](const Refund& command) { EXPECT_EQ(command.amount, Cents(1250)); })
      .ExpectNoCommand()
      .ExpectView(kCancelSagaType, SagaStatus::kRunning, {"SUCCEEDED", "RUNNING", "PENDING"})
      .Reply(Refunded{TransactionId("txn_9"), Cents(1250)})
      // Order cancels; the order saga's MarkFailed on Refunded is not the cancel saga's.
      .Expect<MarkCanceled>(Participant::kOrder)
      .ExpectNoCommand()
      .ExpectView(kCancelSagaType, SagaStatus::kRunning, {"SUCCEEDED", "SUCCEEDED", "RUNNING"})
      .ReplyStatus("CANCELED")
      .ExpectNoCommand()
      .ExpectView(kCancelSagaType, SagaStatus::kCompleted, {"SUCCEEDED", "SUCCEEDED", "SUCCEEDED"})
      // The order saga it follows stays as it ended.
      .ExpectView(kOrderSagaType, SagaStatus::kCompleted,
                  {"SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED"});
  for (size_t i = 2; i < saga.run().size(); ++i) {  // after ReserveStock and MarkPlaced
    EXPECT_EQ(saga.run()[i].message.envelope.saga_id, SagaOf(kCancelSagaType))
        << saga.run()[i].message.type();
  }
  EXPECT_EQ(saga.run().size(), 5u);
}

TEST(ChoreographySaga, AnEventNoDeclarationNamesIsNeitherFollowedNorKept) {
  ChoreographyTest saga = PaidOrder();
  const size_t facts = saga.facts().size();
  // A step nobody declared, and the orchestrator's reply to a charge: choreography's facts are
  // Payment's events, not its replies.
  saga.Given(OrderShipped{}, kOrderSagaType, "cmd-ship")
      .ExpectNoCommand()
      .Given(PaymentCharged{TransactionId("txn_1"), Cents(1250)}, kOrderSagaType, "cmd-charge")
      .ExpectNoCommand()
      .ExpectView(kOrderSagaType, SagaStatus::kRunning,
                  {"SUCCEEDED", "SUCCEEDED", "RUNNING", "PENDING"})
      .ExpectNoView(kCancelSagaType);
  EXPECT_EQ(saga.facts().size(), facts);
}

TEST(ChoreographySaga, AMisspelledTypeOnTheWireReachesNoHandler) {
  ChoreographyTest saga = PaidOrder();
  saga.Reply(StockReserved{});
  std::string text = Serialize(saga.published().back());
  const size_t at = text.find("\"StockReserved\"");
  ASSERT_NE(at, std::string::npos) << text;
  text.replace(at, std::string_view("\"StockReserved\"").size(), "\"StockReserve\"");
  // Refused by the codec, so the consumer dead-letters it before any reaction is looked up.
  auto parsed = Parse(text);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().detail, "unknown message type 'StockReserve'");
}

TEST(ChoreographySaga, AMisspelledFactMakesNothingHappenAndTheCheckNamesIt) {
  SagaDefinition misspelled = OrderSaga();
  misspelled.steps[2].facts.done = "StockReserve";  // StockReserved
  const auto checked = CheckChoreographyFacts(misspelled);
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.error().detail,
            "the order saga step 'reserve_stock' names the unknown fact 'StockReserve'");

  std::vector<SagaDefinition> sagas;
  sagas.push_back(std::move(misspelled));
  ChoreographyTest saga(std::move(sagas), ChoreographyTest::Declarations::kUnchecked);
  saga.GivenStatus("PAYMENT_PENDING")
      .Given(Paid())
      .Expect<ReserveStock>(Participant::kInventory)
      .Reply(StockReserved{})
      // Nobody is told the stock is reserved: the order is never placed, the step never ends.
      .ExpectNoCommand()
      .ExpectView(kOrderSagaType, SagaStatus::kRunning,
                  {"SUCCEEDED", "SUCCEEDED", "RUNNING", "PENDING"});
}

// A test saga whose order_on_way runs beside reserve_stock (saga_test_helper.h): both go out on
// PaymentCompleted, and the step after the group waits until both are done.
TEST(ChoreographySaga, AParallelGroupGoesOutAtOnceAndTheNextStepFollowsWhenBothAreDone) {
  std::vector<SagaDefinition> sagas;
  sagas.push_back(OrderSagaWithParallelGroup());
  sagas.push_back(CancelSaga());
  ChoreographyTest saga(std::move(sagas));
  saga.GivenStatus("PAYMENT_PENDING")
      .Given(Paid())
      // Participant order: Order's command is taken first.
      .Expect<MarkOnWay>(Participant::kOrder)
      .ExpectView(kOrderSagaType, SagaStatus::kRunning,
                  {"SUCCEEDED", "SUCCEEDED", "RUNNING", "RUNNING", "PENDING"})
      .ReplyStatus("ON_WAY")
      .ExpectView(kOrderSagaType, SagaStatus::kRunning,
                  {"SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "RUNNING", "PENDING"})
      .Expect<ReserveStock>(Participant::kInventory)
      .ExpectNoCommand()  // ON_WAY alone starts nothing
      .Reply(StockReserved{})
      .Expect<MarkPlaced>(Participant::kOrder)
      .ExpectNoCommand()
      .ExpectView(kOrderSagaType, SagaStatus::kRunning,
                  {"SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "RUNNING"})
      .ReplyStatus("PLACED")
      .ExpectNoCommand()
      .ExpectView(kOrderSagaType, SagaStatus::kCompleted,
                  {"SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED"});
}

// Issue 13's "same view in both modes": each flow above, orchestrated, shows the same steps with
// the same statuses.
Statuses StepStatuses(const SagaView& view) {
  Statuses statuses;
  for (const StepView& step : view.steps) statuses.emplace_back(StepViewStatusName(step.status));
  return statuses;
}

TEST(ChoreographySaga, EachFlowShowsTheStepsTheOrchestratorShows) {
  SagaTest placed(OrderSaga());
  placed.GivenAnswered("PaymentCharged")
      .Expect<ReserveStock>()
      .Reply(StockReserved{})
      .Expect<MarkPlaced>()
      .Reply(OrderStatusChanged{"PLACED"});
  SagaTest out_of_stock(OrderSaga());
  out_of_stock.GivenAnswered("PaymentCharged")
      .Expect<ReserveStock>()
      .Reply(OutOfStock{0})
      .Expect<Refund>()
      .Reply(Refunded{TransactionId("txn_2"), Cents(1250)})
      .Expect<MarkFailed>()
      .Reply(OrderStatusChanged{"FAILED"});
  SagaTest declined(OrderSaga());
  declined.GivenAnswered("PaymentDeclined")
      .Expect<MarkFailed>()
      .Reply(OrderStatusChanged{"FAILED"});

  auto orchestrated = [](const SagaTest& test) {
    return StepStatuses(BuildView(test.definition(), test.state(), SagaMode::kOrchestration));
  };
  auto choreographed = [](const ChoreographyTest& test) {
    auto view = test.View(kOrderSagaType);
    return view ? StepStatuses(*view) : Statuses{};
  };

  EXPECT_EQ(choreographed(PlacedOrder()), orchestrated(placed));

  ChoreographyTest stock = PaidOrder();
  stock.Reply(OutOfStock{0})
      .Expect<Refund>(Participant::kPayment)
      .Reply(Refunded{TransactionId("txn_2"), Cents(1250)})
      .Expect<MarkFailed>(Participant::kOrder)
      .ReplyStatus("FAILED", std::string(kReasonOutOfStock));
  EXPECT_EQ(choreographed(stock), orchestrated(out_of_stock));

  ChoreographyTest funds(AllSagas());
  funds.GivenStatus("PAYMENT_PENDING")
      .Given(Declined())
      .Expect<MarkFailed>(Participant::kOrder)
      .ReplyStatus("FAILED", std::string(kReasonInsufficientFunds));
  EXPECT_EQ(choreographed(funds), orchestrated(declined));
}

}  // namespace
}  // namespace tinysaga::sagas
