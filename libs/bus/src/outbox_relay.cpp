#include "tinysaga/bus/outbox_relay.h"

#include <soci/soci.h>

#include <algorithm>
#include <vector>

#include "log.h"
#include "tinysaga/bus/outbox_break.h"
#include "tinysaga/core/backoff.h"
#include "tinysaga/core/breaks.h"
#include "tinysaga/storage/db.h"

namespace tinysaga::bus {
namespace {

struct OutboxRows {
  std::vector<long long> ids;
  std::vector<Message> messages;
};

// Up to `limit` unsent rows past `after_id`, in id order, leaving out `skipped` (sorted: rows
// already published that wait to be marked).
Result<OutboxRows> ReadUnsent(storage::Db& db, long long after_id,
                              const std::vector<long long>& skipped, size_t limit) {
  return db.Read<OutboxRows>([&](soci::session& session) -> Result<OutboxRows> {
    // Row by row, not a bulk fetch into vectors of `limit` rows: SOCI's SQLite backend
    // allocates its row cache (and the caller its vectors) to the requested size on every
    // read, and most reads find a few rows or none (measured in the simulator: that
    // allocation was ~85,000 instructions a read, 16% of the run).
    const long long fetched_rows = static_cast<long long>(limit + skipped.size());
    long long id = 0;
    std::string message_id, topic, key, payload, type;
    soci::statement select =
        (session.prepare << "SELECT id, message_id, topic, message_key, payload, message_type "
                            "FROM outbox WHERE sent_at_ms IS NULL AND id > :after_id ORDER BY id "
                            "LIMIT :fetched_rows",
         soci::into(id), soci::into(message_id), soci::into(topic), soci::into(key),
         soci::into(payload), soci::into(type), soci::use(after_id), soci::use(fetched_rows));
    OutboxRows rows;
    for (bool found = select.execute(true); found && rows.ids.size() < limit;
         found = select.fetch()) {
      if (std::binary_search(skipped.begin(), skipped.end(), id)) continue;
      rows.ids.push_back(id);
      rows.messages.push_back(Message{std::move(message_id),
                                      std::move(topic),
                                      std::move(key),
                                      std::move(payload),
                                      {},
                                      std::move(type)});
    }
    return rows;
  });
}

Result<void> MarkSent(storage::Db& db, const std::vector<long long>& ids, TimestampMs now_ms) {
  // Unsynced: a mark lost in a power failure only publishes the rows again (duplicates, which
  // consumers drop), so the relay does not wait for the disk here (measured: ~1-3 ms a batch).
  auto marked = db.WriteUnsynced<bool>([&](soci::session& session) -> Result<bool> {
    // SOCI's bulk binding needs every bound value to be a vector of the same length.
    std::vector<long long> sent_at_ms(ids.size(), now_ms);
    std::vector<long long> row_ids = ids;
    session << "UPDATE outbox SET sent_at_ms = :sent_at_ms WHERE id = :id", soci::use(sent_at_ms),
        soci::use(row_ids);
    return true;
  });
  if (!marked.ok()) return marked.error();
  return Ok();
}

}  // namespace

void AppendToOutbox(soci::session& session, const Message& message, TimestampMs now_ms) {
  // --break outbox-outside-tx (simulator only, core/breaks.h) removes the one transaction of a
  // state change and its messages: the row is written later, on its own (outbox_break.h).
  if (IsBroken(Break::kOutboxOutsideTransaction)) {
    outbox_break::SetAside(session, message, now_ms);
    return;
  }
  const long long created_at_ms = now_ms;
  session << "INSERT INTO outbox (message_id, topic, message_key, payload, message_type, "
             "created_at_ms) VALUES (:message_id, :topic, :message_key, :payload, :message_type, "
             ":created_at_ms)",
      soci::use(message.id), soci::use(message.topic), soci::use(message.key),
      soci::use(message.payload), soci::use(message.type), soci::use(created_at_ms);
}

OutboxRelay::OutboxRelay(storage::Db& db, Producer& producer, const Clock& clock,
                         OutboxRelayOptions options)
    : db_(db),
      producer_(producer),
      clock_(clock),
      options_(options),
      ids_in_commit_order_(db.kind() == storage::DbKind::kSqlite) {}

Result<size_t> OutboxRelay::RelayOnce() {
  if (IsBroken(Break::kOutboxOutsideTransaction)) {
    TS_RETURN_IF_ERROR(outbox_break::WriteSetAside(db_));
  }
  // On SQLite every unmarked id is at most published_through_, so the read never meets one:
  // skipping none keeps the fetch at batch_size_max rows instead of growing with them.
  static const std::vector<long long> kNoneToSkip;
  TS_ASSIGN_OR_RETURN(OutboxRows rows, ReadUnsent(db_, published_through_,
                                                  ids_in_commit_order_ ? kNoneToSkip : unmarked_,
                                                  options_.batch_size_max));
  if (rows.ids.empty()) {
    TS_RETURN_IF_ERROR(MarkUnmarked());  // nothing new: no reason to wait any longer
    return size_t{0};
  }
  if (auto published = producer_.Publish(rows.messages); !published.ok()) {
    std::lock_guard lock(mutex_);
    ++counters_.publish_failures;
    return published.error();
  }
  // Acknowledged: from here a crash before the mark publishes the batch again (duplicates only).
  if (unmarked_.empty()) unmarked_since_ms_ = clock_.NowMs();
  unmarked_.insert(unmarked_.end(), rows.ids.begin(), rows.ids.end());
  std::sort(unmarked_.begin(), unmarked_.end());  // PostgreSQL may hand out ids out of order
  unmarked_count_ = unmarked_.size();
  if (ids_in_commit_order_) published_through_ = unmarked_.back();
  if (UntilMarkDue() <= std::chrono::milliseconds::zero() ||
      unmarked_.size() >= options_.unmarked_max) {
    TS_RETURN_IF_ERROR(MarkUnmarked());
  }
  std::lock_guard lock(mutex_);
  counters_.published += rows.ids.size();
  return rows.ids.size();
}

Result<void> OutboxRelay::MarkUnmarked() {
  if (unmarked_.empty()) return Ok();
  TS_RETURN_IF_ERROR(MarkSent(db_, unmarked_, clock_.NowMs()));
  unmarked_.clear();
  unmarked_count_ = 0;
  return Ok();
}

std::chrono::milliseconds OutboxRelay::UntilMarkDue() const {
  return std::chrono::milliseconds(unmarked_since_ms_ + options_.mark_delay.count() -
                                   clock_.NowMs());
}

Result<size_t> OutboxRelay::PurgeSent() {
  const long long cutoff_ms = clock_.NowMs() - options_.retention.count();
  TS_ASSIGN_OR_RETURN(
      const size_t purged, db_.Write<size_t>([&](soci::session& session) -> Result<size_t> {
        soci::statement statement =
            (session.prepare
                 << "DELETE FROM outbox WHERE sent_at_ms IS NOT NULL AND sent_at_ms < :cutoff_ms",
             soci::use(cutoff_ms));
        statement.execute(true);
        return static_cast<size_t>(statement.get_affected_rows());
      }));
  std::lock_guard lock(mutex_);
  counters_.purged += purged;
  return purged;
}

size_t MarkUnsentSince(soci::session& session, TimestampMs since_ms) {
  const long long since = since_ms;
  soci::statement statement =
      (session.prepare << "UPDATE outbox SET sent_at_ms = NULL WHERE sent_at_ms >= :since",
       soci::use(since));
  statement.execute(true);
  return static_cast<size_t>(statement.get_affected_rows());
}

Result<size_t> OutboxRelay::ResendSince(TimestampMs since_ms) {
  TS_ASSIGN_OR_RETURN(const size_t resent,
                      db_.Write<size_t>([&](soci::session& session) -> Result<size_t> {
                        return MarkUnsentSince(session, since_ms);
                      }));
  // The broker lost what it had: the rows waiting to be marked go again too, and the next
  // pass reads from the start.
  unmarked_.clear();
  unmarked_count_ = 0;
  published_through_ = 0;
  return resent;
}

Result<int64_t> OutboxRelay::Backlog() {
  return db_.Read<int64_t>([this](soci::session& session) -> Result<int64_t> {
    long long unsent = 0;
    session << "SELECT COUNT(*) FROM outbox WHERE sent_at_ms IS NULL", soci::into(unsent);
    // Rows acknowledged but not yet marked are not backlog. Read after the count, so that
    // this never subtracts a row the count did not include.
    return std::max<int64_t>(0, unsent - static_cast<int64_t>(unmarked_count_.load()));
  });
}

void OutboxRelay::Notify() {
  {
    std::lock_guard lock(mutex_);
    notified_ = true;
  }
  wake_.notify_one();
}

void OutboxRelay::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
}

