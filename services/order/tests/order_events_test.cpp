// The choreography handler of payment.events and inventory.events on a real database (SQLite,
// or PostgreSQL when the environment names one): each event's status changes, history lines
// and fact commit in the inbox transaction; overtaking and repeated events end the same;
// unknown orders are poison; the saga view follows.

#include "order/handlers/order_events.h"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "saga_fixture.h"
#include "tinysaga/saga/choreography.h"
#include "tinysaga/sagas/order_sagas.h"
#include "tinysaga/testing/outbox.h"

namespace tinysaga::order {
namespace {

using contracts::Message;
using contracts::Payload;

Money Cents(int64_t cents) { return *Money::FromCents(cents); }

using Names = std::vector<std::string>;

class OrderEventsTest : public testing::SagaFixture {
 protected:
  // A new order moved to PAYMENT_PENDING, as POST /api/payment leaves it; returns its id.
  std::string PutPendingOrder() { return PutOrder(OrderStatus::kPaymentPending); }

  // A PLACED order, placed by the events of the flow, with its cancel requested as
  // POST /api/orders/{id}/cancel records it.
  std::string PutPlacedOrderWithCancelRequested() {
    const std::string order_id = PutPendingOrder();
    clock_.AdvanceMs(10);
    ExpectOk(ApplyEvent(Event(order_id, Paid())));
    clock_.AdvanceMs(10);
    ExpectOk(ApplyEvent(Event(order_id, contracts::StockReserved{}, OrderSaga(order_id))));
    clock_.AdvanceMs(100);
    auto done = db_.db().Write<int>([&](soci::session& session) -> Result<int> {
      std::optional<Order> order = FindOrder(session, OrderId(order_id));
      if (!order) return MakeError(Errc::kNotFound, "missing");
      TS_ASSIGN_OR_RETURN(bool requested, RequestCancel(*order, clock_.NowMs()));
      if (!requested || !RecordCancelRequestIf(session, *order))
        return MakeError(Errc::kInternal, "cancel not recorded");
      return 0;
    });
    EXPECT_TRUE(done.ok()) << done.error().detail;
    return order_id;
  }

  static SagaId OrderSaga(const std::string& order_id) {
    return saga::ChoreographySagaId(sagas::kOrderSagaType, OrderId(order_id));
  }
  static SagaId CancelSaga(const std::string& order_id) {
    return saga::ChoreographySagaId(sagas::kCancelSagaType, OrderId(order_id));
  }
  static Payload Paid() {
    return contracts::PaymentCompleted{UserId("alice"), Cents(500), TransactionId("txn_1"),
                                       ProductId("prd_apple"), 2};
  }
  static Payload PaymentFailed(contracts::PaymentFailure failure) {
    return contracts::PaymentFailed{UserId("alice"), Cents(500), ProductId("prd_apple"), 2,
                                    failure};
  }
  static Payload Refunded() { return contracts::Refunded{TransactionId("txn_2"), Cents(500)}; }

