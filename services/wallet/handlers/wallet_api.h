#pragma once
// The wallet's HTTP endpoints (API.md "Wallet"): balances, deposits and withdrawals, plus the
// internal list of deposits and withdrawals that the Payment service shows next to its own
// payments. Each method is one endpoint; tests call them directly with hand-made requests,
// and Register() mounts them on a server behind platform::Guarded.
//
// Lifecycle and ownership: borrows the database, clock and rng, which must outlive it.
// Thread safety: holds no state of its own, so the server's worker threads may call every
// method concurrently (Db, SystemClock and the Rngs are thread-safe).

#include <string>

#include "tinysaga/core/clock.h"
#include "tinysaga/core/rng.h"
#include "tinysaga/http/message.h"
#include "tinysaga/http/server.h"
#include "tinysaga/platform/caller.h"
#include "tinysaga/storage/db.h"
#include "wallet/domain/ledger.h"

namespace tinysaga::wallet {

// GET /internal/wallet-transactions: `limit` 1..kTransactionsLimitMax, default 50.
inline constexpr int64_t kTransactionsLimitDefault = 50;
inline constexpr int64_t kTransactionsLimitMax = 200;

class WalletApi {
 public:
  WalletApi(storage::Db& db, const Clock& clock, Rng& rng);

  // GET /api/wallets/{userId}: {"userId", "balance", "currency", "updatedAt"}; 404 until the
  // first deposit, and for other users' wallets (only admins and services see every wallet).
  http::Response GetWallet(const http::Request& request, const platform::Caller& caller);
  // POST /api/wallets/{userId}/deposits {"amount"} with Idempotency-Key: 201
  // {"transactionId", "balance"}; creates the wallet; 422 when the balance would exceed
  // Money::kAmountCentsMax.
  http::Response PostDeposit(const http::Request& request, const platform::Caller& caller);
  // POST /api/wallets/{userId}/withdrawals {"amount"} with Idempotency-Key: 201, or 402
  // insufficient-funds (also without a wallet).
  http::Response PostWithdrawal(const http::Request& request, const platform::Caller& caller);
  // GET /internal/wallet-transactions?userId=&limit= (services and admins): deposits and
  // withdrawals, newest first, shaped like the Payment service's transactions.
  http::Response GetTransactions(const http::Request& request, const platform::Caller& caller);

  // Adds every endpoint to `server`, each behind platform::Guarded.
  void Register(http::Server& server, const std::string& internal_secret);

 private:
  http::Response PostEntry(const http::Request& request, const platform::Caller& caller,
                           EntryType type);

  storage::Db& db_;
  const Clock& clock_;
  Rng& rng_;
};

}  // namespace tinysaga::wallet