bool OutboxRelay::Wait(std::chrono::milliseconds duration) {
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, duration, [&] { return notified_ || stopping_; });
  notified_ = false;
  return !stopping_;
}

void OutboxRelay::MaybePurge(std::chrono::steady_clock::time_point& next_purge) {
  if (std::chrono::steady_clock::now() < next_purge) return;
  next_purge = std::chrono::steady_clock::now() + options_.purge_interval;
  if (auto purged = PurgeSent(); !purged.ok()) {
    Log()->warn("outbox purge failed: {}", purged.error().detail);
  }
}

void OutboxRelay::Run() {
  const ExponentialBackoff backoff{options_.retry_backoff_min, 2, options_.retry_backoff_max};
  int failures = 0;  // in a row
  auto next_purge = std::chrono::steady_clock::now();
  for (;;) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
      notified_ = false;  // this pass reads everything committed before it
    }
    auto published = RelayOnce();
    if (!published.ok()) {
      const std::chrono::milliseconds delay = backoff.Cap(++failures);
      Log()->warn("outbox relay: {} (retrying in {} ms)", published.error().detail, delay.count());
      if (!Wait(delay)) return;
      continue;
    }
    failures = 0;
    if (*published == options_.batch_size_max) continue;  // more backlog: no waiting
    MaybePurge(next_purge);
    const std::chrono::milliseconds sleep =
        unmarked_.empty()
            ? options_.poll_interval
            : std::clamp(UntilMarkDue(), std::chrono::milliseconds(1), options_.poll_interval);
    if (!Wait(sleep)) return;
  }
}

OutboxRelayCounters OutboxRelay::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

}  // namespace tinysaga::bus
