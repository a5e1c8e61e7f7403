// The inventory.commands handler on a real database (SQLite, or PostgreSQL when the environment
// names one): each command's stock effect and the reply it leaves in the outbox (same
// transaction), idempotency by order id, and poison.

#include "inventory/handlers/inventory_commands.h"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <string>
#include <vector>

#include "stock_fixture.h"
#include "tinysaga/contracts/topics.h"

namespace tinysaga::inventory {
namespace {

using contracts::Message;

class InventoryCommandsTest : public StockFixture {
 protected:
  const platform::MessageHandler handler_ = InventoryCommandHandler(clock_, rng_);

  // A command as the orchestrator sends it; each call is a new message (new id).
  Message Command(const std::string& order_id, contracts::Payload payload) {
    return NewMessage("cmd_", order_id, std::move(payload), SagaId("sag_1"));
  }

  // Applies the command in one transaction, as the inbox consumer does.
  Result<void> Apply(const Message& command) {
    auto applied = db_.db().Write<int>([&](soci::session& s) -> Result<int> {
      TS_RETURN_IF_ERROR(handler_(s, command));
      return 0;
    });
    if (!applied.ok()) return applied.error();
    return Ok();
  }

  // Applies the command and returns the one reply it appended (and checks it answers it).
  contracts::Payload ReplyTo(const Message& command) {
    const size_t before = Replies().size();
    auto applied = Apply(command);
    EXPECT_TRUE(applied.ok()) << applied.error().detail;
    std::vector<Message> replies = Replies();
    EXPECT_EQ(replies.size(), before + 1);
    if (replies.size() != before + 1) return contracts::StockReleased{};
    EXPECT_EQ(replies.back().envelope.causation_id, command.envelope.message_id);
    EXPECT_EQ(replies.back().envelope.saga_id, command.envelope.saga_id);
    EXPECT_EQ(replies.back().envelope.order_id, command.envelope.order_id);
    return replies.back().payload;
  }

  // Every message in the outbox on saga.replies, oldest first.
  std::vector<Message> Replies() { return Outbox(contracts::kSagaRepliesTopic); }

