#pragma once
// The transactional outbox (DESIGN.md, Guarantees): a state change and the messages it causes
// commit in one local transaction, AppendToOutbox() writing the messages as rows of the
// `outbox` table (tables.h). The OutboxRelay publishes unsent rows in id
// order and marks them sent only after the broker acknowledged them; a crash in between
// publishes them again, which the consumers' inbox deduplicates.
//
// Sent rows are kept for a retention period and then deleted, so that ResendSince() can
// publish them again if a development broker lost its data.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

#include "tinysaga/bus/bus.h"
#include "tinysaga/core/clock.h"
#include "tinysaga/core/result.h"

namespace soci {
class session;
}
namespace tinysaga::storage {
class Db;
}

namespace tinysaga::bus {

// Inserts the message as an unsent outbox row. Call inside the Db::Write transaction of the
// state change that causes it. Headers are not stored (the outbox has no column for them); the
// relay sets the bus's own. Throws soci's exceptions like any statement inside Db::Write, which
// turns them into errors (a repeated message id is kConflict).
void AppendToOutbox(soci::session& session, const Message& message, TimestampMs now_ms);

// Marks the rows sent at or after since_ms unsent again, so that the relay publishes them
// again; returns how many. Call inside a Db::Write transaction, before the relay runs (as a
// service does at startup when its broker changed): a running relay skips rows it has
// published, so use its ResendSince(), which is this in a transaction of its own.
size_t MarkUnsentSince(soci::session& session, TimestampMs since_ms);

struct OutboxRelayOptions {
  size_t batch_size_max = 256;                            // rows read and published at once
  std::chrono::milliseconds poll_interval{500};           // fallback when nobody calls Notify()
  std::chrono::milliseconds retention{24 * 3600 * 1000};  // sent rows kept this long
  std::chrono::milliseconds purge_interval{60'000};       // how often Run() deletes expired rows
  std::chrono::milliseconds retry_backoff_min{10};        // after a failed publish, doubling...
  std::chrono::milliseconds retry_backoff_max{2'000};     // ...up to this
  // How long acknowledged rows may wait to be marked sent while more keep coming (see above);
  // zero marks each batch at once.
  std::chrono::milliseconds mark_delay{100};
  size_t unmarked_max = 1'024;  // beyond: marked at once, so a pass re-reads few of them
};

struct OutboxRelayCounters {
  uint64_t published = 0;  // rows acknowledged and marked sent
  uint64_t publish_failures = 0;
  uint64_t purged = 0;
};

// Lifecycle: construct with a migrated Db and a producer (both must outlive it), then either
// call RelayOnce() yourself (tests, the simulator) or Run() on one thread until Stop().
// Thread-safe: Notify() and Stop() from any thread; RelayOnce(), PurgeSent() and ResendSince()
// from one thread at a time. One relay per database is enough: a second one only causes
// duplicates, which consumers ignore.
class OutboxRelay {
 public:
  OutboxRelay(storage::Db& db, Producer& producer, const Clock& clock,
              OutboxRelayOptions options = {});

  // Publishes up to batch_size_max unsent rows, oldest first, once each; marks the published
  // rows sent when mark_delay has passed since the oldest of them was acknowledged, or when
  // there is nothing new to publish. Returns how many were published (0: nothing new); an
  // error leaves every row of the batch to be published again.
  Result<size_t> RelayOnce();

  // Deletes rows sent longer than the retention period ago; returns how many.
  Result<size_t> PurgeSent();

  // Marks rows sent at or after since_ms unsent again, so the relay publishes them again.
  Result<size_t> ResendSince(TimestampMs since_ms);

  // Rows not yet acknowledged by the broker (the outbox backlog, for /metrics and readiness).
  Result<int64_t> Backlog();

  // Wakes Run() at once: call after committing a transaction that appended to the outbox.
  void Notify();

  // Relays until Stop(): drains the backlog, then sleeps until Notify(), the poll interval
  // (the mark delay while published rows wait to be marked), or Stop(). Failed publishes back
  // off exponentially.
  void Run();
  void Stop();

  OutboxRelayCounters counters() const;

 private:
  // Waits up to `duration` for Notify() or Stop(); returns false once stopping.
  bool Wait(std::chrono::milliseconds duration);
  void MaybePurge(std::chrono::steady_clock::time_point& next_purge);
  Result<void> MarkUnmarked();
  std::chrono::milliseconds UntilMarkDue() const;

  storage::Db& db_;
  Producer& producer_;
  const Clock& clock_;
  const OutboxRelayOptions options_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool notified_ = false;
  bool stopping_ = false;
  OutboxRelayCounters counters_;

  // Acknowledged rows not yet marked sent (sorted), and when the oldest was acknowledged.
  // Used by the relaying thread only.
  std::vector<long long> unmarked_;
  TimestampMs unmarked_since_ms_ = 0;
  // Ids are handed out in commit order on SQLite (one writer), so a pass reads only past the
  // last published id there; PostgreSQL's sequence may commit out of order, so it reads from
  // the start and skips what is unmarked.
  const bool ids_in_commit_order_;
  long long published_through_ = 0;        // the highest id published (SQLite only)
  std::atomic<size_t> unmarked_count_{0};  // unmarked_.size(), for Backlog() on any thread
};

}  // namespace tinysaga::bus
