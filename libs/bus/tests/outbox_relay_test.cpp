#include "tinysaga/bus/outbox_relay.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <soci/soci.h>

#include <future>
#include <thread>

#include "tinysaga/bus/memory/memory_bus.h"
#include "tinysaga/testing/test_db.h"

namespace tinysaga::bus {
namespace {

using ::testing::ElementsAre;
using testing::TestDb;
// Two connections are enough for these tests and keep SQLite's lock contention realistic.
const testing::TestDbOptions kDbOptions{.pool_size = 2};

Message Make(const std::string& id, const std::string& key = "ord_1") {
  return Message{id, "orders", key, "{\"id\":\"" + id + "\"}", {}};
}

void Append(storage::Db& db, const std::vector<Message>& messages, TimestampMs now_ms) {
  auto written = db.Write<bool>([&](soci::session& session) -> Result<bool> {
    for (const Message& message : messages) AppendToOutbox(session, message, now_ms);
    return true;
  });
  ASSERT_TRUE(written.ok()) << written.error().detail;
}

std::vector<std::string> StoredIds(const MemoryBus& bus, const std::string& topic = "orders") {
  std::vector<std::string> ids;
  for (const Delivery& delivery : bus.Stored(topic)) ids.push_back(delivery.message.id);
  return ids;
}

class OutboxRelayTest : public ::testing::Test {
 protected:
  TestDb test_db_{{}, kDbOptions};
  ManualClock clock_;
  MemoryBus bus_{MemoryBusOptions{.partitions = 1}};
  std::unique_ptr<Producer> producer_ = std::move(bus_.NewProducer()).value();
};

TEST_F(OutboxRelayTest, PublishesUnsentRowsInIdOrderAndMarksThemSent) {
  Append(test_db_.db(), {Make("m1"), Make("m2"), Make("m3")}, clock_.NowMs());
  OutboxRelay relay(test_db_.db(), *producer_, clock_);
  EXPECT_EQ(*relay.Backlog(), 3);
  auto published = relay.RelayOnce();
  ASSERT_TRUE(published.ok()) << published.error().detail;
  EXPECT_EQ(*published, 3u);
  EXPECT_THAT(StoredIds(bus_), ElementsAre("m1", "m2", "m3"));
  EXPECT_EQ(*relay.Backlog(), 0);  // acknowledged, so no longer backlog...
  EXPECT_EQ(*relay.RelayOnce(), 0u);
  // ...and marked in the database by the first pass that finds nothing new.
  EXPECT_EQ(test_db_.Count("SELECT COUNT(*) FROM outbox WHERE sent_at_ms IS NOT NULL"), 3);
  EXPECT_THAT(StoredIds(bus_), ElementsAre("m1", "m2", "m3"));
  EXPECT_EQ(relay.counters().published, 3u);
}

// The payload's type travels with the row, so that a consumer can skip what it ignores.
TEST_F(OutboxRelayTest, PublishesEachRowWithItsType) {
  Message typed = Make("m1");
  typed.type = "PaymentCompleted";
  Append(test_db_.db(), {typed, Make("m2")}, clock_.NowMs());
  OutboxRelay relay(test_db_.db(), *producer_, clock_);
  ASSERT_EQ(*relay.RelayOnce(), 2u);
  const std::vector<Delivery> stored = bus_.Stored("orders");
  ASSERT_EQ(stored.size(), 2u);
  EXPECT_EQ(stored[0].message.type, "PaymentCompleted");
  EXPECT_EQ(stored[1].message.type, "");
}

long long MarkedRows(TestDb& test_db) {
  return test_db.Count("SELECT COUNT(*) FROM outbox WHERE sent_at_ms IS NOT NULL");
}

TEST_F(OutboxRelayTest, DefersMarkingWhileRowsKeepComingButPublishesEachRowOnce) {
  OutboxRelay relay(test_db_.db(), *producer_, clock_,
                    OutboxRelayOptions{.mark_delay = std::chrono::milliseconds(100)});
  Append(test_db_.db(), {Make("m1")}, clock_.NowMs());
  ASSERT_EQ(*relay.RelayOnce(), 1u);
  clock_.AdvanceMs(60);
  Append(test_db_.db(), {Make("m2")}, clock_.NowMs());
  ASSERT_EQ(*relay.RelayOnce(), 1u);
  EXPECT_EQ(MarkedRows(test_db_), 0);  // m1 was acknowledged 60 ms ago: not due yet

  clock_.AdvanceMs(40);
  Append(test_db_.db(), {Make("m3")}, clock_.NowMs());
  ASSERT_EQ(*relay.RelayOnce(), 1u);
  EXPECT_EQ(MarkedRows(test_db_), 3);  // due: every row published so far, in one update
  EXPECT_THAT(StoredIds(bus_), ElementsAre("m1", "m2", "m3"));
}

TEST_F(OutboxRelayTest, MarksEachBatchAtOnceWithoutAMarkDelay) {
  OutboxRelay relay(test_db_.db(), *producer_, clock_,
                    OutboxRelayOptions{.mark_delay = std::chrono::milliseconds(0)});
  Append(test_db_.db(), {Make("m1"), Make("m2")}, clock_.NowMs());
  ASSERT_EQ(*relay.RelayOnce(), 2u);
  EXPECT_EQ(MarkedRows(test_db_), 2);
}

TEST_F(OutboxRelayTest, MarksAtOnceWhenTooManyRowsWait) {
  OutboxRelay relay(test_db_.db(), *producer_, clock_,
                    OutboxRelayOptions{.batch_size_max = 2, .unmarked_max = 3});
  Append(test_db_.db(), {Make("m1"), Make("m2"), Make("m3"), Make("m4"), Make("m5")},
         clock_.NowMs());
  ASSERT_EQ(*relay.RelayOnce(), 2u);
  EXPECT_EQ(MarkedRows(test_db_), 0);
  ASSERT_EQ(*relay.RelayOnce(), 2u);
  EXPECT_EQ(MarkedRows(test_db_), 4);
  ASSERT_EQ(*relay.RelayOnce(), 1u);
  EXPECT_THAT(StoredIds(bus_), ElementsAre("m1", "m2", "m3", "m4", "m5"));
}

TEST_F(OutboxRelayTest, ARelayThatDiesBeforeMarkingLeavesItsRowsToBePublishedAgain) {
  Append(test_db_.db(), {Make("m1"), Make("m2")}, clock_.NowMs());
  {
    OutboxRelay dying(test_db_.db(), *producer_, clock_);
    ASSERT_EQ(*dying.RelayOnce(), 2u);
  }  // gone before its mark delay passed
  EXPECT_EQ(MarkedRows(test_db_), 0);
  OutboxRelay restarted(test_db_.db(), *producer_, clock_);
  EXPECT_EQ(*restarted.Backlog(), 2);
  ASSERT_EQ(*restarted.RelayOnce(), 2u);
  ASSERT_EQ(*restarted.RelayOnce(), 0u);
  EXPECT_EQ(MarkedRows(test_db_), 2);
  // At least once: the inboxes drop the copies.
  EXPECT_THAT(StoredIds(bus_), ElementsAre("m1", "m2", "m1", "m2"));
}

TEST_F(OutboxRelayTest, ResendingAlsoRepublishesRowsWaitingToBeMarked) {
  OutboxRelay relay(test_db_.db(), *producer_, clock_);
  Append(test_db_.db(), {Make("marked")}, clock_.NowMs());
  ASSERT_EQ(*relay.RelayOnce(), 1u);
  ASSERT_EQ(*relay.RelayOnce(), 0u);
  Append(test_db_.db(), {Make("waiting")}, clock_.NowMs());
  ASSERT_EQ(*relay.RelayOnce(), 1u);  // acknowledged, not marked yet

  EXPECT_EQ(*relay.ResendSince(0), 1u);  // the broker lost both
  EXPECT_EQ(*relay.RelayOnce(), 2u);
  EXPECT_THAT(StoredIds(bus_), ElementsAre("marked", "waiting", "marked", "waiting"));
}

TEST_F(OutboxRelayTest, MarksNothingSentUntilTheBrokerAcknowledged) {
  Append(test_db_.db(), {Make("m1"), Make("m2"), Make("m3")}, clock_.NowMs());
  OutboxRelay relay(test_db_.db(), *producer_, clock_);
  bus_.SetFaultHook([](const Message& message) {
    return message.id == "m2" ? Fault{FaultKind::kFailPublish} : Fault{};
  });
  ASSERT_FALSE(relay.RelayOnce().ok());
  EXPECT_EQ(*relay.Backlog(), 3);  // m1 was stored, but the batch was not acknowledged
  EXPECT_EQ(relay.counters().publish_failures, 1u);

  bus_.SetFaultHook({});
  EXPECT_EQ(*relay.RelayOnce(), 3u);
  EXPECT_EQ(*relay.Backlog(), 0);
  // At least once: m1 twice, and still in order; the consumers' inbox drops the copy.
  EXPECT_THAT(StoredIds(bus_), ElementsAre("m1", "m1", "m2", "m3"));
}

TEST_F(OutboxRelayTest, PublishesInBoundedBatches) {
  Append(test_db_.db(), {Make("m1"), Make("m2"), Make("m3"), Make("m4"), Make("m5")},
         clock_.NowMs());
  OutboxRelay relay(test_db_.db(), *producer_, clock_, OutboxRelayOptions{.batch_size_max = 2});
  EXPECT_EQ(*relay.RelayOnce(), 2u);
  EXPECT_EQ(*relay.RelayOnce(), 2u);
  EXPECT_EQ(*relay.RelayOnce(), 1u);
  EXPECT_EQ(*relay.RelayOnce(), 0u);
  EXPECT_THAT(StoredIds(bus_), ElementsAre("m1", "m2", "m3", "m4", "m5"));
}

TEST_F(OutboxRelayTest, ResendsRecentRowsAndPurgesOnlyExpiredSentRows) {
  OutboxRelay relay(test_db_.db(), *producer_, clock_,
                    OutboxRelayOptions{.retention = std::chrono::milliseconds(10'000)});
  Append(test_db_.db(), {Make("old")}, clock_.NowMs());
  ASSERT_EQ(*relay.RelayOnce(), 1u);
  ASSERT_EQ(*relay.RelayOnce(), 0u);  // marks "old" sent now
  clock_.AdvanceMs(5'000);
  const TimestampMs broker_lost_data_at_ms = clock_.NowMs();
  Append(test_db_.db(), {Make("new")}, clock_.NowMs());
  ASSERT_EQ(*relay.RelayOnce(), 1u);
  ASSERT_EQ(*relay.RelayOnce(), 0u);

  EXPECT_EQ(*relay.ResendSince(broker_lost_data_at_ms), 1u);
  EXPECT_EQ(*relay.RelayOnce(), 1u);
  EXPECT_THAT(StoredIds(bus_), ElementsAre("old", "new", "new"));

  clock_.AdvanceMs(6'000);  // "old" was sent 11 s ago, "new" 6 s ago
  Append(test_db_.db(), {Make("unsent")}, clock_.NowMs());
  EXPECT_EQ(*relay.PurgeSent(), 1u);
  EXPECT_EQ(test_db_.Count("SELECT COUNT(*) FROM outbox"), 2);
  EXPECT_EQ(*relay.Backlog(), 1);
}

TEST_F(OutboxRelayTest, OutboxRowsCommitOrRollBackWithTheirTransaction) {
  auto rolled_back = test_db_.db().Write<bool>([&](soci::session& session) -> Result<bool> {
    AppendToOutbox(session, Make("m1"), clock_.NowMs());
    return MakeError(Errc::kConflict, "the state change was refused");
  });
  EXPECT_FALSE(rolled_back.ok());
  EXPECT_EQ(test_db_.Count("SELECT COUNT(*) FROM outbox"), 0);

  Append(test_db_.db(), {Make("m1")}, clock_.NowMs());
  auto duplicate = test_db_.db().Write<bool>([&](soci::session& session) -> Result<bool> {
    AppendToOutbox(session, Make("m1"), clock_.NowMs());
    return true;
  });
  ASSERT_FALSE(duplicate.ok());
  EXPECT_EQ(duplicate.error().code, Errc::kConflict);
}

// Fulfils a promise on the first publish that is not empty, so the test waits for the relay's
// thread without sleeping.
class SignallingProducer final : public Producer {
 public:
  explicit SignallingProducer(Producer& inner) : inner_(inner) {}
  Result<void> Publish(std::span<const Message> batch) override {
    auto published = inner_.Publish(batch);
    if (!batch.empty() && !signalled_.exchange(true)) published_.set_value();
    return published;
  }
  std::future<void> Published() { return published_.get_future(); }

 private:
  Producer& inner_;
  std::atomic<bool> signalled_{false};
  std::promise<void> published_;
};

TEST_F(OutboxRelayTest, RunWakesUpOnNotifyAndReturnsOnStop) {
  SignallingProducer producer(*producer_);
  auto published = producer.Published();
  // An hour-long poll interval: only Notify() can make the relay publish within the test.
  OutboxRelay relay(test_db_.db(), producer, clock_,
                    OutboxRelayOptions{.poll_interval = std::chrono::hours(1)});
  std::thread runner([&] { relay.Run(); });
  Append(test_db_.db(), {Make("m1")}, clock_.NowMs());
  relay.Notify();
  EXPECT_EQ(published.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  relay.Stop();
  runner.join();
  EXPECT_THAT(StoredIds(bus_), ElementsAre("m1"));
}

}  // namespace
}  // namespace tinysaga::bus
