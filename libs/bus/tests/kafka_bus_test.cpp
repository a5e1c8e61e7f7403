// Integration tests against the development broker (libs/kafka_broker), started in this
// process: the Kafka adapter's producer and consumer really talk the Kafka protocol.

#include "tinysaga/bus/kafka/kafka_bus.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "tinysaga/kafka_broker/broker.h"

namespace tinysaga::bus {
namespace {

using ::testing::ElementsAre;

TEST(KafkaBusTest, PublishesAndConsumesInOrderPerKeyThroughTheBroker) {
  auto cluster = kafka_broker::Broker::Start({.topics = {"orders"}, .partitions = 4});
  ASSERT_TRUE(cluster.ok()) << cluster.error().detail;
  KafkaBus bus(KafkaOptions{.bootstrap_servers = (*cluster)->bootstrap_servers(),
                            .publish_timeout = std::chrono::milliseconds(10'000),
                            .flush_timeout = std::chrono::milliseconds(1'000)});
  auto producer = bus.NewProducer();
  ASSERT_TRUE(producer.ok()) << producer.error().detail;

  std::vector<Message> batch;
  for (int sequence = 0; sequence < 5; ++sequence) {
    for (const std::string key : {"ord_a", "ord_b"}) {
      batch.push_back(Message{key + "-" + std::to_string(sequence),
                              "orders",
                              key,
                              "{\"seq\":" + std::to_string(sequence) + "}",
                              {{"trace-id", "t" + key}},
                              sequence % 2 == 0 ? "Even" : ""});
    }
  }
  auto published = (*producer)->Publish(batch);
  ASSERT_TRUE(published.ok()) << published.error().detail;

  auto consumer = bus.NewConsumer({"kafka-test", {"orders"}});
  ASSERT_TRUE(consumer.ok()) << consumer.error().detail;
  std::vector<Delivery> deliveries;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (deliveries.size() < batch.size() && std::chrono::steady_clock::now() < deadline) {
    auto polled = (*consumer)->Poll(100, std::chrono::milliseconds(200));
    ASSERT_TRUE(polled.ok()) << polled.error().detail;
    deliveries.insert(deliveries.end(), polled->begin(), polled->end());
  }
  ASSERT_EQ(deliveries.size(), batch.size());
  auto committed = (*consumer)->Commit(deliveries);
  EXPECT_TRUE(committed.ok()) << committed.error().detail;

  std::map<std::string, std::vector<std::string>> ids_by_key;
  std::map<std::string, int32_t> partition_of;
  for (const Delivery& delivery : deliveries) {
    const Message& message = delivery.message;
    ids_by_key[message.key].push_back(message.id);
    EXPECT_EQ(message.topic, "orders");
    EXPECT_EQ(message.headers.at("trace-id"), "t" + message.key);
    EXPECT_EQ(message.headers.count(std::string(kHeaderMessageId)), 0u);  // carried in Message::id
    EXPECT_EQ(message.headers.count(std::string(kHeaderMessageType)), 0u);  // in Message::type
    EXPECT_EQ(message.type, message.id.back() % 2 == 0 ? "Even" : "");
    EXPECT_EQ(message.payload, "{\"seq\":" + message.id.substr(message.id.size() - 1) + "}");
    auto [it, inserted] = partition_of.emplace(message.key, delivery.partition);
    EXPECT_EQ(it->second, delivery.partition) << "one key, one partition";
  }
  EXPECT_THAT(ids_by_key["ord_a"],
              ElementsAre("ord_a-0", "ord_a-1", "ord_a-2", "ord_a-3", "ord_a-4"));
  EXPECT_THAT(ids_by_key["ord_b"],
              ElementsAre("ord_b-0", "ord_b-1", "ord_b-2", "ord_b-3", "ord_b-4"));
}

// A shutdown does not wait on a broker that is gone (issue 11, broker outage): after
// Interrupt(), a Publish() that would wait out its publish timeout (30 s + 5 s) fails soon, so
// the outbox keeps its rows. Whichever of the two calls comes first, the answer is the same;
// a Publish() already waiting (purged after a 1 s grace) is what crash.broker_outage.* meets
// when `up` stops with the broker gone.
TEST(KafkaBusTest, AnInterruptedPublishGivesUpSoonWhenTheBrokerIsGone) {
  auto cluster = kafka_broker::Broker::Start({.topics = {"orders"}});
  ASSERT_TRUE(cluster.ok()) << cluster.error().detail;
  KafkaBus bus(KafkaOptions{.bootstrap_servers = (*cluster)->bootstrap_servers(),
                            .publish_timeout = std::chrono::milliseconds(30'000),
                            .flush_timeout = std::chrono::milliseconds(1'000)});
  auto producer = bus.NewProducer();
  ASSERT_TRUE(producer.ok()) << producer.error().detail;
  const std::vector<Message> batch = {Message{"m-1", "orders", "ord_a", "{}", {}}};
  ASSERT_TRUE((*producer)->Publish(batch).ok());
  cluster->reset();  // the broker is gone, with its ports

  const auto started = std::chrono::steady_clock::now();
  Result<void> published = Ok();
  std::thread publisher([&] { published = (*producer)->Publish(batch); });
  (*producer)->Interrupt();  // before or during the Publish(): either way it must end soon
  publisher.join();
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_FALSE(published.ok()) << "acknowledged by a broker that is gone";
  EXPECT_LT(took, std::chrono::seconds(10)) << "waited for the publish timeout";
  EXPECT_FALSE((*producer)->Publish(batch).ok());
}

}  // namespace
}  // namespace tinysaga::bus
