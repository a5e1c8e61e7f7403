// The choreography deadlines on a real database (SQLite, or PostgreSQL when the environment
// names one), one pass at a time at a chosen time (RunOnce; the thread is never started): an
// order paid for that never hears back gives up, a cancel that does not finish is announced
// again, and everything else is left alone.

#include "order/order_deadlines.h"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "saga_fixture.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/saga/choreography.h"
#include "tinysaga/sagas/order_sagas.h"
#include "tinysaga/testing/outbox.h"

namespace tinysaga::order {
namespace {

using contracts::Message;
using contracts::OrderCancelRequested;

const int64_t kPaymentDoneMs = DefaultDeadlines().payment_done_ms;
const int64_t kPaymentPendingMs = DefaultDeadlines().payment_pending_ms;
const int64_t kCancelMs = DefaultDeadlines().cancel_ms;

Money Cents(int64_t cents) { return *Money::FromCents(cents); }

class OrderDeadlinesTest : public testing::SagaFixture {
 protected:
  std::string PutPaymentDone() { return PutOrder(OrderStatus::kPaymentDone); }
  std::string PutPlaced(bool cancel_requested) {
    return PutOrder(OrderStatus::kPlaced, "alice", cancel_requested);
  }

  // One pass now; the number of orders acted on.
  size_t RunOnce(OrderDeadlines& deadlines) {
    auto acted = deadlines.RunOnce(clock_.NowMs());
    EXPECT_TRUE(acted.ok()) << acted.error().detail;
    return acted.ok() ? *acted : 0;
  }
  size_t RunOnce() { return RunOnce(deadlines_); }

  std::vector<Message> OrderEvents() { return Outbox(contracts::kOrderEventsTopic); }

  // Checks `event` is OrderCancelRequested for the order made by PutOrder, in saga `saga_type`.
  static void ExpectCancelRequested(const Message& event, const std::string& order_id,
                                    std::string_view saga_type, TimestampMs time_ms) {
    EXPECT_EQ(event.envelope.order_id, OrderId(order_id));
    EXPECT_EQ(event.envelope.saga_id, saga::ChoreographySagaId(saga_type, OrderId(order_id)));
    EXPECT_EQ(event.envelope.time_ms, time_ms);
    EXPECT_EQ(event.payload, contracts::Payload(OrderCancelRequested{UserId("alice"), Cents(500),
                                                                     ProductId("prd_apple"), 2}));
  }

  int notified_ = 0;
  OrderDeadlines deadlines_{db_.db(), clock_, rng_, [this] { ++notified_; }};
};

TEST_F(OrderDeadlinesTest, APaymentDoneOrderPastItsDeadlineGivesUpAndAnnouncesTheCancel) {
  const std::string order_id = PutPaymentDone();
  clock_.AdvanceMs(kPaymentDoneMs);
  EXPECT_EQ(RunOnce(), 1u);
  const TimestampMs now_ms = clock_.NowMs();

  const Order order = Load(order_id);
  EXPECT_EQ(order.status, OrderStatus::kFailed);
  EXPECT_EQ(order.status_info, sagas::kReasonNoStockAnswer);
  EXPECT_EQ(order.updated_at_ms, now_ms);
  const auto history = History(order_id);
  ASSERT_FALSE(history.empty());
  EXPECT_EQ(history.back().status, OrderStatus::kFailed);
  EXPECT_EQ(history.back().status_info, sagas::kReasonNoStockAnswer);
  EXPECT_EQ(history.back().at_ms, now_ms);

  // Inventory releases whatever it reserved, Payment refunds: in the order's saga.
  const auto events = OrderEvents();
  ASSERT_EQ(events.size(), 1u);
  ExpectCancelRequested(events[0], order_id, sagas::kOrderSagaType, now_ms);
  const auto rows = ::tinysaga::testing::ReadOutbox(db_.db());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].key, order_id);  // keyed by order, like every message of the order

  EXPECT_EQ(
      Facts(order_id),
      (std::vector<saga::ChoreographyFact>{{"order", "OrderCancelRequested", now_ms,
                                            "no answer in time", events[0].envelope.message_id}}));
  EXPECT_EQ(notified_, 1);
}

TEST_F(OrderDeadlinesTest, AnOrderYoungerThanItsDeadlineIsLeftAlone) {
  const std::string old_order = PutPaymentDone();
  clock_.AdvanceMs(1);
  const std::string young_order = PutPaymentDone();
  clock_.AdvanceMs(kPaymentDoneMs -
                   1);  // old_order exactly at its deadline, young_order 1 ms short
  EXPECT_EQ(RunOnce(), 1u);
  EXPECT_EQ(Load(old_order).status, OrderStatus::kFailed);
  EXPECT_EQ(Load(young_order).status, OrderStatus::kPaymentDone);
  EXPECT_TRUE(Facts(young_order).empty());
  ASSERT_EQ(OrderEvents().size(), 1u);
  EXPECT_EQ(OrderEvents()[0].envelope.order_id, OrderId(old_order));
}

