#include "tinysaga/platform/messaging.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <soci/soci.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>

#include "tinysaga/bus/dead_letters.h"
#include "tinysaga/bus/tables.h"
#include "tinysaga/contracts/codec.h"
#include "tinysaga/core/ids.h"
#include "tinysaga/core/thread_name.h"
#include "tinysaga/storage/db.h"

namespace tinysaga::platform {
namespace {

std::shared_ptr<spdlog::logger> Log() {
  static const std::shared_ptr<spdlog::logger> logger = [] {
    if (auto existing = spdlog::get("messaging")) return existing;
    return spdlog::stderr_color_mt("messaging");
  }();
  return logger;
}

// Consumer lag from 5 ms (a hop over the development broker) to 5 min (a consumer that was
// down, or a broker outage).
const prometheus::Histogram::BucketBoundaries& LagBuckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300};
  return kBuckets;
}

}  // namespace

void AppendMessage(soci::session& session, std::string_view topic,
                   const contracts::Message& message, TimestampMs now_ms) {
  const bus::Message record{.id = message.envelope.message_id,
                            .topic = std::string(topic),
                            .key = message.envelope.order_id.value(),
                            .payload = contracts::Serialize(message),
                            .headers = {},
                            .type = std::string(message.type())};
  bus::AppendToOutbox(session, record, now_ms);
}

contracts::Message FollowUp(const contracts::Message& cause, SagaId saga_id,
                            contracts::Payload payload, TimestampMs now_ms, Rng& rng) {
  contracts::Envelope envelope{.message_id = NewId("msg", rng),
                               .saga_id = std::move(saga_id),
                               .order_id = cause.envelope.order_id,
                               .time_ms = now_ms,
                               .traceparent = cause.envelope.traceparent,
                               .causation_id = cause.envelope.message_id};
  return contracts::Message{std::move(envelope), std::move(payload)};
}

contracts::Message ReplyTo(const contracts::Message& command, contracts::Payload reply,
                           TimestampMs now_ms, Rng& rng) {
  return FollowUp(command, command.envelope.saga_id, std::move(reply), now_ms, rng);
}

contracts::Message NewEvent(const OrderId& order_id, contracts::Payload event, TimestampMs now_ms,
                            Rng& rng, std::string traceparent) {
  contracts::Envelope envelope{.message_id = NewId("msg", rng),
                               .order_id = order_id,
                               .time_ms = now_ms,
                               .traceparent = std::move(traceparent)};
  return contracts::Message{std::move(envelope), std::move(event)};
}

bus::InboxHandler ParsedHandler(MessageHandler handler) {
  return [handler = std::move(handler)](soci::session& session,
                                        const bus::Message& record) -> Result<void> {
    TS_ASSIGN_OR_RETURN(const contracts::Message message, contracts::Parse(record.payload));
    if (message.envelope.message_id != record.id) {
      return MakeError(Errc::kInvalidRequest, "the record's message id differs from the message's");
    }
    return handler(session, message);
  };
}

// The service's messaging metrics. Counters only move forward, so they are advanced by the
// difference since the last update.
struct Messaging::Metrics {
  explicit Metrics(prometheus::Registry& registry)
      : backlog(prometheus::BuildGauge()
                    .Name("tinysaga_outbox_backlog")
                    .Help("Outbox rows not yet acknowledged by the broker")
                    .Register(registry)
                    .Add({})),
        published(prometheus::BuildCounter()
                      .Name("tinysaga_outbox_published_total")
                      .Help("Outbox rows published and acknowledged")
                      .Register(registry)
                      .Add({})),
        consumed(prometheus::BuildCounter()
                     .Name("tinysaga_messages_consumed_total")
                     .Help("Messages consumed, by consumer group and outcome")
                     .Register(registry)),
        consumers_joined(prometheus::BuildGauge()
                             .Name("tinysaga_consumers_joined")
                             .Help("1 when every consumer has joined its group and consumes, 0 "
                                   "while one joins or rejoins (the HTTP API is served meanwhile)")
                             .Register(registry)
                             .Add({})),
        lag(prometheus::BuildHistogram()
                .Name("tinysaga_consumer_lag_seconds")
                .Help("How long after it was written (its envelope's time) each consumed "
                      "message was applied, by consumer group")
                .Register(registry)),
        dead_letters(prometheus::BuildGauge()
                         .Name("tinysaga_dead_letters")
                         .Help("Dead letters in this service's database, by state (open: waiting "
                               "for an operator to redrive or discard them)")
                         .Register(registry)) {}

