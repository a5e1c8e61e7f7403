#include "tinysaga/bus/inbox_consumer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <soci/soci.h>

#include <map>
#include <stdexcept>

#include "tinysaga/bus/memory/memory_bus.h"
#include "tinysaga/bus/outbox_relay.h"
#include "tinysaga/core/breaks.h"
#include "tinysaga/testing/test_db.h"

namespace tinysaga::bus {
namespace {

using ::testing::ElementsAre;
using testing::TestDb;
// Two connections are enough for these tests and keep SQLite's lock contention realistic.
const testing::TestDbOptions kDbOptions{.pool_size = 2};

// The effect under test: every applied message appends (key, payload) to `applied`, whose
// autoincrement id records the order of application.
const std::vector<storage::Migration> kMigrations = {
    {1, "applied",
     "CREATE TABLE applied (id {{ID_PK}}, message_key TEXT NOT NULL, payload TEXT NOT NULL);\n"},
};

Message Make(const std::string& id, const std::string& payload, const std::string& key = "ord_1") {
  return Message{id, "orders", key, payload, {}};
}

// Payload "poison" is impossible (after writing an effect, which must roll back); "throw"
// throws; "busy" fails transiently `busy_failures` times first; anything else is applied.
class TestHandler {
 public:
  int busy_failures = 0;

  Result<void> operator()(soci::session& session, const Message& message) {
    const std::string key = message.key;
    const std::string payload = message.payload;
    session << "INSERT INTO applied (message_key, payload) VALUES (:key, :payload)", soci::use(key),
        soci::use(payload);
    if (payload == "poison") return MakeError(Errc::kInvalidRequest, "impossible message");
    if (payload == "throw") throw std::runtime_error("handler bug");
    if (payload == "busy" && busy_failures-- > 0)
      return MakeError(Errc::kUnavailable, "wallet busy");
    return Ok();
  }
};

class InboxConsumerTest : public ::testing::TestWithParam<size_t> {
 protected:
  InboxConsumerTest() {
    bus_ = std::make_unique<MemoryBus>(MemoryBusOptions{.partitions = 2});
    producer_ = std::move(bus_->NewProducer()).value();
    Restart();
  }

  // A fresh consumer and inbox consumer, as after a process restart.
  void Restart() {
    inbox_.reset();
    consumer_.reset();
    consumer_ = std::move(bus_->NewConsumer({"test-service", {"orders"}})).value();
    InboxConsumerOptions options{.consumer_name = "test-service", .batch_size_max = GetParam()};
    options.backoff_wait = [this](std::chrono::milliseconds delay) { waits_.push_back(delay); };
    options.ignores = ignores_;
    inbox_ = std::make_unique<InboxConsumer>(
        test_db_.db(), *consumer_, *producer_, clock_,
        [this](soci::session& session, const Message& message) {
          return handler_(session, message);
        },
        options);
  }

  void Publish(const std::vector<Message>& messages) {
    auto published = producer_->Publish(messages);
    ASSERT_TRUE(published.ok()) << published.error().detail;
  }

  // Runs until a poll returns nothing.
  void Drain() {
    for (int polls = 0; polls < 1000; ++polls) {
      auto polled = inbox_->RunOnce();
      ASSERT_TRUE(polled.ok()) << polled.error().detail;
      if (*polled == 0) return;
    }
    FAIL() << "the consumer never ran out of messages";
  }

  std::vector<std::string> Applied(const std::string& key = "ord_1") {
    auto payloads = test_db_.db().Read<std::vector<std::string>>(
        [&](soci::session& session) -> Result<std::vector<std::string>> {
          std::vector<std::string> rows(1000);
          session << "SELECT payload FROM applied WHERE message_key = :key ORDER BY id",
              soci::into(rows), soci::use(key);
          return rows;
        });
    EXPECT_TRUE(payloads.ok());
    return *payloads;
  }

