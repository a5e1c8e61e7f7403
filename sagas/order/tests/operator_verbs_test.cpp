// An operator's verbs on the real sagas (issue 15, libs/saga engine.h Retry and Abort): a saga
// that gave up goes on from what it gave up on with fresh attempts and new command ids; a
// running saga aborted compensates from where it is; each verb is recorded with who and why,
// is idempotent, and is refused when the saga is in no state for it.
#include <gtest/gtest.h>

#include "saga_test_helper.h"
#include "tinysaga/saga/choreography.h"
#include "tinysaga/saga/view.h"

namespace tinysaga::sagas {
namespace {

using namespace saga;  // NOLINT: the engine's types read best unqualified here

using namespace contracts;  // NOLINT: the message types read best unqualified here
using saga::testing::OrderSagaWithParallelGroup;
using saga::testing::SagaTest;

Money Cents(int64_t cents) { return Money::FromCents(cents).value(); }

auto ReasonIs(std::string_view reason) {
  return [reason](const MarkFailed& command) { EXPECT_EQ(command.reason, reason); };
}

const int kPatientAttempts = SagaTimings().must_finish.attempts_max;

// The cancel saga, its refund out of attempts (the wallet away): GAVE_UP, the order PLACED.
SagaTest CancelThatGaveUpOnTheRefund() {
  SagaTest saga(CancelSaga());
  saga.Given().Expect<ReleaseStock>().Reply(StockReleased{}).Expect<Refund>();
  saga.TimeOutTimes(2 * kPatientAttempts - 1);
  for (int i = 1; i < kPatientAttempts; ++i) saga.Expect<Refund>();
  saga.ExpectNoCommand().ExpectStatus(SagaStatus::kGaveUp);
  return saga;
}

TEST(OperatorVerbs, ARetriedCancelSendsTheRefundAgainWithFreshAttemptsAndFinishes) {
  SagaTest saga = CancelThatGaveUpOnTheRefund();
  saga.Retry("wallet is back")
      .ExpectStatus(SagaStatus::kRunning)
      .Expect<Refund>([](const Refund& command) { EXPECT_EQ(command.amount, Cents(1250)); });
  // A new message for the participants' inboxes, attempt 1 of a fresh budget.
  EXPECT_EQ(saga.current().message.envelope.message_id,
            CommandId(saga.state().saga_id, 1, ActionKind::kForward, 1, 1));
  EXPECT_EQ(saga.current().message.envelope.message_id,
            std::string(testing::kSagaId) + "-1-do-1-r1");
  EXPECT_EQ(saga.state().attempt, 1);
  EXPECT_EQ(saga.state().failure_reason, "");
  const StepEvent& retried = saga.state().history[saga.state().history.size() - 2];
  EXPECT_EQ(retried.type, StepEventType::kRetried);
  EXPECT_EQ(retried.actor, "root");
  EXPECT_EQ(retried.reason, "wallet is back");
  EXPECT_EQ(retried.step_index, 1);

  // Repeated while the retry holds: nothing changes, nothing is sent.
  saga.Retry("again", Disposition::kAlreadyDone).ExpectNoCommand();
  // The fresh attempts time out and back off like the first ones.
  saga.TimeOutTimes(2).Expect<Refund>();
  EXPECT_EQ(saga.current().message.envelope.message_id,
            std::string(testing::kSagaId) + "-1-do-2-r1");
  saga.Reply(Refunded{TransactionId("txn_9"), Cents(1250)})
      .Expect<MarkCanceled>()
      .Reply(OrderStatusChanged{"CANCELED"})
      .ExpectNoCommand()
      .ExpectStatus(SagaStatus::kCompleted);
  // A late reply to an attempt before the retry finds nothing to apply.
  saga.Retry("after the end", Disposition::kAlreadyDone);
}

TEST(OperatorVerbs, RepliesToAttemptsBeforeTheRetryAreStale) {
  SagaTest saga = CancelThatGaveUpOnTheRefund();
  const Message before_retry = saga.current().message;
  saga.Retry().Expect<Refund>();
  saga.ReplyTo(before_retry, Refunded{TransactionId("txn_9"), Cents(1250)},
               Disposition::kIgnoredStale)
      .ExpectNoCommand()
      .ExpectStatus(SagaStatus::kRunning);
}

TEST(OperatorVerbs, ACancelThatGivesUpAgainCanBeRetriedAgain) {
  SagaTest saga = CancelThatGaveUpOnTheRefund();
  saga.Retry().Expect<Refund>().Reply(RefundRefused{"refused"}).ExpectStatus(SagaStatus::kGaveUp);
  saga.Retry("second try").Expect<Refund>();
  EXPECT_EQ(saga.current().message.envelope.message_id,
            std::string(testing::kSagaId) + "-1-do-1-r2");
  EXPECT_EQ(saga.state().retries, 2);
}

TEST(OperatorVerbs, OnlyASagaThatGaveUpCanBeRetried) {
  SagaTest saga(CancelSaga());
  saga.Given().Expect<ReleaseStock>().RetryRefused("only a saga that GAVE_UP can be retried");
  saga.Reply(StockReleased{}).Expect<Refund>().Reply(Refunded{TransactionId("t"), Cents(1250)});
  saga.Expect<MarkCanceled>().Reply(OrderStatusChanged{"CANCELED"});
  saga.ExpectStatus(SagaStatus::kCompleted).RetryRefused("is COMPLETED");
}

// The order saga out of stock, its refund out of attempts: the order FAILED saying the refund
// was not done, the saga GAVE_UP. Retried: the refund goes out again, then MarkFailed with
// the reason that is now true, and the saga ends FAILED.
TEST(OperatorVerbs, ARetriedOrderSagaRefundsAndFailsTheOrderWithTheTrueReason) {
  SagaTest saga(OrderSaga());
  saga.GivenAnswered("PaymentCharged").Expect<ReserveStock>();
  saga.Reply(OutOfStock{0}).Expect<Refund>().TimeOutTimes(2 * kPatientAttempts - 1);
  for (int i = 1; i < kPatientAttempts; ++i) saga.Expect<Refund>();
  saga.Expect<MarkFailed>(ReasonIs("out of stock, refund not done: an operator must act"))
      .Reply(OrderStatusChanged{"FAILED"})
      .ExpectStatus(SagaStatus::kGaveUp);

  saga.Retry("wallet is back").ExpectStatus(SagaStatus::kCompensating).Expect<Refund>();
  EXPECT_EQ(saga.current().message.envelope.message_id,
            std::string(testing::kSagaId) + "-1-undo-1-r1");
  saga.Reply(Refunded{TransactionId("txn_2"), Cents(1250)})
      .Expect<MarkFailed>(ReasonIs("out of stock, payment refunded"))
      .Reply(OrderStatusChanged{"FAILED"})
      .ExpectNoCommand()
      .ExpectStatus(SagaStatus::kFailed);
  const SagaView view = BuildView(saga.definition(), saga.state(), SagaMode::kOrchestration);
  EXPECT_EQ(view.steps[1].status, StepViewStatus::kCompensated);
}

TEST(OperatorVerbs, AnAbortedOrderSagaUndoesWhatMayHaveAppliedAndFailsTheOrder) {
  SagaTest saga(OrderSaga());
  saga.GivenAnswered("PaymentCharged").Expect<ReserveStock>();
  const Message reserve = saga.current().message;
  saga.Abort("customer called").ExpectStatus(SagaStatus::kCompensating);
  // The reservation was in flight: released first, then the refund, then the order FAILED.
  saga.Expect<ReleaseStock>()
      .ReplyTo(reserve, StockReserved{}, Disposition::kIgnoredStale)
      .Reply(StockReleased{})
      .Expect<Refund>()
      .Reply(Refunded{TransactionId("txn_2"), Cents(1250)})
      .Expect<MarkFailed>(ReasonIs(kAbortedReason))
      .Reply(OrderStatusChanged{"FAILED"})
      .ExpectNoCommand()
      .ExpectStatus(SagaStatus::kFailed);
  EXPECT_EQ(saga.state().failure_reason, "aborted by an operator");
  const auto aborted =
      std::find_if(saga.state().history.begin(), saga.state().history.end(),
                   [](const StepEvent& event) { return event.type == StepEventType::kAborted; });
  ASSERT_NE(aborted, saga.state().history.end());
  EXPECT_EQ(aborted->actor, "root");
  EXPECT_EQ(aborted->reason, "customer called");
  // Idempotent: an abort again changes nothing; a retry does not apply.
  saga.Abort("again", Disposition::kAlreadyDone).RetryRefused("only a saga that GAVE_UP");
}

// A test saga whose order_on_way runs beside reserve_stock (saga_test_helper.h): an abort
// while both are in flight undoes every branch that may have applied, from the group's top.
TEST(OperatorVerbs, AnAbortWhileAGroupIsInFlightUndoesEveryBranchThatMayHaveApplied) {
  SagaTest saga(OrderSagaWithParallelGroup());
  saga.GivenAnswered("PaymentCharged").Expect<MarkOnWay>();
  const Message on_way = saga.current().message;
  saga.Expect<ReserveStock>();
  const Message reserve = saga.current().message;
  saga.Abort("customer called").ExpectStatus(SagaStatus::kCompensating);
  EXPECT_TRUE(saga.state().branches.empty());
  // order_on_way has nothing to undo; the reservation beside it is released.
  saga.Expect<ReleaseStock>()
      .ReplyTo(on_way, OrderStatusChanged{"ON_WAY"}, Disposition::kIgnoredStale)
      .ReplyTo(reserve, StockReserved{}, Disposition::kIgnoredStale)
      .Reply(StockReleased{})
      .Expect<Refund>()
      .Reply(Refunded{TransactionId("txn_2"), Cents(1250)})
      .Expect<MarkFailed>(ReasonIs(kAbortedReason))
      .Reply(OrderStatusChanged{"FAILED"})
      .ExpectNoCommand()
      .ExpectStatus(SagaStatus::kFailed);
}

TEST(OperatorVerbs, AbortIsIdempotentWhileCompensating) {
  SagaTest saga(OrderSaga());
  saga.GivenAnswered("PaymentCharged").Expect<ReserveStock>();
  saga.Abort().Abort("twice", Disposition::kAlreadyDone).Expect<ReleaseStock>().ExpectNoCommand();
}

TEST(OperatorVerbs, AbortIsRefusedPastThePointOfNoReturnAndForSagasThatCannotBeUndone) {
  SagaTest placing(OrderSaga());
  placing.GivenAnswered("PaymentCharged").Expect<ReserveStock>().Reply(StockReserved{});
  placing.Expect<MarkPlaced>().AbortRefused("'order_placed' is past the point of no return");
  placing.Reply(OrderStatusChanged{"PLACED"}).AbortRefused("only a RUNNING saga");

  SagaTest cancel(CancelSaga());
  cancel.Given().Expect<ReleaseStock>().AbortRefused("its steps cannot be undone");
  SagaTest failing(OrderSaga());
  failing.GivenAnswered("PaymentDeclined").Expect<MarkFailed>().AbortRefused("is COMPENSATING");
}

TEST(OperatorVerbs, TheMessagesOfASagaNameEveryCommandAttemptAndEveryReply) {
  SagaTest saga(OrderSaga());
  saga.Given().Expect<ChargeWallet>().Reply(PaymentCharged{TransactionId("t"), Cents(1250)});
  saga.Expect<ReserveStock>().Reply(OutOfStock{0}).Expect<Refund>();
  saga.TimeOutTimes(2 * kPatientAttempts - 1);
  for (int i = 1; i < kPatientAttempts; ++i) saga.Expect<Refund>();
  saga.Expect<MarkFailed>().Reply(OrderStatusChanged{"FAILED"}).Retry().Expect<Refund>();

  const nlohmann::json messages = OrchestratedMessagesJson(saga.definition(), saga.state());
  std::vector<std::string> sent_ids;
  for (const auto& command : saga.sent()) sent_ids.push_back(command.message.envelope.message_id);
  std::vector<std::string> listed_sent;
  int received = 0;
  for (const nlohmann::json& message : messages) {
    if (message["direction"] == "sent") {
      listed_sent.push_back(message["messageId"]);
      EXPECT_FALSE(message["topic"].is_null()) << message.dump();
    } else {
      ++received;
      EXPECT_TRUE(message["messageId"].get<std::string>().starts_with("reply-")) << message.dump();
    }
  }
  EXPECT_EQ(listed_sent, sent_ids);
  EXPECT_EQ(received, 3);  // PaymentCharged, OutOfStock, OrderStatusChanged (FAILED)
}

}  // namespace
}  // namespace tinysaga::sagas
