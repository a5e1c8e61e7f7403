// The broker against the client it is for: librdkafka, through the project's KafkaBus (an
// idempotent producer, consumer groups with manual commits).

#include "tinysaga/kafka_broker/broker.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <optional>

#include "tinysaga/bus/kafka/kafka_bus.h"
#include "wire.h"

namespace tinysaga::kafka_broker {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

constexpr auto kBound = std::chrono::seconds(30);

std::unique_ptr<Broker> StartBroker(int partitions = 4) {
  auto broker = Broker::Start({.topics = {"orders", "payments"}, .partitions = partitions});
  EXPECT_TRUE(broker.ok()) << broker.error().detail;
  return broker.ok() ? std::move(broker).value() : nullptr;
}

bus::KafkaBus BusOn(const Broker& broker,
                    std::chrono::milliseconds publish_timeout = std::chrono::milliseconds(10'000)) {
  return bus::KafkaBus(bus::KafkaOptions{.bootstrap_servers = broker.bootstrap_servers(),
                                         .publish_timeout = publish_timeout,
                                         .flush_timeout = std::chrono::milliseconds(1'000),
                                         .fetch_wait_max = std::chrono::milliseconds(500)});
}

std::vector<bus::Message> Messages(const std::string& prefix, int count) {
  std::vector<bus::Message> messages;
  for (int sequence = 0; sequence < count; ++sequence) {
    const std::string key = "ord_" + std::to_string(sequence % 3);
    messages.push_back(bus::Message{prefix + std::to_string(sequence),
                                    "orders",
                                    key,
                                    "{\"seq\":" + std::to_string(sequence) + "}",
                                    {{"trace-id", "t" + key}}});
  }
  return messages;
}

// Polls until `count` deliveries arrived (bounded), and commits them.
std::vector<bus::Delivery> Consume(bus::Consumer& consumer, size_t count) {
  std::vector<bus::Delivery> deliveries;
  const auto deadline = std::chrono::steady_clock::now() + kBound;
  while (deliveries.size() < count && std::chrono::steady_clock::now() < deadline) {
    auto polled = consumer.Poll(100, std::chrono::milliseconds(100));
    EXPECT_TRUE(polled.ok()) << polled.error().detail;
    if (!polled.ok()) break;
    deliveries.insert(deliveries.end(), polled->begin(), polled->end());
  }
  EXPECT_TRUE(consumer.Commit(deliveries).ok());
  return deliveries;
}

std::vector<std::string> IdsOf(const std::vector<bus::Delivery>& deliveries) {
  std::vector<std::string> ids;
  for (const bus::Delivery& delivery : deliveries) ids.push_back(delivery.message.id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

TEST(BrokerTest, AnIdempotentProducersMessagesReachAGroupInOrderPerKey) {
  auto broker = StartBroker();
  ASSERT_TRUE(broker);
  auto bus = BusOn(*broker);
  auto producer = bus.NewProducer();
  ASSERT_TRUE(producer.ok()) << producer.error().detail;
  const auto sent = Messages("m-", 30);
  ASSERT_TRUE((*producer)->Publish(sent).ok());

  auto consumer = bus.NewConsumer({"orders-group", {"orders"}});
  ASSERT_TRUE(consumer.ok()) << consumer.error().detail;
  const auto deliveries = Consume(**consumer, sent.size());
  ASSERT_EQ(deliveries.size(), sent.size());

  std::map<std::string, std::vector<int>> sequences_by_key;
  for (const bus::Delivery& delivery : deliveries) {
    const bus::Message& message = delivery.message;
    EXPECT_EQ(message.headers.at("trace-id"), "t" + message.key);
    sequences_by_key[message.key].push_back(std::stoi(message.id.substr(2)));
  }
  EXPECT_THAT(sequences_by_key["ord_0"], ElementsAre(0, 3, 6, 9, 12, 15, 18, 21, 24, 27));
  EXPECT_THAT(sequences_by_key["ord_1"], ElementsAre(1, 4, 7, 10, 13, 16, 19, 22, 25, 28));
}

TEST(BrokerTest, AGroupResumesFromItsCommittedOffsets) {
  auto broker = StartBroker();
  ASSERT_TRUE(broker);
  auto bus = BusOn(*broker);
  auto producer = bus.NewProducer();
  ASSERT_TRUE(producer.ok());
  const auto first = Messages("first-", 9);
  ASSERT_TRUE((*producer)->Publish(first).ok());
  {
    auto consumer = bus.NewConsumer({"resume", {"orders"}});
    ASSERT_TRUE(consumer.ok());
    EXPECT_EQ(Consume(**consumer, first.size()).size(), first.size());
  }  // leaves the group

  const auto second = Messages("second-", 6);
  ASSERT_TRUE((*producer)->Publish(second).ok());
  auto consumer = bus.NewConsumer({"resume", {"orders"}});
  ASSERT_TRUE(consumer.ok());
  const auto deliveries = Consume(**consumer, second.size());
  std::vector<std::string> expected;
  for (const bus::Message& message : second) expected.push_back(message.id);
  std::sort(expected.begin(), expected.end());
  EXPECT_THAT(IdsOf(deliveries), ElementsAreArray(expected)) << "nothing committed comes again";
}

TEST(BrokerTest, TwoMembersOfAGroupTogetherGetEveryMessage) {
  auto broker = StartBroker(/*partitions=*/6);
  ASSERT_TRUE(broker);
  auto bus = BusOn(*broker);
  auto producer = bus.NewProducer();
  ASSERT_TRUE(producer.ok());
  auto one = bus.NewConsumer({"shared", {"orders"}});
  auto two = bus.NewConsumer({"shared", {"orders"}});
  ASSERT_TRUE(one.ok() && two.ok());
  std::vector<bus::Message> sent;
  for (int sequence = 0; sequence < 60; ++sequence) {
    sent.push_back(bus::Message{
        "s-" + std::to_string(sequence), "orders", "key-" + std::to_string(sequence), "{}", {}});
  }
  ASSERT_TRUE((*producer)->Publish(sent).ok());

  // Both poll in turn until every message arrived once; the group rebalances meanwhile.
  std::map<std::string, int> times_seen;
  const auto deadline = std::chrono::steady_clock::now() + kBound;
  while (times_seen.size() < sent.size() && std::chrono::steady_clock::now() < deadline) {
    for (auto* consumer : {one->get(), two->get()}) {
      auto polled = consumer->Poll(100, std::chrono::milliseconds(50));
      ASSERT_TRUE(polled.ok());
      for (const bus::Delivery& delivery : *polled) {
        ++times_seen[delivery.message.id];
      }
      ASSERT_TRUE(consumer->Commit(*polled).ok());
    }
  }
  EXPECT_EQ(times_seen.size(), sent.size());
}

TEST(BrokerTest, AnUnknownTopicIsRefusedNotCreated) {
  auto broker = StartBroker();
  ASSERT_TRUE(broker);
  auto bus = BusOn(*broker, std::chrono::milliseconds(1'000));
  auto producer = bus.NewProducer();
  ASSERT_TRUE(producer.ok());
  const std::vector<bus::Message> stray = {bus::Message{"x-1", "no-such-topic", "k", "{}", {}}};
  EXPECT_FALSE((*producer)->Publish(stray).ok());
}

// A plain TCP connection to the broker that has sent `bytes`, reads bounded by 10 s; -1 if
// it could not connect or send.
int ConnectAndSend(const Broker& broker, const std::string& bytes) {
  const std::string& address = broker.bootstrap_servers();
  const int port = std::stoi(address.substr(address.rfind(':') + 1));
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval bound{.tv_sec = 10, .tv_usec = 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound);
  if (connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0 ||
      send(fd, bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size())) {
    close(fd);
    return -1;
  }
  return fd;
}

// Sends `bytes` on a new connection and reads until the broker closes it: the answer, or
// nullopt if the broker kept the connection open (for the 10 s bound).
std::optional<std::string> SendRaw(const Broker& broker, const std::string& bytes) {
  const int fd = ConnectAndSend(broker, bytes);
  if (fd < 0) return std::nullopt;
  std::string answer;
  char buffer[4096];
  ssize_t got = 0;
  while ((got = recv(fd, buffer, sizeof buffer, 0)) > 0) answer.append(buffer, got);
  close(fd);
  if (got < 0) return std::nullopt;  // timed out: still open
  return answer;
}

std::string Framed(const std::string& request) {
  Writer frame;
  frame.Int32(static_cast<int32_t>(request.size()));
  return frame.Take() + request;
}

TEST(BrokerTest, AMalformedRequestClosesOnlyItsConnection) {
  auto broker = StartBroker();
  ASSERT_TRUE(broker);
  Writer cut;  // a Produce v3 header, then a body that ends inside its first field
  cut.Int16(0);
  cut.Int16(3);
  cut.Int32(7);
  cut.String("fuzzer");
  cut.Int16(100);
  Writer unknown;  // an API this broker does not offer
  unknown.Int16(57);
  unknown.Int16(0);
  unknown.Int32(8);
  unknown.String("fuzzer");
  Writer huge;  // a size no client sends
  huge.Int32(1'000'000'000);
  for (const std::string& request :
       {Framed(cut.bytes()), Framed(unknown.bytes()), huge.bytes(), Framed("ab")}) {
    EXPECT_EQ(SendRaw(*broker, request), std::optional<std::string>(""))
        << "closed without an answer";
  }

  auto bus = BusOn(*broker);
  auto producer = bus.NewProducer();
  ASSERT_TRUE(producer.ok());
  const auto sent = Messages("after-", 3);
  ASSERT_TRUE((*producer)->Publish(sent).ok()) << "the broker still serves everyone else";
  auto consumer = bus.NewConsumer({"after", {"orders"}});
  ASSERT_TRUE(consumer.ok());
  EXPECT_EQ(Consume(**consumer, sent.size()).size(), sent.size());
}

TEST(BrokerTest, ApiVersionsAnswersTheFlexibleV3ThatLibrdkafkaSendsFirst) {
  auto broker = StartBroker();
  ASSERT_TRUE(broker);
  Writer request;
  request.Int16(18);  // ApiVersions
  request.Int16(3);
  request.Int32(42);  // correlation id
  request.String("probe");
  request.UnsignedVarint(0);  // header tagged fields
  request.UnsignedVarint(6);  // client software name "probe", compact
  request.Int8('p');
  request.Int8('r');
  request.Int8('o');
  request.Int8('b');
  request.Int8('e');
  request.UnsignedVarint(2);  // version "1"
  request.Int8('1');
  request.UnsignedVarint(0);  // body tagged fields
  // The broker answers, then waits for the next request on the connection: only the
  // answer's start is read.
  const int fd = ConnectAndSend(*broker, Framed(request.bytes()));
  ASSERT_GE(fd, 0);
  char head[10];
  ASSERT_EQ(recv(fd, head, sizeof head, MSG_WAITALL), static_cast<ssize_t>(sizeof head));
  close(fd);
  Reader answer(std::string_view(head, sizeof head));
  EXPECT_GT(answer.Int32(), 0);   // size
  EXPECT_EQ(answer.Int32(), 42);  // correlation id, in a v0 response header
  EXPECT_EQ(answer.Int16(), 0);   // no error
}

}  // namespace
}  // namespace tinysaga::kafka_broker
