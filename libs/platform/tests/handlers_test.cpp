#include "tinysaga/platform/handlers.h"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <vector>

#include "tinysaga/contracts/topics.h"
#include "tinysaga/testing/outbox.h"
#include "tinysaga/testing/test_db.h"

namespace tinysaga::platform {
namespace {

using contracts::Message;

Message MessageOf(contracts::Payload payload, std::string message_id = "sag_1-3-do-1") {
  return Message{contracts::Envelope{.message_id = std::move(message_id),
                                     .saga_id = SagaId("sag_1"),
                                     .order_id = OrderId("ord_1"),
                                     .time_ms = 1'000,
                                     .traceparent = "",
                                     .causation_id = ""},
                 std::move(payload)};
}

class HandlersTest : public ::testing::Test {
 protected:
  // Runs `handler` in a write transaction, as the inbox consumer does: an error rolls back.
  Result<void> Apply(const MessageHandler& handler, const Message& message) {
    auto applied = test_db_.db().Write<int>([&](soci::session& session) -> Result<int> {
      TS_RETURN_IF_ERROR(handler(session, message));
      return 0;
    });
    if (!applied.ok()) return applied.error();
    return Ok();
  }
  std::vector<testing::OutboxMessage> Outbox() { return testing::ReadOutbox(test_db_.db()); }

  testing::TestDb test_db_;
  ManualClock clock_{5'000};
  SeededRng rng_{3};
};

TEST_F(HandlersTest, CallsTheHandlerOfTheMessagesTypeWithItsPayload) {
  std::vector<std::string> calls;
  auto handlers = Handlers::ForCommands("inventory.commands", clock_, rng_);
  handlers
      .On<contracts::ReserveStock>([&](soci::session&, const Message& message,
                                       const contracts::ReserveStock& reserve) -> Result<void> {
        calls.push_back("reserve " + reserve.product_id.value() + " for " +
                        message.envelope.order_id.value());
        return Ok();
      })
      .On<contracts::ReleaseStock>(
          [&](soci::session&, const Message&, const contracts::ReleaseStock&) -> Result<void> {
            calls.push_back("release");
            return Ok();
          });
  const MessageHandler handler = std::move(handlers).Build();
  ASSERT_TRUE(Apply(handler, MessageOf(contracts::ReleaseStock{ProductId("mouse"), 1})).ok());
  ASSERT_TRUE(Apply(handler, MessageOf(contracts::ReserveStock{ProductId("mouse"), 2})).ok());
  EXPECT_EQ(calls, (std::vector<std::string>{"release", "reserve mouse for ord_1"}));
}

TEST_F(HandlersTest, ACommandWithoutAHandlerIsPoisonNamingTheSubscription) {
  auto handlers = Handlers::ForCommands("inventory.commands", clock_, rng_);
  handlers.On<contracts::ReserveStock>(
      [](soci::session&, const Message&, const contracts::ReserveStock&) -> Result<void> {
        return Ok();
      });
  const MessageHandler handler = std::move(handlers).Build();
  auto refused = Apply(handler, MessageOf(contracts::MarkPlaced{}));
  ASSERT_FALSE(refused.ok());
  // kInvalidRequest is what the inbox consumer dead-letters (MessageHandler).
  EXPECT_EQ(refused.error().code, Errc::kInvalidRequest);
  EXPECT_EQ(refused.error().detail, "inventory.commands does not take MarkPlaced messages");
}

TEST_F(HandlersTest, AnEventWithoutAHandlerIsNothingToDo) {
  int calls = 0;
  auto handlers = Handlers::ForEvents("inventory.events");
  handlers.On<contracts::PaymentCompleted>(
      [&](soci::session&, const Message&, const contracts::PaymentCompleted&) -> Result<void> {
        ++calls;
        return Ok();
      });
  const MessageHandler handler = std::move(handlers).Build();
  EXPECT_TRUE(Apply(handler, MessageOf(contracts::StockReleased{})).ok());
  EXPECT_EQ(calls, 0);
  EXPECT_TRUE(Outbox().empty());
}

// A commands subscription may hear a topic of events beside its commands (Order follows
// Payment's PaymentCompleted on its orchestration subscription): an event it has no handler for
// is announced to everyone, so it is nothing to do; a reply with no handler was addressed to
// this service, so it is still dead-lettered.
TEST_F(HandlersTest, OnACommandsSubscriptionAnUnhandledEventIsNothingToDoButAReplyIsPoison) {
  int calls = 0;
  auto handlers = Handlers::ForCommands("order.commands", clock_, rng_);
  handlers.On<contracts::PaymentCompleted>(
      [&](soci::session&, const Message&, const contracts::PaymentCompleted&) -> Result<void> {
        ++calls;
        return Ok();
      });
  const MessageHandler handler = std::move(handlers).Build();
  const auto failed =
      contracts::PaymentFailed{UserId("alice"), Money::FromCents(500).value(), ProductId("mouse"),
                               1, contracts::PaymentFailure::kInsufficientFunds};
  EXPECT_TRUE(Apply(handler, MessageOf(failed)).ok());
  EXPECT_EQ(calls, 0);
  EXPECT_TRUE(Outbox().empty()) << "an event is not answered";

  auto refused = Apply(handler, MessageOf(contracts::OrderStatusChanged{"PLACED"}));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::kInvalidRequest);
  EXPECT_EQ(refused.error().detail, "order.commands does not take OrderStatusChanged messages");
  EXPECT_EQ(calls, 0);
}

TEST_F(HandlersTest, AnswerRepliesToTheCommandInTheSameTransaction) {
  auto handlers = Handlers::ForCommands("inventory.commands", clock_, rng_);
  handlers.Answer<contracts::ReserveStock>(
      [](soci::session&, const Message&,
         const contracts::ReserveStock& reserve) -> Result<contracts::Payload> {
        if (reserve.quantity > 3) return contracts::Payload(contracts::OutOfStock{3});
        return contracts::Payload(contracts::StockReserved{});
      });
  const MessageHandler handler = std::move(handlers).Build();
  ASSERT_TRUE(Apply(handler, MessageOf(contracts::ReserveStock{ProductId("mouse"), 5})).ok());
  const auto rows = Outbox();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].topic, contracts::kSagaRepliesTopic);
  EXPECT_EQ(rows[0].key, "ord_1");
  EXPECT_EQ(rows[0].message.payload, contracts::Payload(contracts::OutOfStock{3}));
  EXPECT_EQ(rows[0].message.envelope.causation_id, "sag_1-3-do-1");
  EXPECT_EQ(rows[0].message.envelope.saga_id, SagaId("sag_1"));
  EXPECT_EQ(rows[0].message.envelope.time_ms, 5'000);
}

TEST_F(HandlersTest, AnAnswerThatFailsRepliesNothingAndReturnsTheError) {
  auto handlers = Handlers::ForCommands("inventory.commands", clock_, rng_);
  handlers.Answer<contracts::ReserveStock>(
      [](soci::session&, const Message&,
         const contracts::ReserveStock&) -> Result<contracts::Payload> {
        return MakeError(Errc::kUnavailable, "the count is busy");
      });
  const MessageHandler handler = std::move(handlers).Build();
  auto busy = Apply(handler, MessageOf(contracts::ReserveStock{ProductId("mouse"), 1}));
  ASSERT_FALSE(busy.ok());
  EXPECT_EQ(busy.error().code, Errc::kUnavailable);
  EXPECT_TRUE(Outbox().empty());
}

TEST_F(HandlersTest, AHandlerRegisteredByTypeNameIsCalledForThatType) {
  int calls = 0;
  auto handlers = Handlers::ForEvents("inventory.events");
  handlers.OnType("StockReleased", [&](soci::session&, const Message& message) -> Result<void> {
    EXPECT_EQ(message.type(), "StockReleased");
    ++calls;
    return Ok();
  });
  const MessageHandler handler = std::move(handlers).Build();
  ASSERT_TRUE(Apply(handler, MessageOf(contracts::StockReleased{})).ok());
  ASSERT_TRUE(Apply(handler, MessageOf(contracts::StockReserved{})).ok());
  EXPECT_EQ(calls, 1);
}

TEST_F(HandlersTest, AnswerRepliesOnTheTopicItWasGiven) {
  auto handlers = Handlers::ForCommands("inventory (choreography)", clock_, rng_,
                                        contracts::kInventoryEventsTopic);
  handlers.Answer<contracts::ReleaseStock>(
      [](soci::session&, const Message&,
         const contracts::ReleaseStock&) -> Result<contracts::Payload> {
        return contracts::Payload(contracts::StockReleased{});
      });
  const MessageHandler handler = std::move(handlers).Build();
  ASSERT_TRUE(Apply(handler, MessageOf(contracts::ReleaseStock{ProductId("mouse"), 1})).ok());
  const auto rows = Outbox();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].topic, contracts::kInventoryEventsTopic);
}

