#pragma once
// The `tinysaga payment` process: the Transaction DB, POST /api/payment and the listing, the
// order saga's payment.commands, and a background thread that answers queued refunds and
// resolves payments left PENDING by a crash.

#include <chrono>

#include "payment/reconciler.h"
#include "payment/refund_worker.h"
#include "payment/retry.h"
#include "tinysaga/platform/service.h"

namespace tinysaga::payment {

// Timings, as data (the command line maps its flags onto them). The Order service and the
// wallet answer only after their commit, and a disk whose fsync stalls for a second must make a
// payment slower, not fail it (issue 11, e2e.SlowDiskTest: with 1 s per call, every payment
// failed). A commit may wait for the one in progress and for an automatic checkpoint (two more
// fsyncs) before its own: four fsyncs, so the Order call, which nothing repeats, waits 5 s (3 s
// failed once in a loaded test run); each wallet attempt waits 3 s, since the next attempt
// repeats the debit idempotently. The defaults keep POST /api/payment under about 20 s in the
// worst case (wallet: 3 attempts of 3 s and backoffs of at most 0.1 + 0.2 s = 9.3 s; Order
// service: 2 calls of at most 5 s), under the gateway's 30 s upstream timeout; a client that
// gives up sooner asks again with its Idempotency-Key.
struct PaymentOptions {
  // The debit of POST /api/payment.
  RetryPolicy wallet_retry{.attempts_max = 3, .per_attempt_timeout = std::chrono::seconds(3)};
  std::chrono::milliseconds order_timeout{5'000};       // each call to the Order service
  std::chrono::milliseconds refund_timeout{3'000};      // the refund worker's one wallet attempt
  std::chrono::milliseconds refund_poll_interval{200};  // how often queued refunds are looked at
  RefundWorkerOptions refunds;
  std::chrono::milliseconds reconcile_interval{5'000};  // after the pass at startup
  ReconcilerOptions reconciler;                         // stale_after: 60 s
};

// The longest POST /api/payment spends on the network: two Order calls and the debit window.
std::chrono::milliseconds RequestNetworkTimeMax(const PaymentOptions& options);

// Ok, or kInvalidRequest: a bad retry policy, non-positive intervals, or a stale limit that a
// running request could reach (it must exceed twice RequestNetworkTimeMax, for database waits).
Result<void> CheckPaymentOptions(const PaymentOptions& options);

// Opens and migrates the Transaction DB, serves the payment routes, consumes payment.commands
// (when the service has a broker) and runs the background thread until SIGINT/SIGTERM, then
// shuts down: server, consumers, background thread, clients, database. Returns the process
// exit code: 0 after a clean stop, 1 when it could not start.
int Run(const platform::ServiceConfig& config, const PaymentOptions& options);
int Run(const platform::ServiceConfig& config);  // with the default options

}  // namespace tinysaga::payment
