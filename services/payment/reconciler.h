#pragma once
// Resolves payments left PENDING: POST /api/payment records a payment PENDING before it calls
// the Order service and the wallet, and its outcome afterwards; a process that died in between
// (or a database that failed the second transaction) leaves the payment PENDING, the order
// perhaps PAYMENT_PENDING, the Idempotency-Key in progress, and maybe a debit in the wallet.
//
// A PENDING payment older than `stale_after` (longer than any request can run) is failed as if
// the wallet had been unreachable, in ONE transaction: FAILED (UNAVAILABLE), PaymentFailed
// {UNAVAILABLE} in the outbox (the saga fails the order, from PAYMENT_PENDING or INITIATED),
// a 503 stored for the key, and the void of the debit queued for the refund worker, which
// credits a debit that went through and otherwise leaves a tombstone so a late one is refused.
//
// Why the payment is failed BEFORE the wallet is asked (and not after): a request that is
// merely slow may still complete between the two steps; failing first makes its own final
// transaction lose the conditional PENDING -> COMPLETED update (it then answers the recorded
// 503), so a refund can never follow a payment that ends up COMPLETED.
//
// Lifecycle: borrows everything; RunOnce() from one thread at a time.

#include <chrono>
#include <functional>

#include "tinysaga/core/clock.h"
#include "tinysaga/core/rng.h"
#include "tinysaga/storage/db.h"

namespace tinysaga::payment {

struct ReconcilerOptions {
  // Older PENDING payments are resolved; must exceed the longest request (checked by Run()).
  std::chrono::milliseconds stale_after{60'000};
  int batch_max = 100;  // payments per pass
};

class Reconciler {
 public:
  Reconciler(storage::Db& db, Rng& rng, std::function<void()> notify_outbox,
             ReconcilerOptions options = {});

  // Fails every payment PENDING since before now_ms - stale_after; how many.
  Result<size_t> RunOnce(TimestampMs now_ms);

 private:
  storage::Db& db_;
  Rng& rng_;
  std::function<void()> notify_outbox_;
  ReconcilerOptions options_;
};

}  // namespace tinysaga::payment