  int64_t Movements(const std::string& order_id) {
    return db_.Count("SELECT COUNT(*) FROM stock_movements WHERE order_id = '" + order_id + "'");
  }
};

contracts::ReserveStock Reserve(int64_t quantity) { return {ProductId("p1"), quantity}; }
contracts::ReleaseStock Release(int64_t quantity) { return {ProductId("p1"), quantity}; }

TEST_F(InventoryCommandsTest, ReserveTakesStockAndAnswersStockReserved) {
  EXPECT_EQ(ReplyTo(Command("ord_1", Reserve(4))), contracts::Payload(contracts::StockReserved{}));
  EXPECT_EQ(Available(), 6);
  EXPECT_EQ(Movements("ord_1"), 1);
}

TEST_F(InventoryCommandsTest, RepeatedReserveAnswersTheSameWithOneMovement) {
  ASSERT_EQ(ReplyTo(Command("ord_1", Reserve(4))), contracts::Payload(contracts::StockReserved{}));
  // A resend by the saga (a new message id, so the inbox does not catch it).
  EXPECT_EQ(ReplyTo(Command("ord_1", Reserve(4))), contracts::Payload(contracts::StockReserved{}));
  EXPECT_EQ(Available(), 6);
  EXPECT_EQ(Movements("ord_1"), 1);
}

TEST_F(InventoryCommandsTest, OutOfStockReservesNothingAndSaysWhatIsAvailable) {
  EXPECT_EQ(ReplyTo(Command("ord_1", Reserve(11))), contracts::Payload(contracts::OutOfStock{10}));
  EXPECT_EQ(Available(), 10);
  // Only the row that closes the order (delta 0), as a release that found nothing writes.
  EXPECT_EQ(Movements("ord_1"), 1);
  EXPECT_EQ(db_.Count("SELECT COALESCE(SUM(delta), 0) FROM stock_movements WHERE product_id = 'p1'"),
            10);
  // An unknown product has nothing available.
  EXPECT_EQ(ReplyTo(Command("ord_2", contracts::ReserveStock{ProductId("ghost"), 1})),
            contracts::Payload(contracts::OutOfStock{0}));
}

// Found by the simulator (seed 179): the first ReserveStock was lost, its retry was refused and
// the saga failed the order; then the lost attempt was published again, when stock was back.
// The refusal was the order's last word: the old attempt reserves nothing.
TEST_F(InventoryCommandsTest, AnOlderAttemptAfterARefusalReservesNothingEvenWhenStockIsBack) {
  ASSERT_EQ(ReplyTo(Command("ord_2", Reserve(5))), contracts::Payload(contracts::StockReserved{}));
  const Message first_attempt = Command("ord_1", Reserve(8));
  ASSERT_EQ(ReplyTo(Command("ord_1", Reserve(8))), contracts::Payload(contracts::OutOfStock{5}));
  ASSERT_EQ(ReplyTo(Command("ord_2", Release(5))), contracts::Payload(contracts::StockReleased{}));
  EXPECT_EQ(ReplyTo(first_attempt), contracts::Payload(contracts::OutOfStock{10}));
  EXPECT_EQ(Available(), 10);
}

TEST_F(InventoryCommandsTest, ReleaseGivesBackOnceAndAnswersStockReleased) {
  ASSERT_EQ(ReplyTo(Command("ord_1", Reserve(4))), contracts::Payload(contracts::StockReserved{}));
  EXPECT_EQ(ReplyTo(Command("ord_1", Release(4))), contracts::Payload(contracts::StockReleased{}));
  EXPECT_EQ(Available(), 10);
  EXPECT_EQ(ReplyTo(Command("ord_1", Release(4))), contracts::Payload(contracts::StockReleased{}));
  EXPECT_EQ(Available(), 10);
  EXPECT_EQ(Movements("ord_1"), 2);
}

TEST_F(InventoryCommandsTest, ReleaseWithoutReserveIsANoOpThatSucceeds) {
  EXPECT_EQ(ReplyTo(Command("ord_1", Release(4))), contracts::Payload(contracts::StockReleased{}));
  EXPECT_EQ(Available(), 10);
  EXPECT_EQ(db_.Count("SELECT COALESCE(SUM(delta), 0) FROM stock_movements WHERE product_id = 'p1'"),
            10);
}

TEST_F(InventoryCommandsTest, ReserveAfterReleaseForTheSameOrderReservesNothing) {
  ASSERT_EQ(ReplyTo(Command("ord_1", Reserve(4))), contracts::Payload(contracts::StockReserved{}));
  ASSERT_EQ(ReplyTo(Command("ord_1", Release(4))), contracts::Payload(contracts::StockReleased{}));
  EXPECT_EQ(ReplyTo(Command("ord_1", Reserve(4))), contracts::Payload(contracts::OutOfStock{10}));
  EXPECT_EQ(Available(), 10);
  // Also when the release came first and found nothing (the reserve arrived late).
  ASSERT_EQ(ReplyTo(Command("ord_2", Release(3))), contracts::Payload(contracts::StockReleased{}));
  EXPECT_EQ(ReplyTo(Command("ord_2", Reserve(3))), contracts::Payload(contracts::OutOfStock{10}));
  EXPECT_EQ(Available(), 10);
}

TEST_F(InventoryCommandsTest, ShipAnswersOrderShippedForReservedStockOnly) {
  // The ship step of docs/adding-a-step.md: the reservation is what ships; no stock moves.
  ASSERT_EQ(ReplyTo(Command("ord_1", Reserve(4))), contracts::Payload(contracts::StockReserved{}));
  EXPECT_EQ(ReplyTo(Command("ord_1", contracts::ShipOrder{})),
            contracts::Payload(contracts::OrderShipped{}));
  EXPECT_EQ(ReplyTo(Command("ord_1", contracts::ShipOrder{})),
            contracts::Payload(contracts::OrderShipped{}));  // a resend
  EXPECT_EQ(Available(), 6);
  EXPECT_EQ(Movements("ord_1"), 1);
  // Nothing reserved, or released already: poison, nothing written.
  const size_t replies = Replies().size();
  for (const char* order_id : {"ord_2", "ord_3"}) {
    if (std::string(order_id) == "ord_3") {
      ASSERT_EQ(ReplyTo(Command(order_id, Reserve(1))),
                contracts::Payload(contracts::StockReserved{}));
      ASSERT_EQ(ReplyTo(Command(order_id, Release(1))),
                contracts::Payload(contracts::StockReleased{}));
    }
    auto refused = Apply(Command(order_id, contracts::ShipOrder{}));
    ASSERT_FALSE(refused.ok()) << order_id;
    EXPECT_FALSE(refused.error().Retryable());
  }
  EXPECT_EQ(Replies().size(), replies + 2);  // ord_3's reserve and release only
}

TEST_F(InventoryCommandsTest, ForeignCommandsAndOtherTermsArePoisonAndWriteNothing) {
  ASSERT_EQ(ReplyTo(Command("ord_1", Reserve(4))), contracts::Payload(contracts::StockReserved{}));
  const size_t replies = Replies().size();
  auto foreign = Apply(Command("ord_1", contracts::MarkPlaced{}));
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.error().code, Errc::kInvalidRequest);
  EXPECT_FALSE(foreign.error().Retryable());
  auto other_terms = Apply(Command("ord_1", Reserve(5)));
  ASSERT_FALSE(other_terms.ok());
  EXPECT_FALSE(other_terms.error().Retryable());
  EXPECT_EQ(Replies().size(), replies);
  EXPECT_EQ(Available(), 6);
}

}  // namespace
}  // namespace tinysaga::inventory
