#pragma once
// The inbox side of exactly-once effects (DESIGN.md, Guarantees): each message's handler runs
// inside one Db write transaction together with `INSERT INTO inbox (message_id, ...)`, so a
// redelivered message finds its id and is skipped; offsets are committed only after that
// transaction committed. Delivery is at least once, effects exactly once.
//
// What the handler returns decides what happens to a message:
// - ok: the effects and the inbox row commit together;
// - a retryable error (IsRetryable: kUnavailable, kTimeout, kRateLimited): rolled back and
//   tried again, the same message, with exponential backoff until it succeeds or Stop();
// - any other error: the message is poison (unparsable, unknown, impossible). Its effects are
//   rolled back (to a savepoint); in the same transaction it is recorded in the inbox and in the
//   dead_letters table (dead_letters.h), where an operator can redrive or discard it. After the
//   commit it is published to "<topic>.dlq" with the reason in the dead-letter-reason header,
//   counted, and its offset committed: it never blocks the partition and never crashes the
//   consumer. The table is the record; the topic is a feed for other tools (a crash between
//   the commit and that publish leaves the message in the table only).
// A handler may also throw (e.g. a SOCI statement failing): Db::Write rolls back and turns it
// into an error. Database-level failures that are not retryable are tried again
// internal_error_attempts_max times (a concurrent duplicate shows up as a one-time kConflict)
// before the message is treated as poison.
//
// A message whose type (Message::type, set by the producer's outbox) the handler would do
// nothing with, as `ignores` says, is acknowledged without a transaction: no effect, so
// nothing to deduplicate either, and a redelivery is ignored again. (Events are announced to
// every subscriber of their topic; each reacts to some. An ignored event cost an inbox row and
// a commit, about one per saga in choreography.) A message without a type is applied as any.
//
// Throughput: up to batch_size_max polled messages are applied in one transaction (one commit,
// one fsync), each inside a SAVEPOINT so a poison message rolls back alone. If anything other
// than ok or poison happens, the batch is rolled back and applied one message per transaction.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
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

// Applies one message's effects on the open transaction (and may AppendToOutbox replies).
using InboxHandler = std::function<Result<void>(soci::session& session, const Message& message)>;

struct InboxConsumerOptions {
  std::string consumer_name;   // stored in inbox.consumer and the dead-letter headers
  size_t batch_size_max = 64;  // polled at once and applied in one transaction
  std::chrono::milliseconds poll_wait_max{100};
  std::chrono::milliseconds retry_backoff_min{5};
  std::chrono::milliseconds retry_backoff_max{1'000};
  int internal_error_attempts_max = 3;
  // How a retry waits; empty: an interruptible wait that Stop() ends. Tests and the simulator
  // pass a function that does not sleep.
  std::function<void(std::chrono::milliseconds)> backoff_wait;
  // True for a message type the handler would do nothing with, whatever the database holds;
  // empty: none.
  std::function<bool(std::string_view type)> ignores;
  // Called after a poll's effects committed (before its offsets are), e.g. to wake the outbox
  // relay for the replies the handler appended. Empty: nothing.
  std::function<void()> after_apply;
  // Offsets are committed at most this often (by the clock), and whenever a poll finds
  // nothing or Run() ends; 0: after every poll. A commit is a request to the broker and back,
  // with thread wake-ups on both sides, for every poll of a busy consumer. Committed later,
  // the messages applied since the last commit come again after a crash or a rebalance, and
  // the inbox skips them (counted as duplicates): nothing is applied twice either way.
  std::chrono::milliseconds commit_interval{0};
};

struct InboxConsumerCounters {
  uint64_t applied = 0;
  uint64_t duplicates = 0;       // already in the inbox: acknowledged, not applied again
  uint64_t ignored = 0;          // of a type the handler ignores: acknowledged, no transaction
  uint64_t dead_lettered = 0;    // poison messages sent to the dead-letter topic
  uint64_t retries = 0;          // transient failures tried again
  uint64_t commit_failures = 0;  // offsets not committed (the messages will come again)
  uint64_t batch_fallbacks = 0;  // batches applied one message at a time
};

// Lifecycle: construct with a migrated Db, a subscribed Consumer and a Producer for dead
// letters (all must outlive it); call RunOnce() yourself (tests, simulator) or Run() on one
// thread until Stop(). On Stop() during a batch nothing of the unfinished batch is committed:
// destroy the Consumer afterwards, and those messages come again after the restart.
// Thread-safe: Stop() and counters() from any thread; RunOnce()/Run() from one.
class InboxConsumer {
 public:
  InboxConsumer(storage::Db& db, Consumer& consumer, Producer& dead_letters, const Clock& clock,
                InboxHandler handler, InboxConsumerOptions options);

  // Polls once and applies and dead-letters everything it got, then commits the offsets when
  // options.commit_interval has passed since the last commit (or the poll found nothing).
  // Returns how many messages were polled; kUnavailable if Stop() interrupted it.
  Result<size_t> RunOnce();

  // RunOnce until Stop(), then commits what it applied.
  void Run();
  void Stop();

  InboxConsumerCounters counters() const;

 private:
  enum class Outcome { kApplied, kDuplicate, kPoison };
  struct Applied {
    Outcome outcome = Outcome::kApplied;
    std::string reason;  // kPoison only
  };

  std::optional<std::vector<Delivery>> NotIgnored(const std::vector<Delivery>& deliveries);
  std::optional<std::vector<Applied>> ApplyBatch(const std::vector<Delivery>& deliveries);
  std::optional<Applied> ApplyOne(const Delivery& delivery);
  Result<Applied> TryApplyOne(const Delivery& delivery);
  void RecordPoison(soci::session& session, const Delivery& delivery, const std::string& reason,
                    TimestampMs now_ms);
  std::optional<Applied> RecordPoisonAlone(const Delivery& delivery, std::string reason);
  bool PublishDeadLetters(const std::vector<Delivery>& deliveries,
                          const std::vector<Applied>& applied);
  void Count(const std::vector<Applied>& applied);
  // Commits the offsets past every delivery applied so far (CommitLater), if any.
  void CommitApplied();
  void CommitLater(const std::vector<Delivery>& polled);
  // Waits before retry `attempt`; false once stopping.
  bool Backoff(int attempt);
  bool Stopping() const;

  storage::Db& db_;
  Consumer& consumer_;
  Producer& dead_letters_;
  const Clock& clock_;
  const InboxHandler handler_;
  const InboxConsumerOptions options_;

  mutable std::mutex mutex_;
  std::condition_variable stop_;
  bool stopping_ = false;
  InboxConsumerCounters counters_;
  // Applied, offsets not committed yet: the last delivery of each partition (topic, partition
  // and offset only). RunOnce's thread only.
  std::map<std::pair<std::string, int32_t>, Delivery> uncommitted_;
  TimestampMs committed_ms_ = 0;
};

}  // namespace tinysaga::bus