TEST_F(OrderDeadlinesTest, NothingOverdueActsOnNothingAndNotifiesNobody) {
  const std::string order_id = PutPaymentDone();
  PutPlaced(/*cancel_requested=*/false);
  clock_.AdvanceMs(kPaymentDoneMs - 1);
  EXPECT_EQ(RunOnce(), 0u);
  EXPECT_EQ(Load(order_id).status, OrderStatus::kPaymentDone);
  EXPECT_TRUE(OrderEvents().empty());
  EXPECT_EQ(notified_, 0);
}

TEST_F(OrderDeadlinesTest, APaymentPendingOrderWaitsForItsOwnLongerDeadline) {
  const std::string order_id = PutOrder(OrderStatus::kPaymentPending);
  clock_.AdvanceMs(kPaymentDoneMs);
  EXPECT_EQ(RunOnce(), 0u);  // Payment's reconciler may still settle it
  clock_.AdvanceMs(kPaymentPendingMs - kPaymentDoneMs - 1);
  EXPECT_EQ(RunOnce(), 0u);
  EXPECT_EQ(Load(order_id).status, OrderStatus::kPaymentPending);

  clock_.AdvanceMs(1);
  EXPECT_EQ(RunOnce(), 1u);
  const Order order = Load(order_id);
  EXPECT_EQ(order.status, OrderStatus::kFailed);
  EXPECT_EQ(order.status_info, sagas::kReasonPaymentUnavailable);
  const auto events = OrderEvents();
  ASSERT_EQ(events.size(), 1u);
  ExpectCancelRequested(events[0], order_id, sagas::kOrderSagaType, clock_.NowMs());
  ASSERT_EQ(Facts(order_id).size(), 1u);
  EXPECT_EQ(Facts(order_id)[0].saga_type, "order");
}

TEST_F(OrderDeadlinesTest, AnOrderThatGaveUpIsNotGivenUpAgain) {
  const std::string order_id = PutPaymentDone();
  clock_.AdvanceMs(kPaymentDoneMs);
  ASSERT_EQ(RunOnce(), 1u);
  const size_t history = History(order_id).size();
  clock_.AdvanceMs(kPaymentPendingMs);
  EXPECT_EQ(RunOnce(), 0u);
  EXPECT_EQ(OrderEvents().size(), 1u);
  EXPECT_EQ(History(order_id).size(), history);
  EXPECT_EQ(notified_, 1);
}

TEST_F(OrderDeadlinesTest, AnUnfinishedCancelIsAnnouncedAgainOncePerDeadline) {
  const std::string order_id = PutPlaced(/*cancel_requested=*/true);
  const TimestampMs requested_ms = clock_.NowMs();
  const size_t history = History(order_id).size();
  clock_.AdvanceMs(kCancelMs - 1);
  EXPECT_EQ(RunOnce(), 0u);
  EXPECT_TRUE(OrderEvents().empty());

  clock_.AdvanceMs(1);
  EXPECT_EQ(RunOnce(), 1u);
  const TimestampMs announced_ms = clock_.NowMs();
  auto events = OrderEvents();
  ASSERT_EQ(events.size(), 1u);
  ExpectCancelRequested(events[0], order_id, sagas::kCancelSagaType, announced_ms);
  Order order = Load(order_id);
  EXPECT_EQ(order.status, OrderStatus::kPlaced);
  EXPECT_EQ(order.cancel_requested_at_ms, requested_ms);  // the request itself is the same
  EXPECT_EQ(order.updated_at_ms, announced_ms);           // the next deadline counts from now
  EXPECT_EQ(History(order_id).size(), history);
  EXPECT_EQ(notified_, 1);

  // Right after, nothing: the updated time moved.
  EXPECT_EQ(RunOnce(), 0u);
  clock_.AdvanceMs(kCancelMs - 1);
  EXPECT_EQ(RunOnce(), 0u);
  EXPECT_EQ(OrderEvents().size(), 1u);
  EXPECT_EQ(notified_, 1);

  clock_.AdvanceMs(1);
  EXPECT_EQ(RunOnce(), 1u);
  events = OrderEvents();
  ASSERT_EQ(events.size(), 2u);
  ExpectCancelRequested(events[1], order_id, sagas::kCancelSagaType, clock_.NowMs());
  EXPECT_NE(events[1].envelope.message_id, events[0].envelope.message_id);
  EXPECT_EQ(notified_, 2);
}