  prometheus::Gauge& backlog;
  prometheus::Counter& published;
  prometheus::Family<prometheus::Counter>& consumed;
  prometheus::Gauge& consumers_joined;
  prometheus::Family<prometheus::Histogram>& lag;
  prometheus::Family<prometheus::Gauge>& dead_letters;
  uint64_t published_exported = 0;
  std::mutex mutex;  // UpdateMetrics may be called by several /metrics requests at once
};

// One consumer group member and its inbox loop, with the counters last exported.
struct Messaging::Subscription {
  std::string group;
  std::unique_ptr<bus::Consumer> consumer;
  std::unique_ptr<bus::InboxConsumer> inbox;
  bus::InboxConsumerCounters exported;
};

Messaging::Messaging(std::string service_name, std::shared_ptr<bus::Bus> bus, storage::Db& db,
                     const Clock& clock)
    : service_name_(std::move(service_name)), bus_(std::move(bus)), db_(db), clock_(clock) {}

Result<std::unique_ptr<Messaging>> Messaging::Create(std::string service_name,
                                                     std::shared_ptr<bus::Bus> bus,
                                                     storage::Db& db, const Clock& clock,
                                                     prometheus::Registry& registry) {
  std::unique_ptr<Messaging> messaging(
      new Messaging(std::move(service_name), std::move(bus), db, clock));
  TS_ASSIGN_OR_RETURN(messaging->producer_, messaging->bus_->NewProducer());
  messaging->relay_ = std::make_unique<bus::OutboxRelay>(db, *messaging->producer_, clock);
  messaging->metrics_ = std::make_unique<Metrics>(registry);
  return messaging;
}

Messaging::~Messaging() { Stop(); }

Result<void> Messaging::Subscribe(std::string_view name, std::vector<std::string> topics,
                                  MessageHandler handler, std::function<void()> after_commit,
                                  IgnoredTypes ignores) {
  if (started_) return MakeError(Errc::kConflict, "Subscribe() after Start()");
  const std::string group = service_name_ + "." + std::string(name);
  auto subscription = std::make_unique<Subscription>();
  subscription->group = group;
  TS_ASSIGN_OR_RETURN(subscription->consumer,
                      bus_->NewConsumer({.group = group, .topics = std::move(topics)}));
  // The group's lag exists from the start, empty, so a dashboard sees the group before its
  // first message. Observed when the handler applied the message, inside the inbox transaction:
  // one that is rolled back and run again (a busy database) observes the message twice.
  prometheus::Histogram& lag = metrics_->lag.Add({{"group", group}}, LagBuckets());
  MessageHandler timed = [this, &lag, handler = std::move(handler)](
                             soci::session& session, const contracts::Message& message) {
    Result<void> applied = handler(session, message);
    if (applied.ok()) {
      const int64_t lag_ms = std::max<int64_t>(0, clock_.NowMs() - message.envelope.time_ms);
      lag.Observe(static_cast<double>(lag_ms) / 1000.0);
    }
    return applied;
  };
  bus::InboxConsumerOptions options;
  options.consumer_name = group;
  options.ignores = std::move(ignores);
  options.commit_interval = kOffsetCommitInterval;
  options.after_apply = [this, after_commit = std::move(after_commit)] {
    NotifyOutbox();  // replies are in the outbox now
    if (after_commit) after_commit();
  };
  subscription->inbox =
      std::make_unique<bus::InboxConsumer>(db_, *subscription->consumer, *producer_, clock_,
                                           ParsedHandler(std::move(timed)), std::move(options));
  subscriptions_.push_back(std::move(subscription));
  return Ok();
}

