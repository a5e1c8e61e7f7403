#pragma once
// The wallet's SQL, through SOCI. Every function takes the caller's session and runs inside
// the caller's transaction (storage::Db::Write for changes): the functions never commit.
// SOCI exceptions are left to Db, which rolls back and translates them.
//
// Races: a balance only changes through a compare-and-set (UPDATE ... WHERE balance_cents =
// :expected), computed by the pure ApplyToBalance, so on PostgreSQL (READ COMMITTED) a
// concurrent change makes the update miss and the function re-reads; on SQLite writers are
// serialised anyway. Each change and its ledger row commit together.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tinysaga/core/clock.h"
#include "tinysaga/core/ids.h"
#include "tinysaga/core/money.h"
#include "tinysaga/core/result.h"
#include "wallet/domain/ledger.h"

namespace soci {
class session;
}

namespace tinysaga::wallet {

struct Wallet {
  UserId user_id;
  Money balance;
  TimestampMs created_at_ms = 0;
  TimestampMs updated_at_ms = 0;
};

struct LedgerEntry {
  TransactionId entry_id;  // "txn_..."; the public transactionId
  UserId user_id;
  EntryType type = EntryType::kDeposit;
  Money amount;
  std::optional<OrderId> order_id;          // debits and credits for an order
  std::optional<std::string> operation_id;  // the Payment service's idempotency key
  std::string description;
  TimestampMs created_at_ms = 0;
};

struct AppliedEntry {
  LedgerEntry entry;
  Money balance;          // the wallet's balance after the entry
  bool replayed = false;  // the operation id was applied before; nothing changed now
};

Result<std::optional<Wallet>> FindWallet(soci::session& session, const UserId& user_id);

// Applies `entry` (its created_at_ms is the time of the change) to its user's wallet and
// writes it to the ledger. A deposit or credit creates a missing wallet; a withdrawal or
// debit on a missing wallet is kInsufficientFunds. ApplyToBalance's errors
// (kInsufficientFunds, kUnprocessable for overflow) write nothing.
// With an operation id the call is idempotent: a repeat returns the first entry with
// replayed = true, and a different request under the same operation id is
// kIdempotencyMismatch.
Result<AppliedEntry> ApplyEntry(soci::session& session, const LedgerEntry& entry);

// The entry an operation id produced, if any (for the Payment service's debits and credits,
// next issue: a debit whose answer was lost is found here and voided by a credit).
Result<std::optional<LedgerEntry>> FindEntryByOperation(soci::session& session,
                                                        const std::string& operation_id);

// DEPOSIT and WITHDRAWAL entries, newest first, of one user or (nullopt) of everyone; at
// most `limit`.
Result<std::vector<LedgerEntry>> ListDepositsAndWithdrawals(soci::session& session,
                                                            const std::optional<UserId>& user_id,
                                                            size_t limit);

// SUM of the user's ledger with signs (increases minus decreases); equals the balance when
// money is conserved.
Result<int64_t> LedgerSum(soci::session& session, const UserId& user_id);

}  // namespace tinysaga::wallet