  TestDb test_db_{kMigrations, kDbOptions};
  ManualClock clock_;
  TestHandler handler_;
  std::vector<std::chrono::milliseconds> waits_;
  std::function<bool(std::string_view)> ignores_;
  std::unique_ptr<MemoryBus> bus_;
  std::unique_ptr<Producer> producer_;
  std::unique_ptr<Consumer> consumer_;
  std::unique_ptr<InboxConsumer> inbox_;
};

TEST_P(InboxConsumerTest, AppliesDuplicatedMessagesOnce) {
  bus_->SetFaultHook([](const Message&) { return Fault{FaultKind::kDuplicate}; });
  Publish({Make("m1", "1"), Make("m2", "2"), Make("m3", "3")});
  Drain();
  EXPECT_THAT(Applied(), ElementsAre("1", "2", "3"));
  EXPECT_EQ(inbox_->counters().applied, 3u);
  EXPECT_EQ(inbox_->counters().duplicates, 3u);
  EXPECT_EQ(test_db_.Count("SELECT COUNT(*) FROM inbox WHERE consumer = 'test-service'"), 3);
  EXPECT_EQ(bus_->Lag("test-service", "orders"), 0);
}

// --break inbox-dedup-off (the simulator's, core/breaks.h): the same duplicates are applied
// again, in the batch and alone, and nothing else goes wrong (no conflict on the inbox row).
TEST_P(InboxConsumerTest, BrokenDedupAppliesDuplicatedMessagesAgain) {
  const ScopedBreakForSimulation broken(Break::kInboxDedupOff);
  bus_->SetFaultHook([](const Message&) { return Fault{FaultKind::kDuplicate}; });
  Publish({Make("m1", "1"), Make("m2", "2")});
  Drain();
  EXPECT_THAT(Applied(), ElementsAre("1", "1", "2", "2"));
  EXPECT_EQ(inbox_->counters().applied, 4u);
  EXPECT_EQ(inbox_->counters().duplicates, 0u);
  EXPECT_EQ(inbox_->counters().dead_lettered, 0u);
  EXPECT_EQ(test_db_.Count("SELECT COUNT(*) FROM inbox WHERE consumer = 'test-service'"), 2);
}

// A type the handler ignores is acknowledged without a transaction: no effect, no inbox row,
// its offset committed, and a redelivery is ignored again. A message of another type, or of
// none (a producer that did not say), is applied as any.
TEST_P(InboxConsumerTest, MessagesOfAnIgnoredTypeAreAcknowledgedWithoutAnInboxRow) {
  ignores_ = [](std::string_view type) { return type == "StockReserved"; };
  Restart();
  Message ignored = Make("m1", "1");
  ignored.type = "StockReserved";
  Message handled = Make("m2", "2");
  handled.type = "StockFailed";
  Publish({ignored, handled, Make("m3", "3"), ignored});
  Drain();
  EXPECT_THAT(Applied(), ElementsAre("2", "3"));
  EXPECT_EQ(inbox_->counters().ignored, 2u);
  EXPECT_EQ(inbox_->counters().applied, 2u);
  EXPECT_EQ(inbox_->counters().duplicates, 0u);
  EXPECT_EQ(test_db_.Count("SELECT COUNT(*) FROM inbox WHERE message_id = 'm1'"), 0);
  EXPECT_EQ(test_db_.Count("SELECT COUNT(*) FROM inbox"), 2);
  EXPECT_EQ(bus_->Lag("test-service", "orders"), 0);
}

// Wraps a consumer whose offset commits fail: the effects committed, the offsets did not, as
// when a process is killed between the two.
class UncommittingConsumer final : public Consumer {
 public:
  explicit UncommittingConsumer(Consumer& inner) : inner_(inner) {}
  Result<std::vector<Delivery>> Poll(size_t max_messages,
                                     std::chrono::milliseconds wait_max) override {
    return inner_.Poll(max_messages, wait_max);
  }
  Result<void> Commit(std::span<const Delivery>) override {
    return MakeError(Errc::kUnavailable, "killed before the offsets were committed");
  }

