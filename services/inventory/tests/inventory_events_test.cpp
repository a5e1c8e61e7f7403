// The choreography handler on a real database: Inventory reserves on PaymentCompleted and
// releases on OrderCancelRequested, answering on inventory.events in the order's saga, once
// per event; it ignores the events that need nothing from it.

#include "inventory/handlers/inventory_events.h"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <string>
#include <vector>

#include "stock_fixture.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/saga/choreography.h"

namespace tinysaga::inventory {
namespace {

using contracts::Message;

Money Dollars(int64_t dollars) { return *Money::FromCents(dollars * 100); }

class InventoryEventsTest : public StockFixture {
 protected:
  const platform::MessageHandler handler_ = InventoryEventHandler(clock_, rng_);

  // An event as its publisher sends it; each call is a new message (new id).
  Message Event(const std::string& order_id, contracts::Payload payload, SagaId saga_id = {}) {
    return NewMessage("evt_", order_id, std::move(payload), std::move(saga_id));
  }
  Message Paid(const std::string& order_id, int64_t quantity) {
    return Event(order_id, contracts::PaymentCompleted{UserId("alice"), Dollars(3),
                                                       TransactionId("txn_1"), ProductId("p1"),
                                                       quantity});
  }
  Message CancelRequested(const std::string& order_id, int64_t quantity, SagaId saga_id = {}) {
    return Event(order_id,
                 contracts::OrderCancelRequested{UserId("alice"), Dollars(3), ProductId("p1"),
                                                 quantity},
                 std::move(saga_id));
  }

  // Applies the event in one transaction, as the inbox consumer does; returns what Inventory
  // published because of it.
  std::vector<Message> Apply(const Message& event) {
    const size_t before = Published().size();
    auto applied = db_.db().Write<int>([&](soci::session& s) -> Result<int> {
      TS_RETURN_IF_ERROR(handler_(s, event));
      return 0;
    });
    EXPECT_TRUE(applied.ok()) << applied.error().detail;
    std::vector<Message> published = Published();
    return {published.begin() + static_cast<std::ptrdiff_t>(before), published.end()};
  }

  std::vector<Message> Published() { return Outbox(contracts::kInventoryEventsTopic); }
};

TEST_F(InventoryEventsTest, PaymentCompletedReservesAndPublishesStockReservedInTheOrderSaga) {
  const Message paid = Paid("ord_1", 4);
  std::vector<Message> published = Apply(paid);
  ASSERT_EQ(published.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<contracts::StockReserved>(published[0].payload));
  EXPECT_EQ(published[0].envelope.saga_id, saga::ChoreographySagaId("order", OrderId("ord_1")));
  EXPECT_EQ(published[0].envelope.causation_id, paid.envelope.message_id);
  EXPECT_EQ(Available(), 6);
  // A second PaymentCompleted for the order (Payment published again) reserves nothing more.
  published = Apply(Paid("ord_1", 4));
  ASSERT_EQ(published.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<contracts::StockReserved>(published[0].payload));
  EXPECT_EQ(Available(), 6);
}

TEST_F(InventoryEventsTest, TooFewUnitsPublishOutOfStockAndReserveNothing) {
  std::vector<Message> published = Apply(Paid("ord_1", 11));
  ASSERT_EQ(published.size(), 1u);
  const auto* out = std::get_if<contracts::OutOfStock>(&published[0].payload);
  ASSERT_NE(out, nullptr);
  EXPECT_EQ(out->available_count, 10);
  EXPECT_EQ(Available(), 10);
}

TEST_F(InventoryEventsTest, CancelReleasesInTheCancelSagaAndAGiveUpInTheOrderSaga) {
  Apply(Paid("ord_1", 4));
  std::vector<Message> published = Apply(CancelRequested("ord_1", 4));
  ASSERT_EQ(published.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<contracts::StockReleased>(published[0].payload));
  EXPECT_EQ(published[0].envelope.saga_id, saga::ChoreographySagaId("cancel", OrderId("ord_1")));
  EXPECT_EQ(Available(), 10);

  // The Order service gave up on ord_2 before its reserve arrived: the release is the last
  // word, so the late reserve takes nothing and says OutOfStock (Payment then refunds).
  const SagaId order_saga = saga::ChoreographySagaId("order", OrderId("ord_2"));
  published = Apply(CancelRequested("ord_2", 4, order_saga));
  ASSERT_EQ(published.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<contracts::StockReleased>(published[0].payload));
  EXPECT_EQ(published[0].envelope.saga_id, order_saga);
  published = Apply(Paid("ord_2", 4));
  ASSERT_EQ(published.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<contracts::OutOfStock>(published[0].payload));
  EXPECT_EQ(Available(), 10);
}

TEST_F(InventoryEventsTest, EventsThatNeedNothingFromInventoryAreAcknowledgedAsTheyAre) {
  EXPECT_TRUE(Apply(Event("ord_1", contracts::PaymentFailed{UserId("alice"), Dollars(3),
                                                           ProductId("p1"), 1,
                                                           contracts::PaymentFailure::kUnavailable}))
                  .empty());
  EXPECT_TRUE(Apply(Event("ord_1", contracts::Refunded{TransactionId("txn_2"), Dollars(3)},
                          SagaId("order-ord_1")))
                  .empty());
  EXPECT_EQ(Available(), 10);
}

}  // namespace
}  // namespace tinysaga::inventory
