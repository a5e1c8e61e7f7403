#include "tinysaga/bus/kafka/kafka_bus.h"

#include <librdkafka/rdkafkacpp.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "../log.h"

namespace tinysaga::bus {
namespace {

using SteadyClock = std::chrono::steady_clock;

struct Setting {
  std::string name;
  std::string value;
};

std::string Ms(std::chrono::milliseconds duration) { return std::to_string(duration.count()); }

// Options both sides share. Each is explicit, with why, so no librdkafka default decides
// anything silently (STYLE.md habit 9).
std::vector<Setting> CommonSettings(const KafkaOptions& options) {
  return {
      {"bootstrap.servers", options.bootstrap_servers},
      // Shows up in broker logs and quotas: which process a connection belongs to.
      {"client.id", options.client_id},
      // Topics are created by the operator (or `tinysaga broker`); a typo must fail, not
      // create a one-partition topic that breaks the partitioning plan.
      {"allow.auto.create.topics", "false"},
      // The development broker closes idle connections; logging each close is noise.
      {"log.connection.close", "false"},
      // Detects half-open connections to a broker that vanished (e.g. a killed broker process).
      {"socket.keepalive.enable", "true"},
      // Small requests go out at once: with Nagle's algorithm a saga step waited ~40 ms for
      // delayed ACKs (measured: ~300 ms per saga before, see libs/bus/README.md).
      {"socket.nagle.disable", "true"},
      // Short reconnect backoff: the development broker restarts within a second.
      {"reconnect.backoff.ms", "100"},
      {"reconnect.backoff.max.ms", "2000"},
      // A request without an answer for this long is retried on a new connection.
      {"socket.timeout.ms", "10000"},
      // New partitions and moved leaders are noticed within a minute without an error first.
      {"topic.metadata.refresh.interval.ms", "60000"},
      // Statistics are not collected (no stats callback); metrics come from our own counters.
      {"statistics.interval.ms", "0"},
      // Larger than any saga message; a message above it fails at once instead of at the broker.
      {"message.max.bytes", "1000000"},
  };
}

std::vector<Setting> ProducerSettings(const KafkaOptions& options) {
  std::vector<Setting> settings = CommonSettings(options);
  const std::vector<Setting> producer = {
      // Exactly once and in order per partition even when librdkafka retries a request whose
      // acknowledgement was lost; implies acks=all and at most 5 requests in flight.
      {"enable.idempotence", "true"},
      // Acknowledged means stored by every in-sync replica: the outbox marks rows sent on it.
      {"acks", "all"},
      // One request at a time per connection. librdkafka sends a produce request per
      // partition; with several in flight, the development broker (whose sockets keep Nagle's
      // algorithm) held every answer after the first for the 40 ms delayed ACK: a batch of 6
      // messages over 6 partitions took 44 ms to be acknowledged, 0.4 ms with one in flight.
      {"max.in.flight.requests.per.connection", "1"},
      // Retry until message.timeout.ms rather than counting attempts: the deadline is what the
      // relay waits for.
      {"retries", "2147483647"},
      {"retry.backoff.ms", "100"},
      // A Publish() enqueues its whole batch at once, so there is nothing to wait for: every
      // message goes out at once (the relay's batch is the batching).
      {"linger.ms", "0"},
      // Large batches for throughput; the relay's own batch bound is smaller.
      {"batch.num.messages", "10000"},
      {"batch.size", "1000000"},
      // None: a batch here is a message or a few (the relay publishes as rows commit), and
      // compressing each one cost more than the bytes it saved. With lz4, every batch paid for
      // a compression context and frame buffers in the producer, and their twins in every
      // consumer: `tinysaga bench` orchestration C=64 used 8% more CPU per saga in every
      // process and ran 8% fewer sagas per second (issue 10). The bytes saved were on loopback.
      {"compression.type", "none"},
      // How long a message may wait for its acknowledgement before its report says failed.
      {"message.timeout.ms", Ms(options.publish_timeout)},
      // The broker's own wait for the replicas; below message.timeout.ms so a retry fits.
      {"request.timeout.ms", "10000"},
      // Bounded local queue: a full queue makes Publish() wait (backpressure) instead of
      // growing memory without limit.
      {"queue.buffering.max.messages", "100000"},
      {"queue.buffering.max.kbytes", "65536"},
      // Java-compatible key hashing, so other clients put a key in the same partition.
      {"partitioner", "murmur2_random"},
      // Off: experimental in librdkafka 2.0 (it logs a warning at every start) and not needed:
      // idempotence already retries in order, and a failed Publish() is repeated as a whole.
      {"enable.gapless.guarantee", "false"},
  };
  settings.insert(settings.end(), producer.begin(), producer.end());
  return settings;
}

std::vector<Setting> ConsumerSettings(const KafkaOptions& options, const std::string& group) {
  std::vector<Setting> settings = CommonSettings(options);
  const std::vector<Setting> consumer = {
      {"group.id", group},
      // Offsets are committed only by Commit(), after the effects committed; auto-commit
      // would commit messages whose effects were never applied.
      {"enable.auto.commit", "false"},
      // Commit() names its offsets explicitly, so librdkafka's offset store is not used.
      {"enable.auto.offset.store", "false"},
      // A new group starts at the beginning: nothing published before it joined is lost.
      {"auto.offset.reset", "earliest"},
      // How long the broker may hold a fetch that found nothing. Kafka and the development
      // broker answer a held fetch as soon as a message arrives, so a long wait adds no
      // latency; a short one costs idle fetch round trips (bench/kafka_hop_bench: 0.10 cores
      // idle at 1 ms, 0.01 at 100 ms, the same 0.12 ms per hop).
      {"fetch.wait.max.ms", Ms(options.fetch_wait_max)},
      {"fetch.min.bytes", "1"},
      // A crashed member's partitions move after this long; small because restarts are
      // normal here. (The development broker also moves them when the member's connection
      // closes, which a killed process's does at once.)
      {"session.timeout.ms", Ms(options.session_timeout)},
      // A third of the session timeout, as Kafka recommends: two heartbeats may be lost.
      {"heartbeat.interval.ms", Ms(options.session_timeout / 3)},
      // A handler that retries a busy database may take a while; beyond 5 minutes the member
      // is considered stuck, leaves the group, and its messages go to another member.
      {"max.poll.interval.ms", "300000"},
      // Even spread of partitions over the group's members; eager rebalancing, which the mock
      // broker supports (cooperative-sticky is not needed for groups this small).
      {"partition.assignment.strategy", "roundrobin"},
      // End-of-partition events are not used.
      {"enable.partition.eof", "false"},
      // No transactions are used (the development broker has none).
      {"isolation.level", "read_uncommitted"},
      // Bounded prefetch: at most 16 MiB of fetched messages wait in the local queue.
      {"queued.max.messages.kbytes", "16384"},
      {"queued.min.messages", "10000"},
      {"max.partition.fetch.bytes", "1048576"},
      {"fetch.max.bytes", "16777216"},
      // Corruption on the wire or disk is detected rather than applied.
      {"check.crcs", "true"},
  };
  settings.insert(settings.end(), consumer.begin(), consumer.end());
  return settings;
}

Result<void> Apply(RdKafka::Conf& conf, const std::vector<Setting>& settings) {
  std::string error;
  for (const Setting& setting : settings) {
    if (conf.set(setting.name, setting.value, error) != RdKafka::Conf::CONF_OK) {
      return MakeError(Errc::kInternal, "librdkafka option " + setting.name + ": " + error);
    }
  }
  return Ok();
}

Error FromKafka(RdKafka::ErrorCode code, std::string_view what) {
  const std::string detail = std::string(what) + ": " + RdKafka::err2str(code);
  switch (code) {
    case RdKafka::ERR__TIMED_OUT:
    case RdKafka::ERR__MSG_TIMED_OUT:
    case RdKafka::ERR_REQUEST_TIMED_OUT:
      return MakeError(Errc::kTimeout, detail);
    case RdKafka::ERR_REBALANCE_IN_PROGRESS:
    case RdKafka::ERR_ILLEGAL_GENERATION:
    case RdKafka::ERR_UNKNOWN_MEMBER_ID:
    case RdKafka::ERR__ASSIGN_PARTITIONS:
    case RdKafka::ERR__REVOKE_PARTITIONS:
      return MakeError(Errc::kConflict, detail);
    case RdKafka::ERR__FATAL:
    case RdKafka::ERR__INVALID_ARG:
    case RdKafka::ERR_MSG_SIZE_TOO_LARGE:
    case RdKafka::ERR_TOPIC_AUTHORIZATION_FAILED:
      return MakeError(Errc::kInternal, detail);
    default:
      // Broker down, leader moved, coordinator loading, queue full: librdkafka or the caller's
      // next attempt may succeed.
      return MakeError(Errc::kUnavailable, detail);
  }
}

// Routes librdkafka's errors and logs to the "bus" logger. Runs on librdkafka's threads or
// inside poll(); never throws.
class EventLogger final : public RdKafka::EventCb {
 public:
  void event_cb(RdKafka::Event& event) override {
    try {
      if (event.type() == RdKafka::Event::EVENT_ERROR) {
        if (event.fatal()) {
          Log()->error("kafka fatal error: {} {}", RdKafka::err2str(event.err()), event.str());
        } else {
          Log()->warn("kafka error: {} {}", RdKafka::err2str(event.err()), event.str());
        }
      } else if (event.type() == RdKafka::Event::EVENT_LOG) {
        // A broker that answers Metadata below v4 cannot honour allow.auto.create.topics, and
        // librdkafka warns about it on every connection; it changes nothing for us.
        const auto level =
            event.fac() == "AUTOCREATE" ? spdlog::level::debug : LevelOf(event.severity());
        Log()->log(level, "kafka {}: {}", event.fac(), event.str());
      }
    } catch (...) {  // a logging failure must not unwind into librdkafka
    }
  }

