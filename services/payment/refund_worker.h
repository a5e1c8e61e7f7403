#pragma once
// Gives back what the wallet took for an order, outside any database transaction: takes the
// due jobs of the refund queue (refund_queue.h: saga Refund commands, and voids Payment queued
// itself after giving up on the wallet), asks the wallet to refund or void the order's debit
// (idempotent by operation id), then in ONE transaction records the REFUND row (only when money
// came back; a void leaves no row), marks a COMPLETED payment REFUNDED, replies Refunded to the
// command, and removes the job.
//
// A job waits while the order's payment is PENDING (the debit is still being decided). When the
// wallet cannot be reached the job is tried again later with exponential backoff (and the pass
// stops, so one pass costs at most one wallet timeout). A refusal that retrying cannot change
// (the ids belong to another request) is never dropped: the job is kept, marked refused with
// the wallet's reason (RefuseRefund), no longer sent, answered RefundRefused (the saga gives up
// on it: GAVE_UP), counted (`on_refused`: Payment's tinysaga_refunds_refused_total) and
// reported by `tinysaga check`, since the money stays debited until an operator acts.
//
// Lifecycle: borrows everything; RunOnce() from one thread at a time (the background thread or
// a test). With several Payment instances the passes may overlap: the wallet's idempotency and
// the UNIQUE REFUND row keep the effect single, and only the instance that removes the job
// replies.

#include <chrono>
#include <functional>
#include <string>

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
  // `wallet` should make one attempt per call: the queue is the retry loop.
  RefundWorker(storage::Db& db, WalletClient& wallet, const Clock& clock, Rng& rng,
               std::function<void()> notify_outbox, RefundWorkerOptions options = {},
               std::function<void()> on_refused = {});

  // One pass over the jobs due at `now_ms`; how many were completed.
  Result<size_t> RunOnce(TimestampMs now_ms);

 private:
  enum class Step { kDone, kWaiting, kWalletDown, kDropped, kRefused };
  Step Process(RefundJob job, TimestampMs now_ms);
  Result<void> Record(const RefundJob& job, const std::optional<contracts::Message>& command,
                      const WalletRefund& refunded, TimestampMs now_ms);
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
