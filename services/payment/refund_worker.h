#pragma once
// Gives back what the wallet took for an order, outside any database transaction: takes the
// due jobs of the refund queue (refund_queue.h: saga Refund commands, and voids Payment queued
// itself after giving up on the wallet), asks the wallet to refund or void each order's debit
// (idempotent by operation id), all of the pass's at once, then in ONE transaction for the
// whole pass records for each job the REFUND row (only when money came back; a void leaves no
// row), marks a COMPLETED payment REFUNDED, replies Refunded to the command, and removes the
// job. So a pass costs one wallet round trip and one commit, however many jobs it has: the
// wallet commits the concurrent refunds together too. A crash before that commit only asks
// the wallet again: it answers a repeat from its ledger.
//
// A job waits while the order's payment is PENDING (the debit is still being decided). When the
// wallet cannot be reached the job is tried again later with exponential backoff (the pass's
// calls run side by side, so a pass costs at most one wallet timeout). A refusal that retrying
// cannot change (the ids belong to another request) is never dropped: the job is kept, marked
// refused with the wallet's reason (RefuseRefund), no longer sent, answered RefundRefused (the saga
// gives up on it: GAVE_UP), counted (`on_refused`: Payment's tinysaga_refunds_refused_total) and
// reported by `tinysaga check`, since the money stays debited until an operator acts.
//
// Lifecycle: borrows everything; RunOnce() from one thread at a time (the background thread or
// a test). With several Payment instances the passes may overlap: the wallet's idempotency and
// the UNIQUE REFUND row keep the effect single, and only the instance that removes the job
// replies.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "payment/payment_repository.h"
#include "payment/refund_queue.h"
#include "payment/wallet_client.h"
#include "tinysaga/contracts/messages.h"
#include "tinysaga/core/clock.h"
#include "tinysaga/core/rng.h"
#include "tinysaga/storage/db.h"

namespace tinysaga::payment {

struct RefundWorkerOptions {
  int batch_max = 32;                             // jobs per pass
  std::chrono::milliseconds retry_initial{500};   // after the first failed wallet call
  std::chrono::milliseconds retry_max{30'000};    // cap of the doubling backoff
  std::chrono::milliseconds pending_wait{1'000};  // before looking at a PENDING payment again
};

class RefundWorker {
 public:
  // `wallet`'s RefundEach makes one attempt per refund: the queue is the retry loop.
  RefundWorker(storage::Db& db, WalletClient& wallet, const Clock& clock, Rng& rng,
               std::function<void()> notify_outbox, RefundWorkerOptions options = {},
               std::function<void()> on_refused = {});

  // One pass over the jobs due at `now_ms`; how many were completed.
  Result<size_t> RunOnce(TimestampMs now_ms);

 private:
  // What Payment knows about a job's order before asking the wallet.
  struct Known {
    std::optional<PaymentRecord> payment;
    std::optional<Transaction> refund;
  };
  // A job the wallet answered (or had answered: its REFUND row), recorded with the pass's others.
  struct Answered {
    RefundJob job;
    std::optional<contracts::Message> command;
    WalletRefund refunded;
  };
  // The job ready to be answered: from its REFUND row when it has one (`refunded` set),
  // else by the wallet. nullopt when it is not for this pass (its payment still PENDING:
  // rescheduled) or never (its command unreadable: dropped).
  std::optional<Answered> Prepare(RefundJob job, const Known& known, TimestampMs now_ms);
  // Asks the wallet for every job of `to_ask` at once; the answered go to `answered`, the
  // others are rescheduled with backoff (the wallet failed) or marked refused (for good).
  void AskTheWallet(std::vector<Answered> to_ask, TimestampMs now_ms,
                    std::vector<Answered>& answered);
  // One transaction for the pass, so one commit however many jobs the wallet answered.
  Result<void> Record(const std::vector<Answered>& answered, TimestampMs now_ms);
  // Whether it replied to the job's command.
  Result<bool> RecordOne(soci::session& session, const Answered& answered, TimestampMs now_ms);
  void Reschedule(const RefundJob& job, TimestampMs next_attempt_at_ms);
  void Refuse(const RefundJob& job, const std::optional<contracts::Message>& command,
              const std::string& detail);
  void Drop(const RefundJob& job);

  storage::Db& db_;
  WalletClient& wallet_;
  const Clock& clock_;
  Rng& rng_;
  std::function<void()> notify_outbox_;
  RefundWorkerOptions options_;
  std::function<void()> on_refused_;
};

}  // namespace tinysaga::payment