 private:
  static spdlog::level::level_enum LevelOf(RdKafka::Event::Severity severity) {
    if (severity <= RdKafka::Event::EVENT_SEVERITY_ERROR) return spdlog::level::err;
    if (severity == RdKafka::Event::EVENT_SEVERITY_WARNING) return spdlog::level::warn;
    if (severity <= RdKafka::Event::EVENT_SEVERITY_INFO) return spdlog::level::info;
    return spdlog::level::debug;
  }
};

// What one Publish() waits for. Shared with every message's opaque, so a report that arrives
// after Publish() gave up still finds it alive.
struct BatchState {
  std::atomic<size_t> pending{0};
  std::mutex mutex;
  std::optional<Error> first_error;

  void Fail(Error error) {
    std::lock_guard lock(mutex);
    if (!first_error) first_error = std::move(error);
  }
};

using BatchOpaque = std::shared_ptr<BatchState>;

// Counts delivery reports against their batch. Runs inside poll(); never throws.
class DeliveryReports final : public RdKafka::DeliveryReportCb {
 public:
  void dr_cb(RdKafka::Message& message) override {
    auto* opaque = static_cast<BatchOpaque*>(message.msg_opaque());
    if (opaque == nullptr) return;
    try {
      if (message.err() != RdKafka::ERR_NO_ERROR) {
        (*opaque)->Fail(FromKafka(message.err(), "publish to " + message.topic_name()));
      }
      --(*opaque)->pending;
    } catch (...) {
      --(*opaque)->pending;  // an allocation failure above must still release the batch
    }
    delete opaque;
  }
};

RdKafka::Headers* NewHeaders(const Message& message) {
  RdKafka::Headers* headers = RdKafka::Headers::create();
  headers->add(std::string(kHeaderMessageId), message.id);
  if (!message.type.empty()) headers->add(std::string(kHeaderMessageType), message.type);
  for (const auto& [name, value] : message.headers) headers->add(name, value);
  return headers;
}

// Lifecycle: Create() makes the handle; the destructor flushes for up to flush_timeout, purges
// what is left and serves the remaining reports so no opaque leaks. Thread-safe: Publish()
// calls are serialised by a mutex, which also guards replacing a handle after a fatal error.
class KafkaProducer final : public Producer {
  static constexpr int kMetadataWarmTimeoutMs = 2000;
  // After Interrupt(), how long a Publish() still waits for acknowledgements: a live broker
  // answers within milliseconds, so a shutdown with a broker up does not purge (which would
  // only cause duplicates), and one with the broker gone ends well within `up`'s 10 s grace.
  static constexpr auto kInterruptGrace = std::chrono::milliseconds(1'000);

 public:
  static Result<std::unique_ptr<KafkaProducer>> Create(const KafkaOptions& options) {
    std::unique_ptr<KafkaProducer> producer(new KafkaProducer(options));
    TS_RETURN_IF_ERROR(producer->Connect());
    return producer;
  }

  ~KafkaProducer() override { Close(); }

  void Interrupt() override {
    interrupt_grace_end_ns_.store((SteadyClock::now() + kInterruptGrace).time_since_epoch().count());
    interrupted_.store(true);
  }

  Result<void> Publish(std::span<const Message> batch) override {
    if (batch.empty()) return Ok();
    if (interrupted_.load()) return MakeError(Errc::kUnavailable, "the producer is shutting down");
    std::lock_guard lock(mutex_);
    std::string fatal;
    if (handle_->fatal_error(fatal) != RdKafka::ERR_NO_ERROR) {
      Log()->error("kafka producer fatal error ({}); recreating the producer", fatal);
      Close();
      TS_RETURN_IF_ERROR(Connect());
    }
    auto state = std::make_shared<BatchState>();
    state->pending = batch.size();
    const auto deadline = SteadyClock::now() + options_.publish_timeout + std::chrono::seconds(5);
    for (size_t i = 0; i < batch.size(); ++i) {
      if (auto produced = Produce(batch[i], state, deadline); !produced.ok()) {
        state->Fail(produced.error());
        state->pending -= batch.size() - i;  // these will never have a report
        break;
      }
    }
    return Await(*state, deadline);
  }

 private:
  explicit KafkaProducer(KafkaOptions options) : options_(std::move(options)) {}

  Result<void> Connect() {
    std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    TS_RETURN_IF_ERROR(Apply(*conf, ProducerSettings(options_)));
    std::string error;
    if (conf->set("event_cb", static_cast<RdKafka::EventCb*>(&events_), error) !=
            RdKafka::Conf::CONF_OK ||
        conf->set("dr_cb", static_cast<RdKafka::DeliveryReportCb*>(&reports_), error) !=
            RdKafka::Conf::CONF_OK) {
      return MakeError(Errc::kInternal, "librdkafka callbacks: " + error);
    }
    handle_.reset(RdKafka::Producer::create(conf.get(), error));
    if (!handle_) return MakeError(Errc::kInternal, "cannot create kafka producer: " + error);
    WarmMetadata();
    return Ok();
  }

  // Learns every topic's partitions now. Otherwise the first message to each topic waits for
  // the metadata librdkafka asks only then, and the first sagas after a start took seconds.
  // Best effort: without an answer in time, the first publishes simply wait as before.
  void WarmMetadata() {
    RdKafka::Metadata* metadata = nullptr;
    const RdKafka::ErrorCode code =
        handle_->metadata(/*all_topics=*/true, nullptr, &metadata, kMetadataWarmTimeoutMs);
    if (code != RdKafka::ERR_NO_ERROR) {
      Log()->info("kafka producer: no metadata yet ({}); the first publishes will wait for it",
                  RdKafka::err2str(code));
    }
    delete metadata;
  }

  void Close() {
    if (!handle_) return;
    if (handle_->flush(static_cast<int>(options_.flush_timeout.count())) != RdKafka::ERR_NO_ERROR) {
      Log()->warn("kafka producer closed with {} messages unacknowledged", handle_->outq_len());
      handle_->purge(RdKafka::Producer::PURGE_QUEUE | RdKafka::Producer::PURGE_INFLIGHT);
      handle_->poll(0);  // serves the purged messages' reports, which free their opaques
    }
    handle_.reset();
  }

  // Enqueues one message; a full local queue waits (serving reports) until the deadline.
  Result<void> Produce(const Message& message, const std::shared_ptr<BatchState>& state,
                       SteadyClock::time_point deadline) {
    for (;;) {
      RdKafka::Headers* headers = NewHeaders(message);
      auto* opaque = new BatchOpaque(state);
      const RdKafka::ErrorCode code = handle_->produce(
          message.topic, RdKafka::Topic::PARTITION_UA, RdKafka::Producer::RK_MSG_COPY,
          const_cast<char*>(message.payload.data()), message.payload.size(), message.key.data(),
          message.key.size(), 0, headers, opaque);
      if (code == RdKafka::ERR_NO_ERROR) return Ok();  // librdkafka now owns the headers
      delete headers;
      delete opaque;
      if (code != RdKafka::ERR__QUEUE_FULL || SteadyClock::now() >= deadline) {
        return FromKafka(code, "publish to " + message.topic);
      }
      handle_->poll(10);
    }
  }

  Result<void> Await(BatchState& state, SteadyClock::time_point deadline) {
    bool purged = false;
    while (state.pending > 0 && SteadyClock::now() < deadline) {
      if (!purged && InterruptGraceOver()) {
        // The reports of the purged messages say so (ERR__PURGE_*), served by the next polls.
        handle_->purge(RdKafka::Producer::PURGE_QUEUE | RdKafka::Producer::PURGE_INFLIGHT);
        purged = true;
        deadline = std::min(deadline, SteadyClock::now() + kInterruptGrace);
      }
      handle_->poll(10);
    }
    std::lock_guard lock(state.mutex);
    if (state.first_error) return *state.first_error;
    if (state.pending > 0) return MakeError(Errc::kTimeout, "kafka did not acknowledge in time");
    return Ok();
  }

  bool InterruptGraceOver() const {
    if (!interrupted_.load()) return false;
    return SteadyClock::now().time_since_epoch().count() >= interrupt_grace_end_ns_.load();
  }

  const KafkaOptions options_;
  std::mutex mutex_;
  std::atomic<bool> interrupted_{false};
  std::atomic<SteadyClock::rep> interrupt_grace_end_ns_{0};  // SteadyClock ticks
  // The callbacks are declared before the handle, so they outlive it.
  EventLogger events_;
  DeliveryReports reports_;
  std::unique_ptr<RdKafka::Producer> handle_;
};

Delivery ToDelivery(RdKafka::Message& kafka_message) {
  Delivery delivery;
  delivery.partition = kafka_message.partition();
  delivery.offset = kafka_message.offset();
  Message& message = delivery.message;
  message.topic = kafka_message.topic_name();
  if (kafka_message.key() != nullptr) message.key = *kafka_message.key();
  if (kafka_message.payload() != nullptr) {
    message.payload.assign(static_cast<const char*>(kafka_message.payload()), kafka_message.len());
  }
  if (RdKafka::Headers* headers = kafka_message.headers(); headers != nullptr) {
    for (const RdKafka::Headers::Header& header : headers->get_all()) {
      std::string value;
      if (header.value() != nullptr) value.assign(header.value_string(), header.value_size());
      if (header.key() == kHeaderMessageId) {
        message.id = std::move(value);
      } else if (header.key() == kHeaderMessageType) {
        message.type = std::move(value);
      } else {
        message.headers[header.key()] = std::move(value);
      }
    }
  }
  return delivery;
}

// Lifecycle: Create() subscribes; the destructor closes the consumer, which leaves the group
// at once so its partitions move without waiting for the session timeout. Not thread-safe.
// Applies the group's assignments (eager protocol: assign on ASSIGN, unassign on REVOKE, as
// librdkafka does without a callback) and remembers that the member has joined, even with no
// partitions (a group with more members than partitions).
class JoinTracker final : public RdKafka::RebalanceCb {
 public:
  void rebalance_cb(RdKafka::KafkaConsumer* consumer, RdKafka::ErrorCode code,
                    std::vector<RdKafka::TopicPartition*>& partitions) override {
    if (code == RdKafka::ERR__ASSIGN_PARTITIONS) {
      consumer->assign(partitions);
      joined_.store(true);
    } else {
      consumer->unassign();
    }
  }
  bool joined() const { return joined_.load(); }

