#pragma once
// A service's Kafka side (DESIGN.md, Guarantees): one producer, the outbox relay that
// publishes the service's outbox, and one inbox consumer per subscription, each on its own
// thread. Services write their outgoing messages with AppendMessage() inside the transaction
// of the state change that causes them, and receive messages through handlers that run inside
// the inbox transaction (bus/inbox_consumer.h): effects, replies and the inbox row commit
// together, offsets are committed afterwards.
//
// Lifecycle: created by CreateService when the service has a broker (ServiceConfig::kafka),
// owned by the ServiceContext. Services Subscribe() while registering their routes;
// RunService Start()s it before serving and Stop()s it after the server stopped, before the
// service's parts are destroyed, so no handler runs while they go.
// Thread-safe: NotifyOutbox() and Consuming() from any thread; Subscribe() before Start().

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tinysaga/bus/bus.h"
#include "tinysaga/bus/inbox_consumer.h"
#include "tinysaga/bus/outbox_relay.h"
#include "tinysaga/contracts/messages.h"
#include "tinysaga/core/clock.h"
#include "tinysaga/core/result.h"
#include "tinysaga/core/rng.h"

namespace soci {
class session;
}
namespace prometheus {
class Registry;
}
namespace tinysaga::storage {
class Db;
}

namespace tinysaga::platform {

// Puts `message` in the outbox, to be published on `topic` keyed by its order id. Call inside
// the Db::Write transaction of the state change that causes it.
void AppendMessage(soci::session& session, std::string_view topic,
                   const contracts::Message& message, TimestampMs now_ms);

// The reply to a saga command: the command's saga and order ids and traceparent, causation id =
// the command's message id, a new message id. Append it to kSagaRepliesTopic.
contracts::Message ReplyTo(const contracts::Message& command, contracts::Payload reply,
                           TimestampMs now_ms, Rng& rng);

// A message caused by `cause` in saga `saga_id`: the cause's order id and traceparent,
// causation id = the cause's message id, a new message id. In choreography a service's
// reaction to another's event is one of these (e.g. StockReserved after PaymentCompleted).
contracts::Message FollowUp(const contracts::Message& cause, SagaId saga_id,
                            contracts::Payload payload, TimestampMs now_ms, Rng& rng);

// A new event about `order_id` (outside any saga: no saga id), e.g. PaymentCompleted.
contracts::Message NewEvent(const OrderId& order_id, contracts::Payload event, TimestampMs now_ms,
                            Rng& rng, std::string traceparent = {});

// A handler of parsed messages. Return ok when the effects are applied (or the message needs
// none), a retryable error (kUnavailable, kTimeout) to be called again later, any other error
// to dead-letter the message with the error's detail as the reason.
using MessageHandler =
    std::function<Result<void>(soci::session& session, const contracts::Message& message)>;

// The message types a handler does nothing with, whatever the database holds (see
// bus::InboxConsumerOptions::ignores); empty: none known.
using IgnoredTypes = std::function<bool(std::string_view type)>;

// How often a service's consumers commit their offsets (bus::InboxConsumerOptions::
// commit_interval). Committing after every poll cost a broker round trip per poll: most of a
// busy consumer's polls hold one message or two.
inline constexpr std::chrono::milliseconds kOffsetCommitInterval{100};

// Parses each delivery with the contracts' strict codec (unparsable: dead-lettered) and hands
// the message to `handler`.
bus::InboxHandler ParsedHandler(MessageHandler handler);

class Messaging {
 public:
  // `bus` creates the producer and consumers: KafkaBus in a service, MemoryBus in tests.
  // The Db, clock and registry must outlive it.
  static Result<std::unique_ptr<Messaging>> Create(std::string service_name,
                                                   std::shared_ptr<bus::Bus> bus, storage::Db& db,
                                                   const Clock& clock,
                                                   prometheus::Registry& registry);
  ~Messaging();
  Messaging(const Messaging&) = delete;
  Messaging& operator=(const Messaging&) = delete;

  // Consumes `topics` in consumer group "<service>.<name>" with `handler`. Before Start().
  // `after_commit`, when given, runs on the consumer's thread after each batch of effects
  // committed, e.g. to wake a worker for what the handler queued. The messages of a type in
  // `ignores` (Handlers::IgnoredBy) are acknowledged without a transaction.
  Result<void> Subscribe(std::string_view name, std::vector<std::string> topics,
                         MessageHandler handler, std::function<void()> after_commit = {},
                         IgnoredTypes ignores = {});

  // Records which broker the service talks to (its bootstrap servers). When it differs from
  // the one recorded last time, the broker may not have what was published before (a
  // development broker keeps everything in memory and gets new ports when it restarts), so
  // every retained outbox row is published again; consumers' inboxes drop the duplicates.
  // Returns how many rows will be republished.
  Result<size_t> UseBroker(const std::string& broker_identity);

  // Starts the relay and every consumer, each on its own thread.
  void Start();
  // Stops and joins them; the consumers leave their groups. Idempotent.
  void Stop();

  // Wakes the relay: call after committing a transaction that used AppendMessage().
  // (Consumers' transactions notify by themselves.)
  void NotifyOutbox();

  // True when every subscription has joined its consumer group: until then the service's
  // messages wait for the group's join (~3 s on the development broker). Not readiness: the
  // HTTP API is served meanwhile (/readyz reports it as "consumers", `tinysaga up` waits for
  // it before it says ready, /metrics as tinysaga_consumers_joined).
  bool Consuming() const;

  // Unsent outbox rows right now (readiness, tinysaga check, tests).
  Result<int64_t> OutboxBacklog();

  // Brings the Prometheus metrics (outbox backlog, published, applied, duplicates, dead
  // letters, retries) up to date; the /metrics route calls it before serializing. The consumer
  // lag, tinysaga_consumer_lag_seconds{group}, is observed as messages are applied instead:
  // from a message's envelope time (its writer's clock) to its handler's success (this
  // clock), so the wait in the writer's outbox counts too. A consumer that applies nothing
  // observes nothing; tinysaga_messages_consumed_total then stops moving too.
  void UpdateMetrics();

  bus::Producer& producer() { return *producer_; }

 private:
  struct Subscription;
  struct Metrics;
  Messaging(std::string service_name, std::shared_ptr<bus::Bus> bus, storage::Db& db,
            const Clock& clock);

  const std::string service_name_;
  std::shared_ptr<bus::Bus> bus_;
  storage::Db& db_;
  const Clock& clock_;
  std::unique_ptr<bus::Producer> producer_;
  std::unique_ptr<bus::OutboxRelay> relay_;
  std::vector<std::unique_ptr<Subscription>> subscriptions_;
  std::vector<std::thread> threads_;
  std::atomic<bool> started_{false};  // read by readiness checks on other threads
  std::unique_ptr<Metrics> metrics_;
};

}  // namespace tinysaga::platform
