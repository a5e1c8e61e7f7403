#include "tinysaga/bus/memory/memory_bus.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>

namespace tinysaga::bus {
namespace {

using ::testing::ElementsAre;

Message Make(const std::string& key, int sequence, const std::string& topic = "orders") {
  const std::string id = key + "-" + std::to_string(sequence);
  return Message{id, topic, key, "{\"seq\":" + std::to_string(sequence) + "}", {}};
}

void PublishOrDie(Producer& producer, std::vector<Message> batch) {
  auto published = producer.Publish(batch);
  ASSERT_TRUE(published.ok()) << published.error().detail;
}

std::unique_ptr<Consumer> Subscribe(MemoryBus& bus, const std::string& group,
                                    std::vector<std::string> topics = {"orders"}) {
  auto consumer = bus.NewConsumer({group, std::move(topics)});
  EXPECT_TRUE(consumer.ok());
  return std::move(consumer).value();
}

std::vector<Delivery> PollAll(Consumer& consumer, size_t max_messages = 1000) {
  auto polled = consumer.Poll(max_messages, std::chrono::milliseconds(0));
  EXPECT_TRUE(polled.ok());
  return std::move(polled).value();
}

std::vector<std::string> Ids(const std::vector<Delivery>& deliveries) {
  std::vector<std::string> ids;
  for (const Delivery& delivery : deliveries) ids.push_back(delivery.message.id);
  return ids;
}

// The ids of one key, in the order they were delivered.
std::vector<std::string> IdsOfKey(const std::vector<Delivery>& deliveries, const std::string& key) {
  std::vector<std::string> ids;
  for (const Delivery& delivery : deliveries) {
    if (delivery.message.key == key) ids.push_back(delivery.message.id);
  }
  return ids;
}

// A broker that restarts empty: the logs and the committed offsets are gone, and a member
// that had read everything gets what is published next from the new log's start.
TEST(MemoryBusTest, LoseEverythingStartsEveryGroupOverOnEmptyLogs) {
  MemoryBus bus(MemoryBusOptions{.partitions = 2});
  auto producer = std::move(bus.NewProducer()).value();
  auto consumer = Subscribe(bus, "g");
  PublishOrDie(*producer, {Make("a", 0), Make("b", 0), Make("a", 1)});
  const std::vector<Delivery> before = PollAll(*consumer);
  ASSERT_EQ(before.size(), 3u);
  ASSERT_TRUE(consumer->Commit(before).ok());

  bus.LoseEverything();
  EXPECT_TRUE(bus.Stored("orders").empty());
  EXPECT_EQ(bus.Lag("g", "orders"), 0);
  EXPECT_TRUE(PollAll(*consumer).empty());

  PublishOrDie(*producer, {Make("a", 0)});  // an outbox publishing again
  const std::vector<Delivery> after = PollAll(*consumer);
  EXPECT_THAT(Ids(after), ElementsAre("a-0"));
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].offset, 0);
  EXPECT_TRUE(consumer->Commit(after).ok());
}

TEST(MemoryBusTest, KeepsEachKeysOrderInOnePartition) {
  MemoryBus bus(MemoryBusOptions{.partitions = 4});
  auto producer = std::move(bus.NewProducer()).value();
  auto consumer = Subscribe(bus, "g");
  for (int sequence = 0; sequence < 5; ++sequence) {
    PublishOrDie(*producer, {Make("a", sequence), Make("b", sequence), Make("c", sequence)});
  }
  const std::vector<Delivery> deliveries = PollAll(*consumer);
  ASSERT_EQ(deliveries.size(), 15u);
  for (const std::string key : {"a", "b", "c"}) {
    EXPECT_THAT(IdsOfKey(deliveries, key),
                ElementsAre(key + "-0", key + "-1", key + "-2", key + "-3", key + "-4"));
    for (const Delivery& delivery : deliveries) {
      if (delivery.message.key == key) {
        EXPECT_EQ(delivery.partition, bus.PartitionOf(key));
      }
    }
  }
}

TEST(MemoryBusTest, RestartedMemberResumesFromTheCommittedOffset) {
  MemoryBus bus(MemoryBusOptions{.partitions = 1});
  auto producer = std::move(bus.NewProducer()).value();
  PublishOrDie(*producer, {Make("a", 0), Make("a", 1), Make("a", 2), Make("a", 3), Make("a", 4)});
  {
    auto consumer = Subscribe(bus, "g");
    const auto first = PollAll(*consumer, 2);
    EXPECT_THAT(Ids(first), ElementsAre("a-0", "a-1"));
    ASSERT_TRUE(consumer->Commit(first).ok());
    // Polled but never committed: the crash below loses it, so it comes again.
    EXPECT_THAT(Ids(PollAll(*consumer, 1)), ElementsAre("a-2"));
    EXPECT_EQ(bus.Lag("g", "orders"), 3);
  }
  auto restarted = Subscribe(bus, "g");
  EXPECT_THAT(Ids(PollAll(*restarted)), ElementsAre("a-2", "a-3", "a-4"));
}

TEST(MemoryBusTest, EveryGroupGetsEveryMessage) {
  MemoryBus bus;
  auto producer = std::move(bus.NewProducer()).value();
  auto first = Subscribe(bus, "order-service");
  auto second = Subscribe(bus, "payment-service");
  PublishOrDie(*producer, {Make("a", 0), Make("b", 0)});
  EXPECT_EQ(PollAll(*first).size(), 2u);
  EXPECT_EQ(PollAll(*second).size(), 2u);
}

