// The cancel saga: PLACED -> release stock, refund -> CANCELED. Nothing in it can be undone,
// so it retries patiently and, if it must give up, ends GAVE_UP (half done, for an operator)
// without compensations.
#include <gtest/gtest.h>

#include "saga_test_helper.h"

namespace tinysaga::sagas {
namespace {

using namespace saga;  // NOLINT: the engine's types read best unqualified here

using namespace contracts;  // NOLINT: the message types read best unqualified here
using saga::testing::SagaTest;

Money Cents(int64_t cents) { return Money::FromCents(cents).value(); }

TEST(CancelSaga, ReleasesStockRefundsAndCancels) {
  SagaTest saga(CancelSaga());
  saga.Given()
      .Expect<ReleaseStock>([](const ReleaseStock& command) {
        EXPECT_EQ(command.product_id, ProductId("book-1"));
        EXPECT_EQ(command.quantity, 2);
      })
      .Reply(StockReleased{})
      .Expect<Refund>([](const Refund& command) { EXPECT_EQ(command.amount, Cents(1250)); })
      .Reply(Refunded{TransactionId("txn_9"), Cents(1250)})
      .Expect<MarkCanceled>()
      .Reply(OrderStatusChanged{"CANCELED"})
      .ExpectNoCommand()
      .ExpectStatus(SagaStatus::kCompleted);
}

TEST(CancelSaga, RefundWaitsOutAnUnavailablePaymentService) {
  SagaTest saga(CancelSaga());
  saga.Given().Expect<ReleaseStock>().Reply(StockReleased{}).Expect<Refund>();
  for (int i = 0; i < 5; ++i) {
    saga.Reply(PaymentUnavailable{"wallet down"}).ExpectNoCommand().TimeOut().Expect<Refund>();
  }
  saga.Reply(Refunded{TransactionId("txn_9"), Cents(1250)})
      .Expect<MarkCanceled>()
      .Reply(OrderStatusChanged{"CANCELED"})
      .ExpectStatus(SagaStatus::kCompleted);
  EXPECT_EQ(saga.sent()[6].message.envelope.message_id,
            CommandId(saga.state().saga_id, 1, ActionKind::kForward, 6));
}

TEST(CancelSaga, GivingUpEndsGaveUpWithoutCompensations) {
  SagaTest saga(CancelSaga());
  saga.Given().Expect<ReleaseStock>();
  const int attempts_max = SagaTimings().must_finish.attempts_max;
  saga.TimeOutTimes(2 * attempts_max - 1);
  for (int i = 1; i < attempts_max; ++i) saga.Expect<ReleaseStock>();
  saga.ExpectNoCommand().ExpectStatus(SagaStatus::kGaveUp);
  EXPECT_EQ(saga.state().failure_reason, "inventory service unavailable");
}

TEST(CancelSaga, ARefundTheWalletRefusesGivesUpAtOnce) {
  SagaTest saga(CancelSaga());
  saga.Given()
      .Expect<ReleaseStock>()
      .Reply(StockReleased{})
      .Expect<Refund>()
      .Reply(RefundRefused{"operation id belongs to another request"})
      .ExpectNoCommand()
      .ExpectStatus(SagaStatus::kGaveUp);
  EXPECT_EQ(saga.state().failure_reason, kReasonRefundRefused);
  EXPECT_EQ(saga.state().history.back().type, StepEventType::kFailed);
}

TEST(CancelSaga, RejectedCancelGivesUp) {
  SagaTest saga(CancelSaga());
  saga.Given()
      .Expect<ReleaseStock>()
      .Reply(StockReleased{})
      .Expect<Refund>()
      .Reply(Refunded{TransactionId("txn_9"), Cents(1250)})
      .Expect<MarkCanceled>()
      .Reply(OrderStatusRejected{"DELIVERED", "already delivered"})
      .ExpectNoCommand()
      .ExpectStatus(SagaStatus::kGaveUp);
  EXPECT_EQ(saga.state().failure_reason, "order could not be canceled");
}

}  // namespace
}  // namespace tinysaga::sagas