 private:
  Consumer& inner_;
};

TEST_P(InboxConsumerTest, RedeliveryAfterACrashBeforeTheOffsetCommitIsNotAppliedTwice) {
  Publish({Make("m1", "1"), Make("m2", "2")});
  {
    UncommittingConsumer crashing(*consumer_);
    InboxConsumer inbox(
        test_db_.db(), crashing, *producer_, clock_, std::ref(handler_),
        InboxConsumerOptions{.consumer_name = "test-service", .batch_size_max = GetParam()});
    while (*inbox.RunOnce() > 0) {
    }
    EXPECT_GE(inbox.counters().commit_failures, 1u);
  }
  Restart();
  Publish({Make("m3", "3")});
  Drain();
  EXPECT_THAT(Applied(), ElementsAre("1", "2", "3"));
  EXPECT_EQ(inbox_->counters().duplicates, 2u);
  EXPECT_EQ(bus_->Lag("test-service", "orders"), 0);
}

TEST_P(InboxConsumerTest, OffsetsAreCommittedAtMostEveryIntervalAndWhenIdle) {
  InboxConsumerOptions options{.consumer_name = "test-service", .batch_size_max = GetParam()};
  options.commit_interval = std::chrono::milliseconds(100);
  InboxConsumer inbox(test_db_.db(), *consumer_, *producer_, clock_, std::ref(handler_), options);
  const auto run_once = [&] {
    auto polled = inbox.RunOnce();
    ASSERT_TRUE(polled.ok()) << polled.error().detail;
  };
  const auto lag = [&] { return bus_->Lag("test-service", "orders"); };

  Publish({Make("m1", "1")});
  run_once();
  EXPECT_EQ(lag(), 0) << "no commit for 100 ms yet: this one commits";
  Publish({Make("m2", "2")});
  run_once();
  EXPECT_EQ(lag(), 1) << "applied, committed later";
  clock_.AdvanceMs(99);
  Publish({Make("m3", "3")});
  run_once();
  EXPECT_EQ(lag(), 2);
  clock_.AdvanceMs(1);
  Publish({Make("m4", "4")});
  run_once();
  EXPECT_EQ(lag(), 0) << "100 ms since the last commit";
  Publish({Make("m5", "5")});
  run_once();
  EXPECT_EQ(lag(), 1);
  run_once();
  EXPECT_EQ(lag(), 0) << "a poll that finds nothing commits what is pending";
  EXPECT_THAT(Applied(), ElementsAre("1", "2", "3", "4", "5"));
}

TEST_P(InboxConsumerTest, PoisonGoesToTheDeadLetterTopicAndTheNextMessageIsApplied) {
  Publish({Make("m1", "1"), Make("m2", "poison"), Make("m3", "3")});
  Drain();
  // The poison handler's own insert rolled back with it.
  EXPECT_THAT(Applied(), ElementsAre("1", "3"));
  const std::vector<Delivery> dead = bus_->Stored("orders.dlq");
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_EQ(dead[0].message.id, "m2");
  EXPECT_EQ(dead[0].message.key, "ord_1");
  EXPECT_EQ(dead[0].message.payload, "poison");
  EXPECT_EQ(dead[0].message.headers.at(std::string(kHeaderDeadLetterReason)),
            "invalid-request: impossible message");
  EXPECT_EQ(dead[0].message.headers.at(std::string(kHeaderDeadLetterConsumer)), "test-service");
  EXPECT_EQ(inbox_->counters().dead_lettered, 1u);
  EXPECT_EQ(bus_->Lag("test-service", "orders"), 0);
}

TEST_P(InboxConsumerTest, AThrowingHandlerIsRetriedThenDeadLettered) {
  Publish({Make("m1", "throw"), Make("m2", "2")});
  Drain();
  EXPECT_THAT(Applied(), ElementsAre("2"));
  ASSERT_EQ(bus_->Stored("orders.dlq").size(), 1u);
  EXPECT_THAT(
      bus_->Stored("orders.dlq")[0].message.headers.at(std::string(kHeaderDeadLetterReason)),
      ::testing::HasSubstr("handler bug"));
}

TEST_P(InboxConsumerTest, AMessageWithoutIdIsDeadLettered) {
  Publish({Make("", "1"), Make("m2", "2")});
  Drain();
  EXPECT_THAT(Applied(), ElementsAre("2"));
  EXPECT_EQ(bus_->Stored("orders.dlq").size(), 1u);
}

TEST_P(InboxConsumerTest, TransientFailuresRetryTheSameMessageWithGrowingBackoff) {
  handler_.busy_failures = 4;
  Publish({Make("m1", "1"), Make("m2", "busy"), Make("m3", "3")});
  Drain();
  EXPECT_THAT(Applied(), ElementsAre("1", "busy", "3"));
  EXPECT_TRUE(bus_->Stored("orders.dlq").empty());
  EXPECT_GE(inbox_->counters().retries, 3u);
  ASSERT_GE(waits_.size(), 3u);
  EXPECT_LT(waits_[0], waits_[1]);
  EXPECT_LT(waits_[1], waits_[2]);
}

TEST_P(InboxConsumerTest, DeadLettersAreRetriedUntilAcknowledgedBeforeTheOffsetCommit) {
  int failures_left = 2;
  bus_->SetFaultHook([&](const Message& message) {
    const bool fail = message.topic == "orders.dlq" && failures_left-- > 0;
    return fail ? Fault{FaultKind::kFailPublish} : Fault{};
  });
  Publish({Make("m1", "poison")});
  Drain();
  EXPECT_EQ(bus_->Stored("orders.dlq").size(), 1u);
  EXPECT_EQ(waits_.size(), 2u);
  EXPECT_EQ(bus_->Lag("test-service", "orders"), 0);
}

INSTANTIATE_TEST_SUITE_P(OneMessagePerTransactionAndBatched, InboxConsumerTest,
                         ::testing::Values(1, 64));

// Outbox -> relay -> bus with random failed publishes, duplicates and delays -> inbox: every
// message applied exactly once and each key's messages in their order.
TEST(OutboxToInboxTest, ExactlyOnceAndInOrderPerKeyUnderRandomFaults) {
  TestDb producer_db{{}, kDbOptions};
  TestDb consumer_db{kMigrations, kDbOptions};
  ManualClock clock;
  SeededRng rng(20260101);
  MemoryBus bus(MemoryBusOptions{.partitions = 3});
  bus.SetFaultHook(RandomFaults(
      RandomFaultOptions{
          .fail_publish_ppm = 20'000, .duplicate_ppm = 100'000, .delay_ppm = 100'000},
      rng));
  auto producer = std::move(bus.NewProducer()).value();
  auto consumer = std::move(bus.NewConsumer({"svc", {"orders"}})).value();
  OutboxRelay relay(producer_db.db(), *producer, clock, OutboxRelayOptions{.batch_size_max = 16});
  InboxConsumer inbox(consumer_db.db(), *consumer, *producer, clock, TestHandler{},
                      InboxConsumerOptions{.consumer_name = "svc", .batch_size_max = 8});

  const std::vector<std::string> keys = {"ord_a", "ord_b", "ord_c", "ord_d", "ord_e"};
  for (int sequence = 0; sequence < 40; ++sequence) {
    auto written = producer_db.db().Write<bool>([&](soci::session& session) -> Result<bool> {
      for (const std::string& key : keys) {
        const std::string id = key + "-" + std::to_string(sequence);
        AppendToOutbox(session, Message{id, "orders", key, std::to_string(sequence), {}},
                       clock.NowMs());
      }
      return true;
    });
    ASSERT_TRUE(written.ok());
    (void)relay.RelayOnce();  // failures are retried by the next pass
    (void)inbox.RunOnce();
  }
  for (int pass = 0; pass < 100 && *relay.Backlog() > 0; ++pass) (void)relay.RelayOnce();
  ASSERT_EQ(*relay.Backlog(), 0);
  bus.ReleaseDelayed();
  while (*inbox.RunOnce() > 0) {
  }

  EXPECT_GT(bus.counters().duplicated + bus.counters().failed, 0u);
  EXPECT_EQ(inbox.counters().applied, 200u);
  EXPECT_GT(inbox.counters().duplicates, 0u);
  for (const std::string& key : keys) {
    auto payloads = consumer_db.db().Read<std::vector<std::string>>(
        [&](soci::session& session) -> Result<std::vector<std::string>> {
          std::vector<std::string> rows(100);
          session << "SELECT payload FROM applied WHERE message_key = :key ORDER BY id",
              soci::into(rows), soci::use(key);
          return rows;
        });
    ASSERT_TRUE(payloads.ok());
    ASSERT_EQ(payloads->size(), 40u) << key;
    for (int sequence = 0; sequence < 40; ++sequence)
      EXPECT_EQ((*payloads)[sequence], std::to_string(sequence));
  }
}

}  // namespace
}  // namespace tinysaga::bus
