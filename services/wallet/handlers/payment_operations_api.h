#pragma once
// The wallet's internal endpoints for the Payment service: debits for orders and their refunds
// (which void a debit that has not happened yet), idempotent by operation id, and a
// development-only fault switch that makes both answer 503 for a while (the web UI's "what if
// the wallet is down" panel; tests of Payment's retries).
//
//   POST /internal/debits  {"operationId", "userId", "orderId", "amount", "currency"?}
//     201 {"transactionId", "balance", "replayed"}; 402 insufficient-funds (also no wallet);
//     409 operation-voided; 422 idempotency-key-reused (the operation id was used for another
//     request) or unprocessable (currency mix); 503 while faulted or when the balance kept
//     changing concurrently (retry with the same operation id).
//   POST /internal/refunds {"debitOperationId", "operationId", "userId", "orderId"}
//     200 {"refunded", "transactionId" (null when voided), "balance" (null without a wallet),
//     "replayed"}; 422 when an id belongs to another request; 503 while faulted.
//   POST /api/dev/faults/wallet {"unavailableForMs"}  (dev mode only, else 404; admins and
//     services) 200 {"unavailableForMs", "unavailableUntil"}; 0 ends the fault.
// Debits and refunds are for the service caller only: anonymous 401, users and admins 403.
//
// Lifecycle: borrows the database, clock and rng, which must outlive it. Thread-safe: the only
// state is the fault deadline, an atomic (per instance: with several wallet instances the
// switch affects the one that received it).

#include <atomic>
#include <string>

#include "tinysaga/core/clock.h"
#include "tinysaga/core/rng.h"
#include "tinysaga/http/message.h"
#include "tinysaga/http/server.h"
#include "tinysaga/platform/caller.h"
#include "tinysaga/storage/db.h"

namespace tinysaga::wallet {

// The longest fault the switch accepts: an hour.
inline constexpr int64_t kFaultDurationMsMax = 3'600'000;

class PaymentOperationsApi {
 public:
  // `dev_mode`: ServiceConfig::dev_mode; without it the fault switch answers 404.
  PaymentOperationsApi(storage::Db& db, const Clock& clock, Rng& rng, bool dev_mode);

  http::Response PostDebit(const http::Request& request, const platform::Caller& caller);
  http::Response PostRefund(const http::Request& request, const platform::Caller& caller);
  http::Response PostFaults(const http::Request& request, const platform::Caller& caller);

  // Adds the three routes to `server`, each behind platform::Guarded.
  void Register(http::Server& server, const std::string& internal_secret);

 private:
  // 401/403 for callers other than services, 503 while the fault switch is on; else ok.
  Result<void> Admit(const platform::Caller& caller) const;

  storage::Db& db_;
  const Clock& clock_;
  Rng& rng_;
  const bool dev_mode_;
  std::atomic<TimestampMs> unavailable_until_ms_{0};
};

}  // namespace tinysaga::wallet
