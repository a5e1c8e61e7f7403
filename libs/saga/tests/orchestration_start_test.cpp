// What starts a saga in orchestration, derived from the declarations: tested on the real
// sagas (the order saga from Payment's events, the cancel saga from Order's) and on a made-up
// one.
#include "tinysaga/saga/orchestration_start.h"

#include <gtest/gtest.h>

#include "saga_test_helper.h"
#include "tinysaga/saga/choreography_reactions.h"

namespace tinysaga::saga {
namespace {

using namespace contracts;  // NOLINT: the message types read best unqualified here
using sagas::AllSagas;
using testing::TestData;

Money Cents(int64_t cents) { return Money::FromCents(cents).value(); }

Message EventOf(Payload payload) {
  Envelope envelope;
  envelope.message_id = "evt_1";
  envelope.order_id = OrderId("ord_1");
  envelope.traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  return Message{envelope, std::move(payload)};
}

PaymentFailed Failed(PaymentFailure failure) {
  return PaymentFailed{UserId("alice"), Cents(1250), ProductId("book-1"), 2, failure};
}

TEST(OrchestrationStart, PaymentCompletedStartsTheOrderSagaWithTheChargeDecided) {
  const std::vector<SagaDefinition> sagas = AllSagas();
  const Message completed = EventOf(
      PaymentCompleted{UserId("alice"), Cents(1250), TransactionId("t"), ProductId("book-1"), 2});
  auto started = OrchestrationStartFor(sagas, completed, SagaId("sag_1"));
  ASSERT_TRUE(started.has_value());
  EXPECT_EQ(started->definition, &sagas[0]);
  EXPECT_EQ(started->start.saga_id, SagaId("sag_1"));
  EXPECT_EQ(started->start.order_id, OrderId("ord_1"));
  EXPECT_EQ(started->start.traceparent, completed.envelope.traceparent);
  EXPECT_EQ(started->start.message_id, "evt_1");
  EXPECT_EQ(started->start.message_type, "PaymentCompleted");
  EXPECT_EQ(sagas::OrderSagaData::FromJson(started->start.data).value(), TestData());
  EXPECT_EQ(started->start.first_reply, "PaymentCharged") << "the event decides the charge";
}

TEST(OrchestrationStart, PaymentFailedStandsForTheDeclineOrTheUnknownEffect) {
  const std::vector<SagaDefinition> sagas = AllSagas();
  auto declined = OrchestrationStartFor(sagas, EventOf(Failed(PaymentFailure::kInsufficientFunds)),
                                        SagaId("sag_2"));
  ASSERT_TRUE(declined.has_value());
  EXPECT_EQ(declined->definition->type, sagas::kOrderSagaType);
  EXPECT_EQ(declined->start.first_reply, "PaymentDeclined");
  auto unavailable =
      OrchestrationStartFor(sagas, EventOf(Failed(PaymentFailure::kUnavailable)), SagaId("sag_3"));
  ASSERT_TRUE(unavailable.has_value());
  EXPECT_EQ(unavailable->start.first_reply, "PaymentUnavailable");
}

TEST(OrchestrationStart, TheCancelSagaStartsFromItsStartFactWithNoStepDecided) {
  const std::vector<SagaDefinition> sagas = AllSagas();
  auto cancel = OrchestrationStartFor(
      sagas, EventOf(OrderCancelRequested{UserId("alice"), Cents(1250), ProductId("book-1"), 2}),
      SagaId("sag_4"));
  ASSERT_TRUE(cancel.has_value());
  EXPECT_EQ(cancel->definition, &sagas[1]);
  EXPECT_FALSE(cancel->start.first_reply.has_value());
}

TEST(OrchestrationStart, OtherEventsStartNothing) {
  const std::vector<SagaDefinition> sagas = AllSagas();
  EXPECT_FALSE(OrchestrationStartFor(sagas, EventOf(StockReserved{}), SagaId("sag_5")));
  EXPECT_FALSE(OrchestrationStartFor(sagas, EventOf(StockReleased{}), SagaId("sag_9")))
      << "the done fact of the cancel saga's first step, which has a start event of its own";
  EXPECT_FALSE(OrchestrationStartFor(sagas, EventOf(Refunded{TransactionId("t"), Cents(1250)}),
                                     SagaId("sag_6")))
      << "a later step's fact";
}

TEST(OrchestrationStart, WithoutADeclaredMappingTheFactsStandForTheFirstSuccessAndFailure) {
  std::vector<SagaDefinition> sagas = AllSagas();
  Step& charge = sagas[0].steps[1];
  ASSERT_EQ(charge.name, "charge_wallet");
  charge.reply_of_fact = nullptr;
  auto completed =
      OrchestrationStartFor(sagas,
                            EventOf(PaymentCompleted{UserId("alice"), Cents(1250),
                                                     TransactionId("t"), ProductId("book-1"), 2}),
                            SagaId("sag_7"));
  ASSERT_TRUE(completed.has_value());
  EXPECT_EQ(completed->start.first_reply, "PaymentCharged");
  auto failed =
      OrchestrationStartFor(sagas, EventOf(Failed(PaymentFailure::kUnavailable)), SagaId("sag_8"));
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(failed->start.first_reply, "PaymentDeclined") << "the first kFailure reply";
}

TEST(OrchestrationStart, TheStartEventsAndTheirTopicsComeFromTheDeclarations) {
  const std::vector<SagaDefinition> sagas = AllSagas();
  EXPECT_EQ(OrchestrationStartEvents(sagas),
            (std::vector<std::string>{"PaymentCompleted", "PaymentFailed", "OrderCancelRequested"}))
      << "the order saga's start fact is a status; the cancel saga's own start event makes its "
         "first step's StockReleased an answer, not a start";
  EXPECT_EQ(TopicsOf(OrchestrationStartEvents(sagas)),
            (std::vector<std::string>{"payment.events", "order.events"}));
}

}  // namespace
}  // namespace tinysaga::saga