Result<size_t> Messaging::UseBroker(const std::string& broker_identity) {
  struct Change {
    std::optional<std::string> previous;
    size_t republished = 0;
  };
  // One transaction: recording the new broker and marking the rows for it commit together.
  // Apart, a crash (or a failed write) between them would leave the new broker recorded and
  // the rows sent: the next start would see no change, and the new broker would never get them.
  TS_ASSIGN_OR_RETURN(
      const Change change, db_.Write<Change>([&](soci::session& session) -> Result<Change> {
        std::optional<std::string> previous = bus::RecordBroker(session, broker_identity);
        if (!previous || *previous == broker_identity) return Change{.previous = previous};
        return Change{.previous = previous, .republished = bus::MarkUnsentSince(session, 0)};
      }));
  if (!change.previous || *change.previous == broker_identity) return size_t{0};
  Log()->warn("{}: the broker changed ({} -> {}); republishing {} retained outbox message(s)",
              service_name_, *change.previous, broker_identity, change.republished);
  return change.republished;
}

void Messaging::Start() {
  if (started_) return;
  started_ = true;
  threads_.emplace_back([this] {
    NameThisThread("relay");
    relay_->Run();
  });
  for (auto& subscription : subscriptions_)
    threads_.emplace_back([inbox = subscription->inbox.get()] {
      NameThisThread("inbox");
      inbox->Run();
    });
  Log()->info("{}: relaying the outbox, {} subscription(s)", service_name_,
              subscriptions_.size());
}

void Messaging::Stop() {
  if (!started_) return;
  for (auto& subscription : subscriptions_) subscription->inbox->Stop();
  relay_->Stop();
  // The relay (or a consumer's dead-letter publish) may be waiting for the broker to
  // acknowledge, up to the publish timeout (35 s) when the broker is gone: longer than `up`
  // waits for a child to stop (10 s), which would then kill it. Interrupted, it gives up after
  // a short grace; its rows stay unsent and are published again after the restart.
  producer_->Interrupt();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
  // Leave the groups now, so that the partitions move to another member at once. In parallel:
  // each close may wait up to 2 s for a coordinator that is gone, and one after another they
  // would outlast `up`'s 10 s grace.
  std::vector<std::thread> closing;
  for (auto& subscription : subscriptions_) {
    closing.emplace_back([consumer = std::move(subscription->consumer)]() mutable {
      NameThisThread("consumer-close");
      consumer.reset();
    });
  }
  for (std::thread& thread : closing) thread.join();
  subscriptions_.clear();
  started_ = false;
}

void Messaging::NotifyOutbox() { relay_->Notify(); }

bool Messaging::Consuming() const {
  if (!started_) return false;
  return std::all_of(subscriptions_.begin(), subscriptions_.end(),
                     [](const auto& subscription) { return subscription->consumer->Joined(); });
}

Result<int64_t> Messaging::OutboxBacklog() { return relay_->Backlog(); }

void Messaging::UpdateMetrics() {
  std::lock_guard lock(metrics_->mutex);
  if (auto backlog = relay_->Backlog(); backlog.ok())
    metrics_->backlog.Set(static_cast<double>(*backlog));
  metrics_->consumers_joined.Set(Consuming() ? 1 : 0);
  auto dead_letters = db_.Read<std::map<bus::DeadLetterState, int64_t>>(
      [](soci::session& session) -> Result<std::map<bus::DeadLetterState, int64_t>> {
        return bus::CountDeadLetters(session);
      });
  if (dead_letters.ok()) {
    for (const auto& [state, count] : *dead_letters) {
      metrics_->dead_letters.Add({{"state", std::string(bus::DeadLetterStateName(state))}})
          .Set(static_cast<double>(count));
    }
  }
  const uint64_t published = relay_->counters().published;
  metrics_->published.Increment(static_cast<double>(published - metrics_->published_exported));
  metrics_->published_exported = published;
  for (auto& subscription : subscriptions_) {
    const bus::InboxConsumerCounters now = subscription->inbox->counters();
    bus::InboxConsumerCounters& before = subscription->exported;
    const std::string group = subscription->group;
    const auto advance = [&](std::string_view outcome, uint64_t now_value, uint64_t& before_value) {
      metrics_->consumed.Add({{"group", group}, {"outcome", std::string(outcome)}})
          .Increment(static_cast<double>(now_value - before_value));
      before_value = now_value;
    };
    advance("applied", now.applied, before.applied);
    advance("duplicate", now.duplicates, before.duplicates);
    advance("ignored", now.ignored, before.ignored);
    advance("dead_lettered", now.dead_lettered, before.dead_lettered);
    advance("retried", now.retries, before.retries);
  }
}

}  // namespace tinysaga::platform