// What the inbox consumer may acknowledge without a transaction: the events nobody
// registered, on either kind of subscription; never a command or reply, which a commands
// subscription dead-letters, nor a registered type, nor a type this build does not know.
TEST_F(HandlersTest, IgnoredByNamesTheEventsWithoutAHandler) {
  auto events = Handlers::ForEvents("payment.events");
  events.On<contracts::OutOfStock>(
      [](soci::session&, const Message&, const contracts::OutOfStock&) -> Result<void> {
        return Ok();
      });
  const IgnoredTypes ignored_by_events = Handlers::IgnoredBy(std::move(events).Build());
  ASSERT_TRUE(ignored_by_events);
  EXPECT_TRUE(ignored_by_events("StockReserved"));
  EXPECT_FALSE(ignored_by_events("OutOfStock"));
  EXPECT_FALSE(ignored_by_events("FlyToTheMoon"));

  auto commands = Handlers::ForCommands("order.commands", clock_, rng_);
  commands.On<contracts::MarkPlaced>(
      [](soci::session&, const Message&, const contracts::MarkPlaced&) -> Result<void> {
        return Ok();
      });
  const IgnoredTypes ignored_by_commands = Handlers::IgnoredBy(std::move(commands).Build());
  ASSERT_TRUE(ignored_by_commands);
  EXPECT_TRUE(ignored_by_commands("PaymentFailed"));
  EXPECT_FALSE(ignored_by_commands("MarkPlaced"));
  EXPECT_FALSE(ignored_by_commands("MarkFailed"));     // a command: dead-lettered
  EXPECT_FALSE(ignored_by_commands("StockReserved"));  // a reply: dead-lettered

  const MessageHandler other = [](soci::session&, const Message&) -> Result<void> { return Ok(); };
  EXPECT_FALSE(Handlers::IgnoredBy(other));
}

}  // namespace
}  // namespace tinysaga::platform
