#pragma once
// The orchestrator's shell around the pure saga engine (libs/saga): for each input it loads
// the saga from the Saga DB, asks the engine, and in the same transaction saves the new state
// and puts the commands in the outbox (DESIGN.md, Guarantees).
//
// Inputs:
// - start events (payment.events PaymentCompleted/PaymentFailed, order.events
//   OrderCancelRequested): a new saga, unless the order already has one of that type;
// - replies (saga.replies): applied to the saga named by the envelope's saga id;
// - the clock: FireDueTimers applies the deadlines that passed (reply timeouts, ends of
//   backoffs), so after a restart every unfinished saga goes on from its stored deadline.
// What is acknowledged without effect (other events, duplicates and stale replies, replies to
// unknown sagas) is logged at debug, counted by reason, and never dead-lettered.
//
// Lifecycle: borrows the database, clock, rng, catalog and registry, which must outlive it.
// Thread safety: no mutable state of its own besides the metrics and the state cache, both
// thread-safe, so the inbox consumer's thread (HandleMessage) and the timer thread
// (FireDueTimers) may call it at once; their transactions are isolated by the database, and by
// the version compare-and-set.

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "orchestrator/domain/saga_catalog.h"
#include "orchestrator/orchestrator_metrics.h"
#include "orchestrator/orchestrator_options.h"
#include "orchestrator/saga_repository.h"
#include "orchestrator/state_cache.h"
#include "tinysaga/contracts/messages.h"
#include "tinysaga/core/clock.h"
#include "tinysaga/core/result.h"
#include "tinysaga/core/rng.h"
#include "tinysaga/platform/messaging.h"
#include "tinysaga/storage/db.h"

namespace soci {
class session;
}
namespace prometheus {
class Registry;
}

namespace tinysaga::orchestrator {

// The topics the orchestrator consumes, in one subscription (one consumer group join): where
// the events that start the catalog's sagas travel (saga::OrchestrationStartEvents), and
// saga.replies.
std::vector<std::string> SubscribedTopics(const SagaCatalog& catalog);

// What the shell around the orchestrator wants to hear; either may be empty (tests).
struct OrchestratorHooks {
  // Wakes the outbox relay. Called after FireDueTimers committed commands; the inbox consumer
  // wakes it by itself after the message handler's transactions.
  std::function<void()> notify_outbox;
  // Told the deadline of every saga the message handler moved on, so that the timer can wake
  // for it. Called before the inbox transaction commits, which may still roll back: the timer
  // then finds nothing due, which is harmless.
  std::function<void(TimestampMs deadline_ms)> deadline_set;
};

class Orchestrator {
 public:
  Orchestrator(storage::Db& db, const Clock& clock, Rng& rng, const SagaCatalog& catalog,
               prometheus::Registry& registry, const OrchestratorOptions& options,
               OrchestratorHooks hooks = {});

  // The platform::MessageHandler: runs inside the inbox transaction. Ok for every input that
  // was applied or deliberately ignored; kUnavailable (retried by the consumer) when the saga
  // changed concurrently; kUnprocessable (dead-lettered, with the reason) when the stored saga
  // or the start event's data cannot be used.
  Result<void> HandleMessage(soci::session& session, const contracts::Message& message);
  platform::MessageHandler Handler();

  // In one write transaction: up to options.timer_batch_max sagas whose deadline passed get
  // their timeout decision, saved with their commands in the outbox. Returns how many sagas it
  // took up (when that is the batch size, more may be due). Notifies the outbox after the
  // commit.
  Result<size_t> FireDueTimers(TimestampMs now_ms);

  // The earliest deadline of any unfinished saga, for the timer's sleep.
  Result<std::optional<TimestampMs>> EarliestDeadline();

  // Refreshes the tinysaga_sagas_unfinished gauge.
  Result<void> RefreshGauges();

 private:
  struct Tally;
  Result<void> Handle(soci::session& session, const contracts::Message& message, TimestampMs now_ms,
                      Tally& tally);
  Result<void> StartSaga(soci::session& session, const contracts::Message& event,
                         TimestampMs now_ms, Tally& tally);
  Result<void> ApplyReply(soci::session& session, const contracts::Message& reply,
                          TimestampMs now_ms, Tally& tally);
  Result<void> FireOne(soci::session& session, const SagaRow& row, TimestampMs now_ms,
                       Tally& tally);
  // Saves an applied decision if the row is still at the version read, and appends its
  // commands; false when another writer changed the saga first.
  Result<bool> Save(soci::session& session, const SagaRow& row, const LoadedSaga& before,
                    const saga::Decision& decision, TimestampMs now_ms, bool by_timer,
                    Tally& tally);
  void Count(const Tally& tally);
  // The saga in `row`: from the cache when the row holds the document last written here,
  // otherwise read (ReadStoredSaga, with its errors).
  Result<std::shared_ptr<const LoadedSaga>> Load(const SagaRow& row);

  storage::Db& db_;
  const Clock& clock_;
  Rng& rng_;
  const SagaCatalog& catalog_;
  OrchestratorMetrics metrics_;
  const OrchestratorOptions options_;
  const OrchestratorHooks hooks_;
  StateCache cache_;
};

}  // namespace tinysaga::orchestrator