 private:
  std::atomic<bool> joined_{false};
};

// Logs the asynchronous offset commits that failed. Runs inside consume(); never throws.
class CommitReports final : public RdKafka::OffsetCommitCb {
 public:
  void offset_commit_cb(RdKafka::ErrorCode code,
                        std::vector<RdKafka::TopicPartition*>& /*offsets*/) override {
    if (code == RdKafka::ERR_NO_ERROR || code == RdKafka::ERR__NO_OFFSET) return;
    try {
      Log()->warn("kafka offset commit failed (the messages will be redelivered): {}",
                  RdKafka::err2str(code));
    } catch (...) {
    }
  }
};

class KafkaConsumer final : public Consumer {
  // How long closing waits for the group coordinator. close() alone waits up to the session
  // timeout per consumer when the broker is gone (requests time out one by one), and a service
  // with several consumers then outlived `up`'s 10 s grace and was killed. A live coordinator
  // answers the leave within milliseconds.
  static constexpr auto kCloseWaitMax = std::chrono::milliseconds(2'000);

 public:
  static Result<std::unique_ptr<KafkaConsumer>> Create(const KafkaOptions& options,
                                                       const ConsumerOptions& consumer_options) {
    std::unique_ptr<KafkaConsumer> consumer(new KafkaConsumer());
    std::unique_ptr<RdKafka::Conf> conf(RdKafka::Conf::create(RdKafka::Conf::CONF_GLOBAL));
    TS_RETURN_IF_ERROR(Apply(*conf, ConsumerSettings(options, consumer_options.group)));
    std::string error;
    if (conf->set("event_cb", static_cast<RdKafka::EventCb*>(&consumer->events_), error) !=
            RdKafka::Conf::CONF_OK ||
        conf->set("offset_commit_cb",
                  static_cast<RdKafka::OffsetCommitCb*>(&consumer->commits_), error) !=
            RdKafka::Conf::CONF_OK ||
        conf->set("rebalance_cb", static_cast<RdKafka::RebalanceCb*>(&consumer->joins_), error) !=
            RdKafka::Conf::CONF_OK) {
      return MakeError(Errc::kInternal, "librdkafka callbacks: " + error);
    }
    consumer->handle_.reset(RdKafka::KafkaConsumer::create(conf.get(), error));
    if (!consumer->handle_)
      return MakeError(Errc::kInternal, "cannot create kafka consumer: " + error);
    if (auto code = consumer->handle_->subscribe(consumer_options.topics);
        code != RdKafka::ERR_NO_ERROR) {
      return FromKafka(code, "subscribe");
    }
    return consumer;
  }

  ~KafkaConsumer() override { Close(); }

  bool Joined() const override { return joins_.joined(); }

  // Leaves the group (the partitions move at once), waiting at most kCloseWaitMax. Without an
  // answer the member is left behind: the group drops it after the session timeout, and its
  // uncommitted messages are delivered again (the inbox drops what was applied). The handle's
  // destructor then does not close again (the C++ API destroys without closing).
  void Close() {
    if (!handle_) return;
    std::unique_ptr<RdKafka::Queue> events(RdKafka::Queue::create(handle_.get()));
    std::unique_ptr<RdKafka::Error> error(handle_->close(events.get()));
    if (error) {
      Log()->warn("kafka consumer close: {}", error->str());
      return;
    }
    const auto deadline = SteadyClock::now() + kCloseWaitMax;
    // Polling serves what the close forwards to the queue, such as the rebalance (unassign).
    while (!handle_->closed() && SteadyClock::now() < deadline) events->poll(50);
    if (!handle_->closed()) {
      Log()->warn("kafka consumer: the group coordinator did not answer the close within {} ms; "
                  "leaving without it",
                  kCloseWaitMax.count());
    }
  }

  Result<std::vector<Delivery>> Poll(size_t max_messages,
                                     std::chrono::milliseconds wait_max) override {
    std::vector<Delivery> deliveries;
    int wait_ms = static_cast<int>(wait_max.count());
    while (deliveries.size() < max_messages) {
      std::unique_ptr<RdKafka::Message> message(handle_->consume(wait_ms));
      if (!message || message->err() == RdKafka::ERR__TIMED_OUT) break;
      if (message->err() == RdKafka::ERR_NO_ERROR) {
        deliveries.push_back(ToDelivery(*message));
        wait_ms = 0;  // take what is already fetched, but do not wait for more
        continue;
      }
      if (message->err() == RdKafka::ERR__PARTITION_EOF) continue;
      std::string fatal;
      if (handle_->fatal_error(fatal) != RdKafka::ERR_NO_ERROR) {
        return MakeError(Errc::kInternal, "kafka consumer fatal error: " + fatal);
      }
      // Broker down, rebalancing, ...: librdkafka recovers on its own; report what we have.
      Log()->warn("kafka consume: {}", message->errstr());
      break;
    }
    return deliveries;
  }

  Result<void> Commit(std::span<const Delivery> processed) override {
    std::map<std::pair<std::string, int32_t>, int64_t> next;
    for (const Delivery& delivery : processed) {
      auto& offset = next[{delivery.message.topic, delivery.partition}];
      offset = std::max(offset, delivery.offset + 1);
    }
    if (next.empty()) return Ok();
    std::vector<RdKafka::TopicPartition*> offsets;
    for (const auto& [tp, offset] : next)
      offsets.push_back(RdKafka::TopicPartition::create(tp.first, tp.second, offset));
    // Asynchronous: the next poll does not wait a broker round trip. A commit that fails (or
    // is lost in a crash) only means redelivery, which the inbox deduplicates; its outcome is
    // logged by CommitReports. close() waits for the commits still in flight.
    const RdKafka::ErrorCode code = handle_->commitAsync(offsets);
    RdKafka::TopicPartition::destroy(offsets);
    if (code != RdKafka::ERR_NO_ERROR) return FromKafka(code, "commit offsets");
    return Ok();
  }

 private:
  KafkaConsumer() = default;

  EventLogger events_;  // declared before the handle, so they outlive it
  JoinTracker joins_;
  CommitReports commits_;
  std::unique_ptr<RdKafka::KafkaConsumer> handle_;
};

}  // namespace

KafkaBus::KafkaBus(KafkaOptions options) : options_(std::move(options)) {}

Result<std::unique_ptr<Producer>> KafkaBus::NewProducer() {
  TS_ASSIGN_OR_RETURN(std::unique_ptr<KafkaProducer> producer, KafkaProducer::Create(options_));
  return std::unique_ptr<Producer>(std::move(producer));
}

Result<std::unique_ptr<Consumer>> KafkaBus::NewConsumer(const ConsumerOptions& options) {
  if (options.group.empty() || options.topics.empty()) {
    return MakeError(Errc::kInvalidRequest, "a consumer needs a group and at least one topic");
  }
  TS_ASSIGN_OR_RETURN(std::unique_ptr<KafkaConsumer> consumer,
                      KafkaConsumer::Create(options_, options));
  return std::unique_ptr<Consumer>(std::move(consumer));
}

}  // namespace tinysaga::bus
