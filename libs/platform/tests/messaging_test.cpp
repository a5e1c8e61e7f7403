#include "tinysaga/platform/messaging.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>
#include <soci/soci.h>

#include <condition_variable>
#include <mutex>
#include <optional>

#include "tinysaga/bus/memory/memory_bus.h"
#include "tinysaga/contracts/codec.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/testing/outbox.h"
#include "tinysaga/testing/test_db.h"

namespace tinysaga::platform {
namespace {

using contracts::Message;

Message Command() {
  return Message{contracts::Envelope{.message_id = "sag_1-3-do-1",
                                     .saga_id = SagaId("sag_1"),
                                     .order_id = OrderId("ord_1"),
                                     .time_ms = 1'000,
                                     .traceparent = "",
                                     .causation_id = ""},
                 contracts::ReserveStock{ProductId("mouse"), 2}};
}

std::vector<testing::OutboxMessage> Outbox(storage::Db& db) { return testing::ReadOutbox(db); }

TEST(MessagingTest, AppendMessageKeysTheRecordByOrderIdAndKeepsTheMessageId) {
  testing::TestDb test_db;
  storage::Db& db = test_db.db();
  ASSERT_TRUE(db.Write<int>([](soci::session& session) -> Result<int> {
                  AppendMessage(session, contracts::kInventoryCommandsTopic, Command(), 1'000);
                  return 0;
                }).ok());
  const auto rows = Outbox(db);  // parses every payload
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].message.envelope.message_id, "sag_1-3-do-1");
  EXPECT_EQ(rows[0].topic, "inventory.commands");
  EXPECT_EQ(rows[0].key, "ord_1");
  EXPECT_EQ(rows[0].message, Command());
}

TEST(MessagingTest, ReplyToAnswersTheCommandInItsSaga) {
  SeededRng rng(7);
  const Message reply = ReplyTo(Command(), contracts::StockReserved{}, 2'000, rng);
  EXPECT_EQ(reply.envelope.causation_id, "sag_1-3-do-1");
  EXPECT_EQ(reply.envelope.saga_id, SagaId("sag_1"));
  EXPECT_EQ(reply.envelope.order_id, OrderId("ord_1"));
  EXPECT_EQ(reply.envelope.time_ms, 2'000);
  EXPECT_NE(reply.envelope.message_id, Command().envelope.message_id);
  EXPECT_TRUE(contracts::Parse(contracts::Serialize(reply)).ok());
}

TEST(MessagingTest, NewEventHasNoSaga) {
  SeededRng rng(7);
  const Message event = NewEvent(OrderId("ord_2"), contracts::StockReleased{}, 3'000, rng);
  EXPECT_TRUE(event.envelope.saga_id.empty());
  EXPECT_EQ(event.envelope.order_id, OrderId("ord_2"));
  EXPECT_FALSE(event.envelope.message_id.empty());
}

TEST(MessagingTest, ParsedHandlerRejectsUnparsableAndMismatchedRecordsAsPoison) {
  testing::TestDb test_db;
  storage::Db& db = test_db.db();
  int calls = 0;
  const bus::InboxHandler handler =
      ParsedHandler([&](soci::session&, const Message&) -> Result<void> {
        ++calls;
        return Ok();
      });
  auto apply = [&](const bus::Message& record) {
    return db.Write<int>([&](soci::session& session) -> Result<int> {
      TS_RETURN_IF_ERROR(handler(session, record));
      return 0;
    });
  };
  const std::string payload = contracts::Serialize(Command());
  auto garbage = apply({.id = "x", .topic = "t", .key = "k", .payload = "{not json", .headers = {}});
  ASSERT_FALSE(garbage.ok());
  EXPECT_TRUE(contracts::IsPoison(garbage.error()));
  auto mismatched = apply({.id = "other", .topic = "t", .key = "k", .payload = payload, .headers = {}});
  ASSERT_FALSE(mismatched.ok());
  EXPECT_TRUE(contracts::IsPoison(mismatched.error()));
  EXPECT_EQ(calls, 0);
  EXPECT_TRUE(
      apply({.id = "sag_1-3-do-1", .topic = "t", .key = "k", .payload = payload, .headers = {}})
          .ok());
  EXPECT_EQ(calls, 1);
}

// The whole loop on the in-memory bus: an outbox row is relayed, consumed by a subscription
// whose handler appends a reply, and the reply is relayed in turn.
TEST(MessagingTest, RelaysTheOutboxAndAppliesSubscribedMessages) {
  testing::TestDb test_db;
  storage::Db& db = test_db.db();
  ManualClock clock(1'000);
  prometheus::Registry registry;
  auto bus = std::make_shared<bus::MemoryBus>();
  auto messaging = Messaging::Create("inventory", bus, db, clock, registry);
  ASSERT_TRUE(messaging.ok()) << messaging.error().detail;

  std::mutex mutex;
  std::condition_variable handled;
  std::vector<Message> received;
  SeededRng rng(1);
  ASSERT_TRUE((*messaging)
                  ->Subscribe("commands", {std::string(contracts::kInventoryCommandsTopic)},
                              [&](soci::session& session, const Message& message) -> Result<void> {
                                AppendMessage(session, contracts::kSagaRepliesTopic,
                                              ReplyTo(message, contracts::StockReserved{},
                                                      clock.NowMs(), rng),
                                              clock.NowMs());
                                std::lock_guard lock(mutex);
                                received.push_back(message);
                                handled.notify_all();
                                return Ok();
                              })
                  .ok());
  (*messaging)->Start();
  ASSERT_TRUE(db.Write<int>([](soci::session& session) -> Result<int> {
                  AppendMessage(session, contracts::kInventoryCommandsTopic, Command(), 1'000);
                  return 0;
                }).ok());
  (*messaging)->NotifyOutbox();
  {
    std::unique_lock lock(mutex);
    // The bound only turns a hang into a failure; the wait ends when the handler ran.
    ASSERT_TRUE(handled.wait_for(lock, std::chrono::seconds(30), [&] { return !received.empty(); }));
  }
  (*messaging)->Stop();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0], Command());
  // Stop() drains nothing further, but the reply is committed in the outbox either way.
  const auto rows = Outbox(db);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].topic, "saga.replies");
  (*messaging)->UpdateMetrics();
}

// The histogram child of tinysaga_consumer_lag_seconds for `group`, if any.
std::optional<prometheus::ClientMetric::Histogram> ConsumerLag(prometheus::Registry& registry,
                                                               const std::string& group) {
  for (const auto& family : registry.Collect()) {
    if (family.name != "tinysaga_consumer_lag_seconds") continue;
    for (const auto& metric : family.metric) {
      if (metric.label.size() == 1 && metric.label[0].name == "group" &&
          metric.label[0].value == group) {
        return metric.histogram;
      }
    }
  }
  return std::nullopt;
}

// Consumer lag: from the message's envelope time to its handler's success, per group, and the
// group's histogram is there (empty) from its subscription on.
TEST(MessagingTest, ConsumerLagIsFromTheMessagesTimeToItsApplication) {
  testing::TestDb test_db;
  storage::Db& db = test_db.db();
  ManualClock clock(1'250);  // Command() was written at 1'000
  prometheus::Registry registry;
  auto messaging =
      Messaging::Create("inventory", std::make_shared<bus::MemoryBus>(), db, clock, registry);
  ASSERT_TRUE(messaging.ok()) << messaging.error().detail;
  std::mutex mutex;
  std::condition_variable handled;
  int calls = 0;
  ASSERT_TRUE((*messaging)
                  ->Subscribe("commands", {std::string(contracts::kInventoryCommandsTopic)},
                              [&](soci::session&, const Message&) -> Result<void> {
                                std::lock_guard lock(mutex);
                                ++calls;
                                handled.notify_all();
                                return Ok();
                              })
                  .ok());
  const auto before = ConsumerLag(registry, "inventory.commands");
  ASSERT_TRUE(before.has_value()) << "the group's lag exists before its first message";
  EXPECT_EQ(before->sample_count, 0u);

  (*messaging)->Start();
  ASSERT_TRUE(db.Write<int>([](soci::session& session) -> Result<int> {
                  AppendMessage(session, contracts::kInventoryCommandsTopic, Command(), 1'000);
                  return 0;
                }).ok());
  (*messaging)->NotifyOutbox();
  {
    std::unique_lock lock(mutex);
    // The bound only turns a hang into a failure; the wait ends when the handler ran.
    ASSERT_TRUE(handled.wait_for(lock, std::chrono::seconds(30), [&] { return calls > 0; }));
  }
  (*messaging)->Stop();  // joins the consumer's thread, which observes after the handler
  const auto after = ConsumerLag(registry, "inventory.commands");
  ASSERT_TRUE(after.has_value());
  EXPECT_EQ(after->sample_count, 1u);
  EXPECT_DOUBLE_EQ(after->sample_sum, 0.25);
}

// A development broker that restarted has lost what it stored: everything still retained in
// the outbox goes out again. The same broker again changes nothing.
TEST(MessagingTest, ANewBrokerGetsTheRetainedOutboxAgain) {
  testing::TestDb test_db;
  storage::Db& db = test_db.db();
  ManualClock clock(1'000);
  prometheus::Registry registry;
  auto bus = std::make_shared<bus::MemoryBus>();
  auto messaging = Messaging::Create("order", bus, db, clock, registry);
  ASSERT_TRUE(messaging.ok());
  ASSERT_TRUE(db.Write<int>([](soci::session& session) -> Result<int> {
                  AppendMessage(session, contracts::kInventoryCommandsTopic, Command(), 1'000);
                  session << "UPDATE outbox SET sent_at_ms = 1000";  // relayed already
                  return 0;
                }).ok());
  const auto republished = [&](const std::string& broker) {
    auto rows = (*messaging)->UseBroker(broker);
    EXPECT_TRUE(rows.ok());
    return rows.ok() ? *rows : size_t{999};
  };
  EXPECT_EQ(republished("127.0.0.1:1"), 0u);  // the first broker
  EXPECT_EQ(republished("127.0.0.1:1"), 0u);  // the same one again
  EXPECT_EQ(republished("127.0.0.1:2"), 1u);  // a new one: everything retained goes again
  EXPECT_EQ(test_db.Count("SELECT COUNT(*) FROM outbox WHERE sent_at_ms IS NULL"), 1);
}

// Recording a new broker and marking the outbox for it are one transaction: when marking fails
// (a crash or a full disk between two transactions would do the same), the new broker is not
// recorded either, so the next start republishes to it (issue 11, broker outage).
TEST(MessagingTest, ANewBrokerIsRecordedOnlyWithItsRepublish) {
  testing::TestDb test_db;
  storage::Db& db = test_db.db();
  ManualClock clock(1'000);
  prometheus::Registry registry;
  auto messaging = Messaging::Create("order", std::make_shared<bus::MemoryBus>(), db, clock,
                                     registry);
  ASSERT_TRUE(messaging.ok());
  const auto run = [&](const std::string& sql) {
    ASSERT_TRUE(db.Write<int>([&](soci::session& session) -> Result<int> {
                    session << sql;
                    return 0;
                  }).ok())
        << sql;
  };
  ASSERT_TRUE((*messaging)->UseBroker("127.0.0.1:1").ok());
  ASSERT_TRUE(db.Write<int>([](soci::session& session) -> Result<int> {
                  AppendMessage(session, contracts::kInventoryCommandsTopic, Command(), 1'000);
                  return 0;
                }).ok());
  run("UPDATE outbox SET sent_at_ms = 1000");  // relayed to the first broker
  run("CREATE TRIGGER refuse_resend BEFORE UPDATE ON outbox "
      "BEGIN SELECT RAISE(ABORT, 'cannot write'); END");
  EXPECT_FALSE((*messaging)->UseBroker("127.0.0.1:2").ok());
  run("DROP TRIGGER refuse_resend");
  auto retried = (*messaging)->UseBroker("127.0.0.1:2");  // the next start
  ASSERT_TRUE(retried.ok()) << retried.error().detail;
  EXPECT_EQ(*retried, 1u) << "the new broker was recorded without its republish";
  EXPECT_EQ(test_db.Count("SELECT COUNT(*) FROM outbox WHERE sent_at_ms IS NULL"), 1);
}

}  // namespace
}  // namespace tinysaga::platform
