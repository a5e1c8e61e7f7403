#pragma once
// The messaging layer's interface: what every service and the saga engine use to publish and
// consume commands, replies and events. Two implementations: kafka/ (librdkafka, for real
// runs) and memory/ (deterministic, for tests and the simulator).
//
// Guarantees every implementation keeps (and the tests check):
// - Messages with the same key go to the same partition of a topic and are delivered in the
//   order they were acknowledged; different keys may interleave in any order.
// - Publish() returns ok only after the broker acknowledged every message of the batch. On an
//   error some messages may have been stored anyway (at least once): publish the whole batch
//   again. Within one batch, a message that failed is never followed by a stored message of
//   the same key, so a retry keeps each key's order (duplicates aside).
// - A consumer group stores one committed offset per partition. A message is delivered again
//   (to the same or another member) until an offset past it is committed, e.g. after a crash
//   or restart. Consumers commit only after the message's effects committed, and deduplicate
//   on Message::id (see inbox_consumer.h), which turns at-least-once delivery into
//   exactly-once effects.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tinysaga/core/result.h"

namespace tinysaga::bus {

using Headers = std::map<std::string, std::string>;

// Header names set by the bus itself.
inline constexpr std::string_view kHeaderMessageId =
    "message-id";  // Kafka carries Message::id here
inline constexpr std::string_view kHeaderMessageType =
    "message-type";  // and Message::type here, when the producer set one
inline constexpr std::string_view kHeaderDeadLetterReason = "dead-letter-reason";
inline constexpr std::string_view kHeaderDeadLetterSource =
    "dead-letter-source";  // topic/partition@offset
inline constexpr std::string_view kHeaderDeadLetterConsumer = "dead-letter-consumer";

struct Message {
  std::string id;  // unique per message; consumers deduplicate on it
  std::string topic;
  std::string key;      // partition key: the order id, so one order's messages stay in order
  std::string payload;  // JSON text
  Headers headers;  // small metadata (trace ids, dead-letter reasons); not persisted by the outbox
  // The payload's type as its producer named it ("PaymentCompleted"), or empty. Persisted by
  // the outbox and carried in a header, so that a consumer can acknowledge the types it has
  // nothing to do with without parsing them (InboxConsumerOptions::ignores).
  std::string type;

  bool operator==(const Message&) const = default;
};

// A message as a consumer received it, with where it came from.
struct Delivery {
  Message message;
  int32_t partition = 0;
  int64_t offset = 0;
};

// The topic that receives the messages of `topic` that could not be applied.
std::string DeadLetterTopic(std::string_view topic);
// `topics` followed by their dead-letter topics: what a broker creates for them.
std::vector<std::string> WithDeadLetterTopics(const std::vector<std::string>& topics);

// The producing side. Thread-safe; concurrent Publish() calls may be serialised.
class Producer {
 public:
  virtual ~Producer() = default;

  // Blocks until the broker acknowledged every message of the batch (ok), or until one failed
  // or the implementation's publish timeout passed (error; kUnavailable or kTimeout when a
  // retry may succeed). An empty batch is ok at once.
  virtual Result<void> Publish(std::span<const Message> batch) = 0;

  // For a shutdown, which must not wait on a broker that is gone: a Publish() still waiting
  // for acknowledgements a short grace after this call gives up (its messages are purged and it
  // returns an error, so an outbox keeps them to publish again), and every later Publish()
  // fails at once. Thread-safe. The default (an in-memory bus never waits) does nothing.
  virtual void Interrupt() {}
};

struct ConsumerOptions {
  std::string group;                // consumer group: its members share the partitions
  std::vector<std::string> topics;  // subscribed topics
};

// The consuming side: one member of a consumer group. Not thread-safe: one thread polls,
// processes and commits. Destroying it leaves the group; messages it polled but did not commit
// are delivered again to the group.
class Consumer {
 public:
  virtual ~Consumer() = default;

  // Waits up to wait_max for at least one message and returns up to max_messages (possibly
  // none). Successive polls continue where the previous one stopped, whether or not it was
  // committed; only a restart or a rebalance goes back to the committed offsets.
  virtual Result<std::vector<Delivery>> Poll(size_t max_messages,
                                             std::chrono::milliseconds wait_max) = 0;

  // Commits, for each partition among `processed`, the offset just past its last delivery.
  // Call only after their effects committed. May return before the broker stored the offsets
  // (Kafka commits asynchronously): a commit that fails or is lost only means the messages are
  // delivered again, and deduplicated by the inbox. kConflict when the partitions moved to
  // another member meanwhile.
  virtual Result<void> Commit(std::span<const Delivery> processed) = 0;

  // True once the member has joined its group and been given its partitions (possibly none),
  // i.e. messages published from now on will be consumed. The one method callable from any
  // thread (readiness checks). In-memory consumers are always joined.
  virtual bool Joined() const { return true; }
};

// Creates producers and consumers on one broker (or one in-memory log). Thread-safe. Must
// outlive nothing: producers and consumers keep what they need.
class Bus {
 public:
  virtual ~Bus() = default;
  virtual Result<std::unique_ptr<Producer>> NewProducer() = 0;
  virtual Result<std::unique_ptr<Consumer>> NewConsumer(const ConsumerOptions& options) = 0;
};

}  // namespace tinysaga::bus
