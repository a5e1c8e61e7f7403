#include "tinysaga/bus/inbox_consumer.h"

#include <soci/soci.h>

#include <algorithm>

#include "log.h"
#include "tinysaga/bus/dead_letters.h"
#include "tinysaga/core/backoff.h"
#include "tinysaga/core/breaks.h"
#include "tinysaga/storage/db.h"

namespace tinysaga::bus {
namespace {

bool InInbox(soci::session& session, const std::string& message_id) {
  // --break inbox-dedup-off (simulator only, core/breaks.h) removes the dedup: a message seen
  // again (a redelivery after a lost offset commit or a crash, a duplicate) is applied again.
  if (IsBroken(Break::kInboxDedupOff)) return false;
  long long found = 0;
  session << "SELECT COUNT(*) FROM inbox WHERE message_id = :message_id", soci::into(found),
      soci::use(message_id);
  return found > 0;
}

void RecordInInbox(soci::session& session, const std::string& message_id,
                   const std::string& consumer, TimestampMs now_ms) {
  const long long received_at_ms = now_ms;
  if (IsBroken(Break::kInboxDedupOff)) {  // the row of an earlier application may be there
    session << "INSERT INTO inbox (message_id, consumer, received_at_ms) "
               "VALUES (:message_id, :consumer, :received_at_ms) ON CONFLICT DO NOTHING",
        soci::use(message_id), soci::use(consumer), soci::use(received_at_ms);
    return;
  }
  session << "INSERT INTO inbox (message_id, consumer, received_at_ms) "
             "VALUES (:message_id, :consumer, :received_at_ms)",
      soci::use(message_id), soci::use(consumer), soci::use(received_at_ms);
}

std::string Reason(const Error& error) {
  return std::string(ErrcName(error.code)) + ": " + error.detail;
}

constexpr std::string_view kNoIdReason =
    "invalid-request: message has no id, so it cannot be deduplicated";

std::string Source(const Delivery& delivery) {
  return delivery.message.topic + "/" + std::to_string(delivery.partition) + "@" +
         std::to_string(delivery.offset);
}

}  // namespace

// The poison verdict, made durable: the dead-letter row and the inbox row commit together, so
// a redelivery (a crash before the offset commit, a rebalance) finds the inbox row and is not
// dead-lettered twice, and a crash before the commit loses neither. A message without an id has
// no inbox row; its delivery's coordinates guard it instead.
void InboxConsumer::RecordPoison(soci::session& session, const Delivery& delivery,
                                 const std::string& reason, TimestampMs now_ms) {
  const Message& message = delivery.message;
  if (message.id.empty()) {
    if (DeadLetterRecorded(session, message.topic, delivery.partition, delivery.offset)) return;
  } else {
    RecordInInbox(session, message.id, options_.consumer_name, now_ms);
  }
  RecordDeadLetter(session, DeadLetter{.consumer = options_.consumer_name,
                                       .topic = message.topic,
                                       .partition = delivery.partition,
                                       .offset = delivery.offset,
                                       .key = message.key,
                                       .message_id = message.id,
                                       .reason = reason,
                                       .payload = message.payload,
                                       .dead_lettered_at_ms = now_ms});
}

// For a verdict reached outside the handler's transaction (no id, or a handler that kept
// throwing): the rows in a transaction of their own, retried until written; nullopt on Stop().
std::optional<InboxConsumer::Applied> InboxConsumer::RecordPoisonAlone(const Delivery& delivery,
                                                                       std::string reason) {
  for (int attempt = 0;; ++attempt) {
    auto written = db_.Write<Outcome>([&](soci::session& session) -> Result<Outcome> {
      const std::string& id = delivery.message.id;
      if (!id.empty() && InInbox(session, id)) return Outcome::kDuplicate;  // applied meanwhile
      RecordPoison(session, delivery, reason, clock_.NowMs());
      return Outcome::kPoison;
    });
    if (written.ok()) {
      if (*written == Outcome::kDuplicate) return Applied{Outcome::kDuplicate, {}};
      return Applied{Outcome::kPoison, std::move(reason)};
    }
    Log()->warn("consumer={} message={}: recording the dead letter failed: {}",
                options_.consumer_name, delivery.message.id, written.error().detail);
    if (!Backoff(attempt)) return std::nullopt;
  }
}

InboxConsumer::InboxConsumer(storage::Db& db, Consumer& consumer, Producer& dead_letters,
                             const Clock& clock, InboxHandler handler, InboxConsumerOptions options)
    : db_(db),
      consumer_(consumer),
      dead_letters_(dead_letters),
      clock_(clock),
      handler_(std::move(handler)),
      options_(std::move(options)) {}

// All messages in one transaction, each inside a savepoint so that a poison message rolls back
// alone. nullopt: something else went wrong and the whole batch was rolled back.
std::optional<std::vector<InboxConsumer::Applied>> InboxConsumer::ApplyBatch(
    const std::vector<Delivery>& deliveries) {
  std::vector<Applied> results;
  auto written = db_.Write<bool>([&](soci::session& session) -> Result<bool> {
    results.clear();  // Db::Write may run this again after a transient failure
    const TimestampMs now_ms = clock_.NowMs();
    for (const Delivery& delivery : deliveries) {
      const Message& message = delivery.message;
      if (message.id.empty()) {
        RecordPoison(session, delivery, std::string(kNoIdReason), now_ms);
        results.push_back({Outcome::kPoison, std::string(kNoIdReason)});
        continue;
      }
      if (InInbox(session, message.id)) {  // also catches a duplicate inside this batch
        results.push_back({Outcome::kDuplicate, {}});
        continue;
      }
      session << "SAVEPOINT tinysaga_inbox";
      Result<void> handled = handler_(session, message);
      if (!handled.ok() && handled.error().Retryable()) return handled.error();
      if (handled.ok()) {
        RecordInInbox(session, message.id, options_.consumer_name, now_ms);
        results.push_back({Outcome::kApplied, {}});
      } else {
        session << "ROLLBACK TO SAVEPOINT tinysaga_inbox";
        results.push_back({Outcome::kPoison, Reason(handled.error())});
        RecordPoison(session, delivery, results.back().reason, now_ms);
      }
      session << "RELEASE SAVEPOINT tinysaga_inbox";
    }
    return true;
  });
  if (!written.ok()) return std::nullopt;
  return results;
}

// One attempt in its own transaction. A poison verdict is a value, committed with its rows
// (the handler's work rolled back to a savepoint); an error means "try again".
Result<InboxConsumer::Applied> InboxConsumer::TryApplyOne(const Delivery& delivery) {
  const Message& message = delivery.message;
  std::string poison;
  auto written = db_.Write<Outcome>([&](soci::session& session) -> Result<Outcome> {
    poison.clear();
    if (InInbox(session, message.id)) return Outcome::kDuplicate;
    const TimestampMs now_ms = clock_.NowMs();
    session << "SAVEPOINT tinysaga_inbox";
    Result<void> handled = handler_(session, message);
    if (!handled.ok()) {
      if (handled.error().Retryable()) return handled.error();
      session << "ROLLBACK TO SAVEPOINT tinysaga_inbox";
      poison = Reason(handled.error());
      RecordPoison(session, delivery, poison, now_ms);
      return Outcome::kPoison;
    }
    session << "RELEASE SAVEPOINT tinysaga_inbox";
    RecordInInbox(session, message.id, options_.consumer_name, now_ms);
    return Outcome::kApplied;
  });
  if (!written.ok()) return written.error();
  return Applied{*written, *written == Outcome::kPoison ? poison : std::string()};
}

// Retries until the message is applied, found duplicate or judged poison; nullopt on Stop().
std::optional<InboxConsumer::Applied> InboxConsumer::ApplyOne(const Delivery& delivery) {
  if (delivery.message.id.empty()) return RecordPoisonAlone(delivery, std::string(kNoIdReason));
  int internal_failures = 0;
  for (int attempt = 0;; ++attempt) {
    Result<Applied> applied = TryApplyOne(delivery);
    if (applied.ok()) return *applied;
    const Error& error = applied.error();
    if (!error.Retryable() && ++internal_failures >= options_.internal_error_attempts_max) {
      return RecordPoisonAlone(delivery, Reason(error));
    }
    {
      std::lock_guard lock(mutex_);
      ++counters_.retries;
    }
    Log()->warn("consumer={} message={} key={}: {} (attempt {}, retrying)", options_.consumer_name,
                delivery.message.id, delivery.message.key, error.detail, attempt + 1);
    if (!Backoff(attempt)) return std::nullopt;
  }
}

// Publishes the poison messages to their dead-letter topics; retries until acknowledged, since
// their offsets must not be committed before. False on Stop().
bool InboxConsumer::PublishDeadLetters(const std::vector<Delivery>& deliveries,
                                       const std::vector<Applied>& applied) {
  std::vector<Message> dead;
  for (size_t i = 0; i < deliveries.size(); ++i) {
    if (applied[i].outcome != Outcome::kPoison) continue;
    Message message = deliveries[i].message;
    Log()->warn("consumer={} message={} key={} topic={}: dead-lettered: {}", options_.consumer_name,
                message.id, message.key, message.topic, applied[i].reason);
    message.topic = DeadLetterTopic(message.topic);
    message.headers[std::string(kHeaderDeadLetterReason)] = applied[i].reason;
    message.headers[std::string(kHeaderDeadLetterSource)] = Source(deliveries[i]);
    message.headers[std::string(kHeaderDeadLetterConsumer)] = options_.consumer_name;
    dead.push_back(std::move(message));
  }
  for (int attempt = 0; !dead.empty(); ++attempt) {
    auto published = dead_letters_.Publish(dead);
    if (published.ok()) break;
    Log()->warn("consumer={}: dead-letter publish failed: {}", options_.consumer_name,
                published.error().detail);
    if (!Backoff(attempt)) return false;
  }
  return true;
}

void InboxConsumer::Count(const std::vector<Applied>& applied) {
  std::lock_guard lock(mutex_);
  for (const Applied& one : applied) {
    if (one.outcome == Outcome::kApplied) ++counters_.applied;
    if (one.outcome == Outcome::kDuplicate) ++counters_.duplicates;
    if (one.outcome == Outcome::kPoison) ++counters_.dead_lettered;
  }
}

// The deliveries the handler has something to do with; nullopt when that is all of them.
std::optional<std::vector<Delivery>> InboxConsumer::NotIgnored(
    const std::vector<Delivery>& deliveries) {
  if (!options_.ignores) return std::nullopt;
  std::vector<bool> ignored(deliveries.size());
  size_t ignored_count = 0;
  for (size_t i = 0; i < deliveries.size(); ++i) {
    const std::string& type = deliveries[i].message.type;
    ignored[i] = !type.empty() && options_.ignores(type);
    ignored_count += ignored[i] ? 1 : 0;
  }
  if (ignored_count == 0) return std::nullopt;
  std::vector<Delivery> kept;
  kept.reserve(deliveries.size() - ignored_count);
  for (size_t i = 0; i < deliveries.size(); ++i)
    if (!ignored[i]) kept.push_back(deliveries[i]);
  std::lock_guard lock(mutex_);
  counters_.ignored += ignored_count;
  return kept;
}

Result<size_t> InboxConsumer::RunOnce() {
  TS_ASSIGN_OR_RETURN(const std::vector<Delivery> polled,
                      consumer_.Poll(options_.batch_size_max, options_.poll_wait_max));
  if (polled.empty()) {
    CommitApplied();  // idle: nothing to gain by waiting
    return size_t{0};
  }
  // Applied (or dead-lettered): those not ignored. Committed: all that were polled.
  const std::optional<std::vector<Delivery>> not_ignored = NotIgnored(polled);
  const std::vector<Delivery>& deliveries = not_ignored ? *not_ignored : polled;
  std::optional<std::vector<Applied>> applied;
  if (deliveries.size() > 1) {
    applied = ApplyBatch(deliveries);
    if (!applied) {
      std::lock_guard lock(mutex_);
      ++counters_.batch_fallbacks;
    }
  }
  if (!applied) {
    applied.emplace();
    for (const Delivery& delivery : deliveries) {
      std::optional<Applied> one = ApplyOne(delivery);
      if (!one) return MakeError(Errc::kUnavailable, "stopped before the batch was applied");
      applied->push_back(std::move(*one));
    }
  }
  if (options_.after_apply && !deliveries.empty()) options_.after_apply();
  if (!PublishDeadLetters(deliveries, *applied)) {
    return MakeError(Errc::kUnavailable, "stopped before the dead letters were published");
  }
  Count(*applied);
  // Effects committed: now (or soon) the offsets.
  CommitLater(polled);
  if (clock_.NowMs() - committed_ms_ >= options_.commit_interval.count()) CommitApplied();
  return polled.size();
}

void InboxConsumer::CommitLater(const std::vector<Delivery>& polled) {
  for (const Delivery& delivery : polled) {
    Delivery& last = uncommitted_[{delivery.message.topic, delivery.partition}];
    if (last.message.topic.empty() || last.offset < delivery.offset) {
      last.message.topic = delivery.message.topic;
      last.partition = delivery.partition;
      last.offset = delivery.offset;
    }
  }
}

void InboxConsumer::CommitApplied() {
  if (uncommitted_.empty()) return;
  std::vector<Delivery> last;
  last.reserve(uncommitted_.size());
  for (auto& [partition, delivery] : uncommitted_) last.push_back(std::move(delivery));
  uncommitted_.clear();
  committed_ms_ = clock_.NowMs();
  // A failed commit only means redelivery, and the inbox skips those messages then.
  if (auto committed = consumer_.Commit(last); !committed.ok()) {
    std::lock_guard lock(mutex_);
    ++counters_.commit_failures;
    Log()->warn("consumer={}: offset commit failed: {}", options_.consumer_name,
                committed.error().detail);
  }
}

void InboxConsumer::Run() {
  int failures = 0;
  while (!Stopping()) {
    auto polled = RunOnce();
    if (polled.ok()) {
      failures = 0;
      continue;
    }
    if (Stopping()) break;
    Log()->error("consumer={}: {}", options_.consumer_name, polled.error().detail);
    if (!Backoff(failures++)) break;
  }
  CommitApplied();  // what was applied before the stop; an unfinished batch was not
}

void InboxConsumer::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_.notify_all();
}

bool InboxConsumer::Stopping() const {
  std::lock_guard lock(mutex_);
  return stopping_;
}

bool InboxConsumer::Backoff(int attempt) {
  const auto delay =
      ExponentialBackoff{options_.retry_backoff_min, 2, options_.retry_backoff_max}.Cap(attempt +
                                                                                        1);
  if (options_.backoff_wait) {
    options_.backoff_wait(delay);
    return !Stopping();
  }
  std::unique_lock lock(mutex_);
  stop_.wait_for(lock, delay, [&] { return stopping_; });
  return !stopping_;
}

InboxConsumerCounters InboxConsumer::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

}  // namespace tinysaga::bus