TEST_F(OrderDeadlinesTest, APlacedOrderWithoutACancelIsNeverTouched) {
  const std::string order_id = PutPlaced(/*cancel_requested=*/false);
  clock_.AdvanceMs(kPaymentPendingMs * 10);
  EXPECT_EQ(RunOnce(), 0u);
  const Order order = Load(order_id);
  EXPECT_EQ(order.status, OrderStatus::kPlaced);
  EXPECT_FALSE(order.cancel_requested());
  EXPECT_TRUE(OrderEvents().empty());
}

TEST_F(OrderDeadlinesTest, ACancelIsAnnouncedAgainBehindMorePlacedOrdersThanABatch) {
  // Placed orders nobody asked to cancel wait for shipping, often longer than the cancel
  // deadline; the unfinished cancel behind them must still be seen.
  OrderDeadlines deadlines(db_.db(), clock_, rng_, nullptr, {.batch_max = 2});
  PutPlaced(/*cancel_requested=*/false);
  PutPlaced(/*cancel_requested=*/false);
  clock_.AdvanceMs(1'000);
  const std::string canceling = PutPlaced(/*cancel_requested=*/true);
  clock_.AdvanceMs(kCancelMs);
  EXPECT_EQ(RunOnce(deadlines), 1u);
  const auto events = OrderEvents();
  ASSERT_EQ(events.size(), 1u);
  ExpectCancelRequested(events[0], canceling, sagas::kCancelSagaType, clock_.NowMs());
}

TEST_F(OrderDeadlinesTest, EachStateUsesTheDeadlinesOfTheOptions) {
  OrderDeadlines deadlines(db_.db(), clock_, rng_, [this] { ++notified_; },
                           {.deadlines = {.payment_pending_ms = 300,
                                          .payment_done_ms = 200,
                                          .cancel_ms = 100,
                                          .cancel_give_up_ms = 1'000}});
  const std::string pending = PutOrder(OrderStatus::kPaymentPending);
  const std::string done = PutPaymentDone();
  const std::string canceling = PutPlaced(/*cancel_requested=*/true);
  clock_.AdvanceMs(100);
  EXPECT_EQ(RunOnce(deadlines), 1u);  // the cancel
  clock_.AdvanceMs(100);
  EXPECT_EQ(RunOnce(deadlines), 2u);  // PAYMENT_DONE, and the cancel again
  EXPECT_EQ(Load(done).status, OrderStatus::kFailed);
  EXPECT_EQ(Load(pending).status, OrderStatus::kPaymentPending);
  clock_.AdvanceMs(100);
  EXPECT_EQ(RunOnce(deadlines), 2u);  // PAYMENT_PENDING, and the cancel again
  EXPECT_EQ(Load(pending).status, OrderStatus::kFailed);
  EXPECT_EQ(Load(canceling).status, OrderStatus::kPlaced);
  EXPECT_EQ(OrderEvents().size(), 5u);
  EXPECT_EQ(notified_, 3);
}

TEST_F(OrderDeadlinesTest, AfterGivingUpTheViewEndsWithTheReleaseAndTheRefundDone) {
  // Paid for through the events, then Inventory never answers.
  const std::string order_id = PutOrder(OrderStatus::kPaymentPending);
  const SagaId order_saga = saga::ChoreographySagaId(sagas::kOrderSagaType, OrderId(order_id));
  clock_.AdvanceMs(10);
  ExpectOk(ApplyEvent(Event(
      order_id, contracts::PaymentCompleted{UserId("alice"), Cents(500), TransactionId("txn_1"),
                                            ProductId("prd_apple"), 2})));
  clock_.AdvanceMs(kPaymentDoneMs);
  ASSERT_EQ(RunOnce(), 1u);
  clock_.AdvanceMs(10);
  ExpectOk(ApplyEvent(Event(order_id, contracts::StockReleased{}, order_saga)));
  clock_.AdvanceMs(10);
  ExpectOk(ApplyEvent(
      Event(order_id, contracts::Refunded{TransactionId("txn_2"), Cents(500)}, order_saga)));

  const Order order = Load(order_id);
  EXPECT_EQ(order.status, OrderStatus::kFailed);
  EXPECT_EQ(order.status_info, sagas::kReasonNoStockAnswer);  // the refund changes nothing
  const nlohmann::json view = View(order_id);
  ASSERT_TRUE(view.is_object());
  EXPECT_EQ(view["type"], "order");
  EXPECT_EQ(view["state"], "FAILED");
  EXPECT_EQ(view["failureReason"], sagas::kReasonNoStockAnswer);
  EXPECT_EQ(StepStatuses(view),
            (std::vector<std::string>{"COMPENSATED", "COMPENSATED", "COMPENSATED", "SKIPPED"}));
  EXPECT_EQ(view["steps"][2]["name"], "reserve_stock");
  EXPECT_EQ(view["steps"][2]["error"], "no answer in time");
}

}  // namespace
}  // namespace tinysaga::order
