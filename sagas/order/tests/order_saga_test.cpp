// The order saga of DESIGN.md, step by step: each step's success, failure and timeout.
#include <gtest/gtest.h>

#include "saga_test_helper.h"
#include "tinysaga/saga/choreography_reactions.h"
#include "tinysaga/saga/view.h"

namespace tinysaga::sagas {
namespace {

using namespace saga;  // NOLINT: the engine's types read best unqualified here

using namespace contracts;  // NOLINT: the message types read best unqualified here
using saga::testing::SagaTest;
using saga::testing::TestData;

Money Cents(int64_t cents) { return Money::FromCents(cents).value(); }

// Given a started order saga, charged: the stock step is next. (Order follows Payment's
// PaymentCompleted to PAYMENT_DONE itself; the saga sends it nothing for that.)
SagaTest PaidSaga() {
  SagaTest saga(OrderSaga());
  saga.Given()
      .Expect<ChargeWallet>()
      .Reply(PaymentCharged{TransactionId("txn_1"), Cents(1250)})
      .Expect<ReserveStock>();
  return saga;
}

auto ReasonIs(std::string_view reason) {
  return [reason](const MarkFailed& command) { EXPECT_EQ(command.reason, reason); };
}

TEST(OrderSaga, DefinitionIsWellFormed) {
  auto checked = CheckDefinition(OrderSaga());
  EXPECT_TRUE(checked.ok()) << checked.error().detail;
  auto cancel = CheckDefinition(CancelSaga());
  EXPECT_TRUE(cancel.ok()) << cancel.error().detail;
}

TEST(OrderSaga, HappyPathChargesReservesAndPlaces) {
  SagaTest saga(OrderSaga());
  saga.Given()
      .Expect<ChargeWallet>([](const ChargeWallet& command) {
        EXPECT_EQ(command.user_id, UserId("alice"));
        EXPECT_EQ(command.amount, Cents(1250));
      })
      .Reply(PaymentCharged{TransactionId("txn_1"), Cents(1250)})
      .Expect<ReserveStock>([](const ReserveStock& command) {
        EXPECT_EQ(command.product_id, ProductId("book-1"));
        EXPECT_EQ(command.quantity, 2);
      })
      .Reply(StockReserved{})
      .Expect<MarkPlaced>()
      .Reply(OrderStatusChanged{"PLACED"})
      .ExpectNoCommand()
      .ExpectStatus(SagaStatus::kCompleted);
  EXPECT_EQ(saga.state().deadline_ms, 0);
  EXPECT_TRUE(saga.state().failure_reason.empty());
}

TEST(OrderSaga, CommandsGoToTheParticipantsTopicsKeyedByOrder) {
  SagaTest saga = PaidSaga();
  saga.Reply(StockReserved{}).Expect<MarkPlaced>();
  ASSERT_EQ(saga.sent().size(), 3u);
  EXPECT_EQ(saga.sent()[0].topic, "payment.commands");
  EXPECT_EQ(saga.sent()[1].topic, "inventory.commands");
  EXPECT_EQ(saga.sent()[2].topic, "order.commands");
  for (const auto& command : saga.sent()) {
    EXPECT_EQ(command.message.envelope.order_id, OrderId(std::string(testing::kOrderId)));
    EXPECT_EQ(command.message.envelope.saga_id, SagaId(std::string(testing::kSagaId)));
  }
}

TEST(OrderSaga, TraceparentOfTheStartingEventGoesOnEveryCommand) {
  const std::string traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  SagaTest saga(OrderSaga());
  saga.Given(TestData(), traceparent).Expect<ChargeWallet>().Reply(PaymentDeclined{"no"});
  for (const auto& command : saga.sent())
    EXPECT_EQ(command.message.envelope.traceparent, traceparent);
}

TEST(OrderSaga, InsufficientFundsFailsWithoutRefund) {
  SagaTest saga(OrderSaga());
  saga.Given()
      .Expect<ChargeWallet>()
      .Reply(PaymentDeclined{"balance 100 < 1250"})
      .Expect<MarkFailed>(ReasonIs("insufficient funds"))
      .Reply(OrderStatusChanged{"FAILED"})
      .ExpectNoCommand()
      .ExpectStatus(SagaStatus::kFailed);
  for (const auto& command : saga.sent()) {
    EXPECT_FALSE(std::holds_alternative<Refund>(command.message.payload));
  }
  EXPECT_EQ(saga.state().step_index, -1);
}

TEST(OrderSaga, OutOfStockAfterPaymentRefundsThenFails) {
  SagaTest saga = PaidSaga();
  saga.Reply(OutOfStock{1})
      .Expect<Refund>([](const Refund& command) {
        EXPECT_EQ(command.user_id, UserId("alice"));
        EXPECT_EQ(command.amount, Cents(1250));
      })
      .Reply(Refunded{TransactionId("txn_2"), Cents(1250)})
      .Expect<MarkFailed>(ReasonIs("out of stock, payment refunded"))
      .Reply(OrderStatusChanged{"FAILED"})
      .ExpectNoCommand()
      .ExpectStatus(SagaStatus::kFailed);
  // Stock that was never reserved is not released.
  for (const auto& command : saga.sent()) {
    EXPECT_FALSE(std::holds_alternative<ReleaseStock>(command.message.payload));
  }
}

TEST(OrderSaga, PaymentUnavailableVoidsAnUnseenDebitThenFails) {
  SagaTest saga(OrderSaga());
  saga.Given()
      .Expect<ChargeWallet>()
      .Reply(PaymentUnavailable{"wallet timed out after 4 attempts"})
      // The debit may have gone through: the refund voids it, or is a no-op.
      .Expect<Refund>()
      .Reply(Refunded{std::nullopt, Cents(0)})
      .Expect<MarkFailed>(ReasonIs("payment service unavailable"))
      .Reply(OrderStatusChanged{"FAILED"})
      .ExpectStatus(SagaStatus::kFailed);
}

TEST(OrderSaga, ChargeTimeoutsRetryWithGrowingBackoffThenCompensate) {
  SagaTimings saga_timings;
  saga_timings.charge.attempts_max = 3;  // two pauses, to see them grow
  const ActionTimings& timings = saga_timings.charge;
  SagaTest saga(OrderSaga(saga_timings));
  saga.Given().Expect<ChargeWallet>();
  EXPECT_EQ(saga.state().deadline_ms, testing::kStartMs + timings.timeout_ms);

  std::vector<int64_t> backoffs_ms;
  for (int attempt = 1; attempt < timings.attempts_max; ++attempt) {
    saga.TimeOut().ExpectNoCommand();  // reply deadline passed: back off first
    EXPECT_EQ(saga.state().phase, StepPhase::kBackingOff);
    backoffs_ms.push_back(saga.state().deadline_ms - saga.now_ms());
    saga.TimeOut().Expect<ChargeWallet>();  // backoff over: resend
    EXPECT_EQ(saga.state().attempt, attempt + 1);
    EXPECT_EQ(saga.current().message.envelope.message_id,
              CommandId(saga.state().saga_id, 1, ActionKind::kForward, attempt + 1));
  }
  ASSERT_EQ(backoffs_ms.size(), 2u);
  EXPECT_GE(backoffs_ms[0], 100);  // equal jitter: between half and all of 200 ms
  EXPECT_LE(backoffs_ms[0], 200);
  EXPECT_GE(backoffs_ms[1], 200);  // then of 400 ms
  EXPECT_LE(backoffs_ms[1], 400);

  // The last attempt times out: the step failed with its effect unknown, so it is undone.
  saga.TimeOut()
      .Expect<Refund>()
      .Reply(Refunded{std::nullopt, Cents(0)})
      .Expect<MarkFailed>(ReasonIs("payment service unavailable"))
      .Reply(OrderStatusChanged{"FAILED"})
      .ExpectStatus(SagaStatus::kFailed);
}

TEST(OrderSaga, ChargeSucceedsOnTheSecondAttempt) {
  SagaTest saga(OrderSaga());
  saga.Given()
      .Expect<ChargeWallet>()
      .TimeOutTimes(2)
      .Expect<ChargeWallet>()
      .Reply(PaymentCharged{TransactionId("txn_1"), Cents(1250)})
      .Expect<ReserveStock>()
      .ExpectStatus(SagaStatus::kRunning);
  EXPECT_EQ(saga.state().attempt, 1);  // a new step starts at attempt 1
}

TEST(OrderSaga, ReserveStockTimeoutReleasesTheMaybeReservedStock) {
  SagaTest saga = PaidSaga();
  saga.TimeOutTimes(5)
      .Expect<ReserveStock>()
      .Expect<ReserveStock>()
      // Compensation of a step that may never have run is still sent; Inventory treats the
      // release of a reservation it never made as a no-op.
      .Expect<ReleaseStock>([](const ReleaseStock& command) { EXPECT_EQ(command.quantity, 2); })
      .Reply(StockReleased{})
      .Expect<Refund>()
      .Reply(Refunded{TransactionId("txn_2"), Cents(1250)})
      .Expect<MarkFailed>(ReasonIs(kReasonInventoryUnavailable))
      .Reply(OrderStatusChanged{"FAILED"})
      .ExpectStatus(SagaStatus::kFailed);
}

// Choreography's deadlines (ChoreographyWaitMs, from which Order's are made) are the engine's
// own patience: the orchestrator gives up on an unanswered step after at least its attempts'
// timeouts, and at most the budget choreography waits (the pauses are jittered below their caps).
TEST(OrderSaga, TheEngineGivesUpOnAStepWithinTheTimeChoreographyWaitsForIt) {
  const auto expect_within = [](SagaTest& saga, int step, std::string_view fact) {
    const Action& action = *saga.definition().steps[static_cast<size_t>(step)].forward;
    const TimestampMs sent_ms = saga.now_ms();
    saga.TimeOutTimes(2 * action.attempts_max - 1);  // each reply deadline, and the pauses
    EXPECT_TRUE(saga.state().compensating()) << "gave up";
    const int64_t waited_ms = saga.now_ms() - sent_ms;
    EXPECT_GE(waited_ms, action.attempts_max * action.timeout_ms);
    EXPECT_LE(waited_ms, ChoreographyWaitMs(saga.definition(), fact).value_or(0));
  };
  SagaTest charging(OrderSaga());
  charging.Given().Expect<ChargeWallet>();
  expect_within(charging, 1, "status:PAYMENT_PENDING");  // Order's PAYMENT_PENDING deadline
  SagaTest reserving = PaidSaga();
  expect_within(reserving, 2, "PaymentCompleted");  // Order's PAYMENT_DONE deadline
}

TEST(OrderSaga, AnUnansweredMarkPlacedIsAskedAgainPastTheForwardAttemptsNeverUndone) {
  // A MarkPlaced may have been applied without its reply arriving in time, and PLACED cannot
  // be undone: the saga asks again (each: a reply deadline, then a backoff) beyond the three
  // attempts of a forward step, and completes when the answer comes.
  SagaTest saga = PaidSaga();
  saga.Reply(StockReserved{}).Expect<MarkPlaced>();
  for (int attempt = 2; attempt <= 6; ++attempt) saga.TimeOutTimes(2).Expect<MarkPlaced>();
  EXPECT_FALSE(saga.state().compensating());
  saga.Reply(OrderStatusChanged{"PLACED"}).ExpectStatus(SagaStatus::kCompleted);
}

TEST(OrderSaga, MarkPlacedRejectedReleasesStockAndRefunds) {
  SagaTest saga = PaidSaga();
  saga.Reply(StockReserved{})
      .Expect<MarkPlaced>()
      .Reply(OrderStatusRejected{"FAILED", "order already failed"})
      .Expect<ReleaseStock>()
      .Reply(StockReleased{})
      .Expect<Refund>()
      .Reply(Refunded{TransactionId("txn_2"), Cents(1250)})
      .Expect<MarkFailed>()
      .Reply(OrderStatusChanged{"FAILED"})
      .ExpectStatus(SagaStatus::kFailed);
}

TEST(OrderSaga, RefundRetriesWhileThePaymentServiceIsUnavailable) {
  SagaTest saga = PaidSaga();
  saga.Reply(OutOfStock{0})
      .Expect<Refund>()
      .Reply(PaymentUnavailable{"wallet down"})
      .ExpectNoCommand();
  EXPECT_EQ(saga.state().phase, StepPhase::kBackingOff);
  EXPECT_TRUE(saga.state().compensating());
  saga.TimeOut()
      .Expect<Refund>()
      .Reply(Refunded{TransactionId("txn_2"), Cents(1250)})
      .Expect<MarkFailed>(ReasonIs("out of stock, payment refunded"));
  EXPECT_EQ(saga.sent()[saga.sent().size() - 2].message.envelope.message_id,
            CommandId(saga.state().saga_id, 1, ActionKind::kCompensation, 2));
}

TEST(OrderSaga, ACompensationThatNeverSucceedsIsRecordedAndTheSagaEndsGaveUp) {
  SagaTest saga = PaidSaga();
  saga.Reply(OutOfStock{0}).Expect<Refund>();
  const int attempts_max = SagaTimings().must_finish.attempts_max;
  // Every attempt times out: reply deadline then backoff, except after the last one.
  saga.TimeOutTimes(2 * attempts_max - 1);
  for (int i = 1; i < attempts_max; ++i) saga.Expect<Refund>();
  saga.Expect<MarkFailed>(ReasonIs("out of stock, refund not done: an operator must act"))
      .Reply(OrderStatusChanged{"FAILED"})
      .ExpectStatus(SagaStatus::kGaveUp);
  const StepEvent& gave_up = saga.state().history[saga.state().history.size() - 3];
  EXPECT_EQ(gave_up.type, StepEventType::kGaveUp);
  EXPECT_EQ(gave_up.kind, ActionKind::kCompensation);
  EXPECT_EQ(gave_up.step_index, 1);
}

TEST(OrderSaga, ARefundTheWalletRefusesIsNotResentAndTheSagaEndsGaveUp) {
  SagaTest saga = PaidSaga();
  saga.Reply(OutOfStock{0})
      .Expect<Refund>()
      .Reply(RefundRefused{"operation id belongs to another request"})
      .Expect<MarkFailed>(ReasonIs("out of stock, refund not done: an operator must act"))
      .Reply(OrderStatusChanged{"FAILED"})
      .ExpectNoCommand()
      .ExpectStatus(SagaStatus::kGaveUp);
  // ChargeWallet, ReserveStock, then one Refund and MarkFailed.
  EXPECT_EQ(saga.sent().size(), 4u);
}

TEST(OrderSaga, AReleaseThatGaveUpStillSaysThePaymentWasRefunded) {
  SagaTest saga = PaidSaga();
  saga.Reply(StockReserved{}).Expect<MarkPlaced>().Reply(OrderStatusRejected{"FAILED", "x"});
  saga.Expect<ReleaseStock>();
  const int attempts_max = SagaTimings().must_finish.attempts_max;
  saga.TimeOutTimes(2 * attempts_max - 1);
  for (int i = 1; i < attempts_max; ++i) saga.Expect<ReleaseStock>();
  saga.Expect<Refund>()
      .Reply(Refunded{TransactionId("t"), Cents(1250)})
      .Expect<MarkFailed>(ReasonIs("order changed meanwhile, payment refunded"))
      .Reply(OrderStatusChanged{"FAILED"})
      .ExpectStatus(SagaStatus::kGaveUp);
}

TEST(OrderSaga, WhileCompensatingTheStepIndexOnlyDecreases) {
  SagaTest saga = PaidSaga();
  saga.Reply(StockReserved{}).Expect<MarkPlaced>().Reply(OrderStatusRejected{"FAILED", "x"});
  std::vector<int> indexes{saga.state().step_index};
  saga.Expect<ReleaseStock>().Reply(StockReleased{});
  indexes.push_back(saga.state().step_index);
  saga.Expect<Refund>().Reply(Refunded{TransactionId("t"), Cents(1250)});
  indexes.push_back(saga.state().step_index);
  saga.Expect<MarkFailed>().Reply(OrderStatusChanged{"FAILED"});
  indexes.push_back(saga.state().step_index);
  EXPECT_EQ(indexes, (std::vector<int>{2, 1, 0, -1}));
}

// The saga as the orchestrator starts it: from Payment's event, which is the charge's outcome,
// so no ChargeWallet goes to Payment and back (two hops fewer on every saga's path).
TEST(OrderSaga, StartedByPaymentCompletedTheChargeIsDoneWithoutACommand) {
  SagaTest saga(OrderSaga());
  saga.GivenAnswered("PaymentCharged")
      .Expect<ReserveStock>()
      .Reply(StockReserved{})
      .Expect<MarkPlaced>()
      .Reply(OrderStatusChanged{"PLACED"})
      .ExpectNoCommand()
      .ExpectStatus(SagaStatus::kCompleted);
  for (const auto& command : saga.sent()) EXPECT_NE(command.topic, "payment.commands");
  const SagaView view = BuildView(saga.definition(), saga.state(), SagaMode::kOrchestration);
  ASSERT_GE(view.steps.size(), 2u);
  EXPECT_EQ(view.steps[1].status, StepViewStatus::kSucceeded);
  EXPECT_EQ(view.steps[1].attempts, 1);
  EXPECT_TRUE(view.steps[1].started_ms.has_value());
}

TEST(OrderSaga, StartedByInsufficientFundsFailsTheOrderWithoutARefund) {
  SagaTest saga(OrderSaga());
  saga.GivenAnswered("PaymentDeclined")
      .Expect<MarkFailed>(ReasonIs(kReasonInsufficientFunds))
      .Reply(OrderStatusChanged{"FAILED"})
      .ExpectNoCommand()
      .ExpectStatus(SagaStatus::kFailed);
}

TEST(OrderSaga, StartedByAnUnavailablePaymentVoidsAnUnseenDebitFirst) {
  SagaTest saga(OrderSaga());
  saga.GivenAnswered("PaymentUnavailable")
      .Expect<Refund>()
      .Reply(Refunded{std::nullopt, Cents(0)})
      .Expect<MarkFailed>(ReasonIs(kReasonPaymentUnavailable))
      .Reply(OrderStatusChanged{"FAILED"})
      .ExpectNoCommand()
      .ExpectStatus(SagaStatus::kFailed);
}

TEST(OrderSaga, AFirstReplyTheFirstStepDoesNotTakeIsRefused) {
  auto decision = Start(
      OrderSaga(),
      SagaStart{
          SagaId("sag_1"), OrderId("ord_1"), TestData().ToJson(), {}, std::string("StockReserved")},
      testing::kStartMs);
  ASSERT_FALSE(decision.ok());
  EXPECT_EQ(decision.error().code, Errc::kInvalidRequest);
}

}  // namespace
}  // namespace tinysaga::sagas