TEST(MemoryBusTest, MembersOfAGroupSplitThePartitions) {
  MemoryBus bus(MemoryBusOptions{.partitions = 4});
  auto producer = std::move(bus.NewProducer()).value();
  auto first = Subscribe(bus, "g");
  auto second = Subscribe(bus, "g");
  std::vector<Message> batch;
  for (int i = 0; i < 40; ++i) batch.push_back(Make("key" + std::to_string(i), 0));
  PublishOrDie(*producer, batch);
  const auto got_first = PollAll(*first);
  const auto got_second = PollAll(*second);
  EXPECT_FALSE(got_first.empty());
  EXPECT_FALSE(got_second.empty());
  std::set<std::string> all;
  for (const auto& delivery : got_first) all.insert(delivery.message.id);
  for (const auto& delivery : got_second) EXPECT_TRUE(all.insert(delivery.message.id).second);
  EXPECT_EQ(all.size(), 40u);
}

TEST(MemoryBusTest, CommitAfterARebalanceIsRefused) {
  MemoryBus bus(MemoryBusOptions{.partitions = 2});
  auto producer = std::move(bus.NewProducer()).value();
  auto first = Subscribe(bus, "g");
  PublishOrDie(*producer, {Make("a", 0)});
  const auto polled = PollAll(*first);
  ASSERT_EQ(polled.size(), 1u);
  auto second = Subscribe(bus, "g");  // the group rebalances
  auto committed = first->Commit(polled);
  ASSERT_FALSE(committed.ok());
  EXPECT_EQ(committed.error().code, Errc::kConflict);
}

TEST(MemoryBusTest, FailedPublishStoresNothingFromTheFailedMessageOn) {
  MemoryBus bus(MemoryBusOptions{.partitions = 1});
  bus.SetFaultHook([](const Message& message) {
    return message.id == "a-1" ? Fault{FaultKind::kFailPublish} : Fault{};
  });
  auto producer = std::move(bus.NewProducer()).value();
  auto published =
      producer->Publish(std::vector<Message>{Make("a", 0), Make("a", 1), Make("a", 2)});
  ASSERT_FALSE(published.ok());
  EXPECT_EQ(published.error().code, Errc::kUnavailable);
  EXPECT_THAT(Ids(bus.Stored("orders")), ElementsAre("a-0"));
}

TEST(MemoryBusTest, DelayedMessageIsOvertakenByOtherKeysButNotByItsOwn) {
  MemoryBus bus(MemoryBusOptions{.partitions = 1});  // one partition: the log shows arrival order
  bus.SetFaultHook([](const Message& message) {
    return message.id == "a-0" ? Fault{FaultKind::kDelay, 2} : Fault{};
  });
  auto producer = std::move(bus.NewProducer()).value();
  PublishOrDie(*producer, {Make("a", 0), Make("a", 1), Make("b", 0), Make("b", 1), Make("b", 2)});
  EXPECT_THAT(Ids(bus.Stored("orders")), ElementsAre("b-0", "b-1", "a-0", "a-1", "b-2"));
  EXPECT_EQ(bus.DelayedCount(), 0u);
}

TEST(MemoryBusTest, ReordersOneKeyOnlyWhenAskedTo) {
  MemoryBus bus(MemoryBusOptions{.partitions = 1, .reorder_same_key = true});
  bus.SetFaultHook([](const Message& message) {
    return message.id == "a-0" ? Fault{FaultKind::kDelay, 5} : Fault{};
  });
  auto producer = std::move(bus.NewProducer()).value();
  PublishOrDie(*producer, {Make("a", 0), Make("a", 1)});
  EXPECT_EQ(bus.DelayedCount(), 1u);
  bus.ReleaseDelayed();
  EXPECT_THAT(Ids(bus.Stored("orders")), ElementsAre("a-1", "a-0"));
}

// Runs a fixed workload under random faults and returns what the broker stored.
std::vector<std::string> RunWithFaults(uint64_t seed, MemoryBusCounters& counters) {
  SeededRng rng(seed);
  MemoryBus bus(MemoryBusOptions{.partitions = 3});
  bus.SetFaultHook(RandomFaults(
      RandomFaultOptions{.drop_ppm = 50'000, .duplicate_ppm = 100'000, .delay_ppm = 100'000}, rng));
  auto producer = std::move(bus.NewProducer()).value();
  for (int sequence = 0; sequence < 50; ++sequence) {
    for (const std::string key : {"a", "b", "c", "d"})
      PublishOrDie(*producer, {Make(key, sequence)});
  }
  bus.ReleaseDelayed();
  counters = bus.counters();
  return Ids(bus.Stored("orders"));
}

TEST(MemoryBusTest, RandomFaultsReplayFromTheSeedAndKeepEachKeysOrder) {
  MemoryBusCounters first_counters, second_counters, other_counters;
  const auto first = RunWithFaults(7, first_counters);
  const auto second = RunWithFaults(7, second_counters);
  const auto other = RunWithFaults(8, other_counters);
  EXPECT_EQ(first, second);
  EXPECT_NE(first, other);
  EXPECT_GT(first_counters.dropped, 0u);
  EXPECT_GT(first_counters.duplicated, 0u);
  EXPECT_GT(first_counters.delayed, 0u);
  EXPECT_EQ(first_counters.stored, 200 - first_counters.dropped + first_counters.duplicated);
  // Duplicates and drops aside, each key's messages are stored in publish order.
  std::map<std::string, int> last_sequence;
  for (const std::string& id : first) {
    const std::string key = id.substr(0, 1);
    const int sequence = std::stoi(id.substr(2));
    auto it = last_sequence.find(key);
    if (it != last_sequence.end()) {
      EXPECT_GE(sequence, it->second) << id;
    }
    last_sequence[key] = sequence;
  }
}

}  // namespace
}  // namespace tinysaga::bus