  std::vector<std::string> HistoryStatuses(const std::string& order_id) {
    std::vector<std::string> statuses;
    for (const auto& change : History(order_id))
      statuses.emplace_back(FormatOrderStatus(change.status));
    return statuses;
  }
};

TEST_F(OrderEventsTest, PaymentCompletedMovesTheOrderToPaymentDoneWithAHistoryLineAndAFact) {
  const std::string order_id = PutPendingOrder();
  clock_.AdvanceMs(1'000);
  const Message paid = Event(order_id, Paid());
  ExpectOk(ApplyEvent(paid));
  const Order order = Load(order_id);
  EXPECT_EQ(order.status, OrderStatus::kPaymentDone);
  EXPECT_EQ(order.updated_at_ms, clock_.NowMs());
  const auto history = History(order_id);
  ASSERT_EQ(history.size(), 3u);  // INITIATED, PAYMENT_PENDING, PAYMENT_DONE
  EXPECT_EQ(history.back().status, OrderStatus::kPaymentDone);
  EXPECT_EQ(history.back().status_info, "payment received");
  EXPECT_EQ(history.back().at_ms, clock_.NowMs());
  EXPECT_EQ(Facts(order_id), (std::vector<saga::ChoreographyFact>{{"order", "PaymentCompleted",
                                                                   paid.envelope.time_ms, "",
                                                                   paid.envelope.message_id}}));
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM saga_facts"), 1);
  // Order only listens: nobody waits for an answer from it.
  EXPECT_TRUE(::tinysaga::testing::ReadOutbox(db_.db()).empty());
}

TEST_F(OrderEventsTest,
       StockReservedBeforePaymentCompletedPlacesTheOrderAndTheLatePaymentChangesNothing) {
  const std::string order_id = PutPendingOrder();
  clock_.AdvanceMs(10);
  const Message paid = Event(order_id, Paid());  // made first, by Payment
  clock_.AdvanceMs(10);
  const Message reserved = Event(order_id, contracts::StockReserved{}, OrderSaga(order_id));
  clock_.AdvanceMs(10);
  ExpectOk(ApplyEvent(reserved));  // but heard first: inventory.events was quicker
  EXPECT_EQ(Load(order_id).status, OrderStatus::kPlaced);
  EXPECT_EQ(HistoryStatuses(order_id),
            (Names{"INITIATED", "PAYMENT_PENDING", "PAYMENT_DONE", "PLACED"}));
  const TimestampMs placed_ms = clock_.NowMs();

  clock_.AdvanceMs(10);
  ExpectOk(ApplyEvent(paid));
  const Order order = Load(order_id);
  EXPECT_EQ(order.status, OrderStatus::kPlaced);
  EXPECT_EQ(order.updated_at_ms, placed_ms);
  EXPECT_EQ(History(order_id).size(), 4u);
  EXPECT_EQ(Facts(order_id).size(), 2u);  // both heard, both kept

  const nlohmann::json view = View(order_id);
  ASSERT_TRUE(view.is_object());
  EXPECT_EQ(view["mode"], "choreography");
  EXPECT_EQ(view["type"], "order");
  EXPECT_EQ(view["sagaId"], OrderSaga(order_id).value());
  EXPECT_EQ(view["state"], "COMPLETED");
  EXPECT_EQ(StepStatuses(view), (Names{"SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED"}));
  EXPECT_EQ(view["earlierSagas"], nlohmann::json::array());
}

TEST_F(OrderEventsTest, PaymentFailedFailsTheOrderWithTheReason) {
  struct Case {
    contracts::PaymentFailure failure;
    std::string reason;
  };
  for (const Case& failed :
       {Case{contracts::PaymentFailure::kInsufficientFunds, "insufficient funds"},
        Case{contracts::PaymentFailure::kUnavailable, "payment service unavailable"}}) {
    const std::string order_id = PutPendingOrder();
    clock_.AdvanceMs(10);
    ExpectOk(ApplyEvent(Event(order_id, PaymentFailed(failed.failure))));
    const Order order = Load(order_id);
    EXPECT_EQ(order.status, OrderStatus::kFailed);
    EXPECT_EQ(order.status_info, failed.reason);
    EXPECT_EQ(History(order_id).back().status_info, failed.reason);
    ASSERT_EQ(Facts(order_id).size(), 1u);
    EXPECT_EQ(Facts(order_id)[0].detail, failed.reason);

    const nlohmann::json view = View(order_id);
    ASSERT_TRUE(view.is_object());
    EXPECT_EQ(view["state"], "FAILED");
    EXPECT_EQ(view["failureReason"], failed.reason);
    EXPECT_EQ(StepStatuses(view), (Names{"COMPENSATED", "FAILED", "SKIPPED", "SKIPPED"}));
    EXPECT_EQ(view["steps"][1]["error"], failed.reason);
  }
}

TEST_F(OrderEventsTest, OutOfStockThenRefundedFailsTheOrderOutOfStockPaymentRefunded) {
  const std::string order_id = PutPendingOrder();
  clock_.AdvanceMs(10);
  ExpectOk(ApplyEvent(Event(order_id, Paid())));
  clock_.AdvanceMs(10);
  ExpectOk(ApplyEvent(Event(order_id, contracts::OutOfStock{1}, OrderSaga(order_id))));
  EXPECT_EQ(Load(order_id).status, OrderStatus::kPaymentDone);  // until the refund is done
  clock_.AdvanceMs(10);
  ExpectOk(ApplyEvent(Event(order_id, Refunded(), OrderSaga(order_id))));
  const Order order = Load(order_id);
  EXPECT_EQ(order.status, OrderStatus::kFailed);
  EXPECT_EQ(order.status_info, "out of stock, payment refunded");
  EXPECT_EQ(HistoryStatuses(order_id),
            (Names{"INITIATED", "PAYMENT_PENDING", "PAYMENT_DONE", "FAILED"}));

  const nlohmann::json view = View(order_id);
  ASSERT_TRUE(view.is_object());
  EXPECT_EQ(view["state"], "FAILED");
  EXPECT_EQ(view["failureReason"], "out of stock, payment refunded");
  EXPECT_EQ(StepStatuses(view), (Names{"COMPENSATED", "COMPENSATED", "FAILED", "SKIPPED"}));
  EXPECT_EQ(view["steps"][2]["name"], "reserve_stock");
  EXPECT_EQ(view["steps"][2]["error"], "out of stock (1 available)");
}

TEST_F(OrderEventsTest, RefundedOvertakingOutOfStockEndsTheSame) {
  const std::string order_id = PutPendingOrder();
  clock_.AdvanceMs(10);
  ExpectOk(ApplyEvent(Event(order_id, Paid())));
  clock_.AdvanceMs(10);
  const Message out = Event(order_id, contracts::OutOfStock{0}, OrderSaga(order_id));
  clock_.AdvanceMs(10);
  ExpectOk(ApplyEvent(Event(order_id, Refunded(), OrderSaga(order_id))));
  clock_.AdvanceMs(10);
  ExpectOk(ApplyEvent(out));
  const Order order = Load(order_id);
  EXPECT_EQ(order.status, OrderStatus::kFailed);
  EXPECT_EQ(order.status_info, "out of stock, payment refunded");
  EXPECT_EQ(History(order_id).size(), 4u);
  EXPECT_EQ(View(order_id)["state"], "FAILED");
}

TEST_F(OrderEventsTest, ACancelEndsCanceledAfterTheReleaseAndTheRefund) {
  const std::string order_id = PutPlacedOrderWithCancelRequested();
  const size_t history = History(order_id).size();
  clock_.AdvanceMs(10);
  ExpectOk(ApplyEvent(Event(order_id, contracts::StockReleased{}, CancelSaga(order_id))));
  EXPECT_EQ(Load(order_id).status, OrderStatus::kPlaced);  // a fact only: the refund follows
  EXPECT_EQ(History(order_id).size(), history);
  nlohmann::json view = View(order_id);
  ASSERT_TRUE(view.is_object());
  EXPECT_EQ(view["type"], "cancel");
  EXPECT_EQ(view["state"], "RUNNING");
  EXPECT_EQ(StepStatuses(view), (Names{"SUCCEEDED", "RUNNING", "PENDING"}));

  clock_.AdvanceMs(10);
  ExpectOk(ApplyEvent(Event(order_id, Refunded(), CancelSaga(order_id))));
  const Order order = Load(order_id);
  EXPECT_EQ(order.status, OrderStatus::kCanceled);
  EXPECT_EQ(order.status_info, "canceled: stock released and payment refunded");
  EXPECT_EQ(History(order_id).back().status, OrderStatus::kCanceled);
  EXPECT_TRUE(::tinysaga::testing::ReadOutbox(db_.db()).empty());

  view = View(order_id);
  EXPECT_EQ(view["sagaId"], CancelSaga(order_id).value());
  EXPECT_EQ(view["state"], "COMPLETED");
  EXPECT_EQ(StepStatuses(view), (Names{"SUCCEEDED", "SUCCEEDED", "SUCCEEDED"}));
  ASSERT_EQ(view["earlierSagas"].size(), 1u);
  const nlohmann::json& order_saga = view["earlierSagas"][0];
  EXPECT_EQ(order_saga["type"], "order");
  EXPECT_EQ(order_saga["state"], "COMPLETED");
  EXPECT_EQ(StepStatuses(order_saga), (Names{"SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED"}));
}

TEST_F(OrderEventsTest, AnEventForAnUnknownOrderIsPoisonAndWritesNothing) {
  for (const Payload& event : {Paid(), Payload(contracts::StockReserved{}), Refunded()}) {
    auto applied = ApplyEvent(Event("ord_missing", event));
    ASSERT_FALSE(applied.ok()) << contracts::TypeName(event);
    EXPECT_EQ(applied.error().code, Errc::kInvalidRequest);
    EXPECT_FALSE(applied.error().Retryable());  // dead-lettered, not tried again
    EXPECT_NE(applied.error().detail.find("ord_missing"), std::string::npos);
  }
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM saga_facts"), 0);
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM orders"), 0);
}

TEST_F(OrderEventsTest, EventsOrderDoesNotFollowAreAcknowledgedAndWriteNothing) {
  const std::string order_id = PutPendingOrder();
  const size_t history = History(order_id).size();
  for (const Payload& event :
       {Payload(contracts::OrderCancelRequested{UserId("alice"), Cents(500), ProductId("prd_apple"),
                                                2}),
        Payload(contracts::PaymentCharged{TransactionId("txn_1"), Cents(500)})}) {
    ExpectOk(ApplyEvent(Event(order_id, event, OrderSaga(order_id))));
    ExpectOk(ApplyEvent(Event("ord_missing", event)));  // not even a check that the order exists
  }
  EXPECT_EQ(Load(order_id).status, OrderStatus::kPaymentPending);
  EXPECT_EQ(History(order_id).size(), history);
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM saga_facts"), 0);
}

TEST_F(OrderEventsTest, AnEventAppliedTwiceLeavesTheSameStatus) {
  const std::string order_id = PutPendingOrder();
  clock_.AdvanceMs(10);
  const Message paid = Event(order_id, Paid());
  ExpectOk(ApplyEvent(paid));
  clock_.AdvanceMs(10);
  ExpectOk(ApplyEvent(paid));
  EXPECT_EQ(Load(order_id).status, OrderStatus::kPaymentDone);
  clock_.AdvanceMs(10);
  const Message reserved = Event(order_id, contracts::StockReserved{}, OrderSaga(order_id));
  ExpectOk(ApplyEvent(reserved));
  const Order placed = Load(order_id);
  clock_.AdvanceMs(10);
  ExpectOk(ApplyEvent(reserved));
  const Order again = Load(order_id);
  EXPECT_EQ(again.status, OrderStatus::kPlaced);
  EXPECT_EQ(again.updated_at_ms, placed.updated_at_ms);
  EXPECT_EQ(HistoryStatuses(order_id),
            (Names{"INITIATED", "PAYMENT_PENDING", "PAYMENT_DONE", "PLACED"}));
  const nlohmann::json view = View(order_id);
  EXPECT_EQ(view["state"], "COMPLETED");
  EXPECT_EQ(StepStatuses(view), (Names{"SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED"}));
}

TEST_F(OrderEventsTest, ARefusedEventKeepsTheStatusButItsFactIsRecorded) {
  // Payment failed the order; then Inventory's StockReserved for it arrives (the status table
  // forbids PLACED after FAILED).
  const std::string order_id = PutPendingOrder();
  clock_.AdvanceMs(10);
  ExpectOk(ApplyEvent(Event(order_id, PaymentFailed(contracts::PaymentFailure::kUnavailable))));
  const size_t history = History(order_id).size();
  clock_.AdvanceMs(10);
  ExpectOk(ApplyEvent(Event(order_id, contracts::StockReserved{}, OrderSaga(order_id))));
  const Order order = Load(order_id);
  EXPECT_EQ(order.status, OrderStatus::kFailed);
  EXPECT_EQ(order.status_info, "payment service unavailable");
  EXPECT_EQ(History(order_id).size(), history);
  ASSERT_EQ(Facts(order_id).size(), 2u);
  EXPECT_EQ(Facts(order_id)[1].type, "StockReserved");
}

TEST_F(OrderEventsTest, TheHandlerAppliesTheEventsWithItsClock) {
  const std::string order_id = PutPendingOrder();
  clock_.AdvanceMs(10);
  platform::MessageHandler handler = OrderEventHandler(clock_);
  auto applied = db_.db().Write<int>([&](soci::session& session) -> Result<int> {
    TS_RETURN_IF_ERROR(handler(session, Event(order_id, Paid())));
    return 0;
  });
  ASSERT_TRUE(applied.ok()) << applied.error().detail;
  EXPECT_EQ(Load(order_id).status, OrderStatus::kPaymentDone);
  EXPECT_EQ(Load(order_id).updated_at_ms, clock_.NowMs());
}

TEST_F(OrderEventsTest, AnOrderNeverPaidForHasNoSagaView) {
  const std::string order_id = PutOrder(OrderStatus::kInitiated);
  EXPECT_TRUE(View(order_id).is_null());
}

}  // namespace
}  // namespace tinysaga::order
