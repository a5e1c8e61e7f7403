#include "wallet/wallet_repository.h"

#include <soci/soci.h>

namespace tinysaga::wallet {
namespace {

// How often a compare-and-set is retried after a concurrent change before giving up with
// kConflict; each retry means another writer made progress, so a few suffice.
constexpr int kCompareAndSetAttemptsMax = 5;

constexpr const char* kEntryColumns =
    "entry_id, user_id, entry_type, amount_cents, currency, order_id, operation_id, description, "
    "created_at_ms";

// One ledger row's columns, bound with soci::into.
struct EntryRow {
  std::string entry_id;
  std::string user_id;
  std::string entry_type;
  long long amount_cents = 0;
  std::string currency;
  std::string order_id;
  soci::indicator order_id_indicator = soci::i_null;
  std::string operation_id;
  soci::indicator operation_id_indicator = soci::i_null;
  std::string description;
  long long created_at_ms = 0;

  // Binds every column, in kEntryColumns order, to this row.
  void BindInto(soci::details::prepare_temp_type& prepare) {
    prepare, soci::into(entry_id), soci::into(user_id), soci::into(entry_type),
        soci::into(amount_cents), soci::into(currency), soci::into(order_id, order_id_indicator),
        soci::into(operation_id, operation_id_indicator), soci::into(description),
        soci::into(created_at_ms);
  }

  Result<LedgerEntry> ToEntry() const {
    auto type = ParseEntryType(entry_type);
    auto amount = Money::FromCents(amount_cents, currency);
    if (!type || !amount.ok()) {
      return MakeError(Errc::kInternal, "ledger entry " + entry_id + " is malformed");
    }
    return LedgerEntry{
        .entry_id = TransactionId(entry_id),
        .user_id = UserId(user_id),
        .type = *type,
        .amount = std::move(amount).value(),
        .order_id = order_id_indicator == soci::i_ok ? std::optional<OrderId>(OrderId(order_id))
                                                     : std::nullopt,
        .operation_id = operation_id_indicator == soci::i_ok
                            ? std::optional<std::string>(operation_id)
                            : std::nullopt,
        .description = description,
        .created_at_ms = created_at_ms,
    };
  }
};

// Creates an empty wallet unless one exists (a concurrent creation is not an error).
void CreateWalletIfMissing(soci::session& session, const UserId& user_id,
                           const std::string& currency, TimestampMs now_ms) {
  const std::string user = user_id.value();
  const long long created_at_ms = now_ms;
  const long long updated_at_ms = now_ms;
  session << "INSERT INTO wallets (user_id, balance_cents, currency, created_at_ms, "
             "updated_at_ms) VALUES (:user_id, 0, :currency, :created_at_ms, :updated_at_ms) "
             "ON CONFLICT DO NOTHING",
      soci::use(user, "user_id"), soci::use(currency, "currency"),
      soci::use(created_at_ms, "created_at_ms"), soci::use(updated_at_ms, "updated_at_ms");
}

// Sets the balance from `expected` to `balance`; false (nothing written) when it changed.
bool CompareAndSetBalance(soci::session& session, const UserId& user_id, const Money& expected,
                          const Money& balance, TimestampMs now_ms) {
  const std::string user = user_id.value();
  const long long expected_cents = expected.cents();
  const long long balance_cents = balance.cents();
  const long long updated_at_ms = now_ms;
  soci::statement update =
      (session.prepare << "UPDATE wallets SET balance_cents = :balance_cents, "
                          "updated_at_ms = :updated_at_ms "
                          "WHERE user_id = :user_id AND balance_cents = :expected_cents",
       soci::use(balance_cents, "balance_cents"), soci::use(updated_at_ms, "updated_at_ms"),
       soci::use(user, "user_id"), soci::use(expected_cents, "expected_cents"));
  update.execute(true);
  return update.get_affected_rows() == 1;
}

void InsertEntry(soci::session& session, const LedgerEntry& entry) {
  const std::string entry_id = entry.entry_id.value();
  const std::string user = entry.user_id.value();
  const std::string entry_type(EntryTypeName(entry.type));
  const long long amount_cents = entry.amount.cents();
  const std::string& currency = entry.amount.currency();
  const std::string order_id = entry.order_id ? entry.order_id->value() : std::string();
  soci::indicator order_id_indicator = entry.order_id ? soci::i_ok : soci::i_null;
  const std::string operation_id = entry.operation_id.value_or(std::string());
  soci::indicator operation_id_indicator = entry.operation_id ? soci::i_ok : soci::i_null;
  const long long created_at_ms = entry.created_at_ms;
  session << "INSERT INTO wallet_ledger (" << kEntryColumns
          << ") VALUES (:entry_id, :user_id, :entry_type, :amount_cents, :currency, :order_id, "
             ":operation_id, :description, :created_at_ms)",
      soci::use(entry_id, "entry_id"), soci::use(user, "user_id"),
      soci::use(entry_type, "entry_type"), soci::use(amount_cents, "amount_cents"),
      soci::use(currency, "currency"), soci::use(order_id, order_id_indicator, "order_id"),
      soci::use(operation_id, operation_id_indicator, "operation_id"),
      soci::use(entry.description, "description"), soci::use(created_at_ms, "created_at_ms");
}

// A repeated operation: the same user, type and amount replay, anything else is a mismatch.
Result<AppliedEntry> Replay(soci::session& session, const LedgerEntry& existing,
                            const LedgerEntry& requested) {
  if (existing.user_id != requested.user_id || existing.type != requested.type ||
      existing.amount != requested.amount || existing.order_id != requested.order_id) {
    return MakeError(Errc::kIdempotencyMismatch,
                     "operation " + *requested.operation_id + " was used for another request");
  }
  TS_ASSIGN_OR_RETURN(std::optional<Wallet> wallet, FindWallet(session, existing.user_id));
  if (!wallet) return MakeError(Errc::kInternal, "ledger entry without a wallet");
  return AppliedEntry{.entry = existing, .balance = wallet->balance, .replayed = true};
}

}  // namespace

Result<std::optional<Wallet>> FindWallet(soci::session& session, const UserId& user_id) {
  const std::string user = user_id.value();
  long long balance_cents = 0;
  std::string currency;
  long long created_at_ms = 0;
  long long updated_at_ms = 0;
  session << "SELECT balance_cents, currency, created_at_ms, updated_at_ms FROM wallets "
             "WHERE user_id = :user_id",
      soci::into(balance_cents), soci::into(currency), soci::into(created_at_ms),
      soci::into(updated_at_ms), soci::use(user, "user_id");
  if (!session.got_data()) return std::optional<Wallet>();
  auto balance = Money::BalanceFromCents(balance_cents, currency);
  if (!balance.ok()) return MakeError(Errc::kInternal, "wallet " + user + " is malformed");
  return std::optional<Wallet>(Wallet{
      .user_id = user_id,
      .balance = std::move(balance).value(),
      .created_at_ms = created_at_ms,
      .updated_at_ms = updated_at_ms,
  });
}

Result<AppliedEntry> ApplyEntry(soci::session& session, const LedgerEntry& entry) {
  if (entry.operation_id) {
    TS_ASSIGN_OR_RETURN(std::optional<LedgerEntry> existing,
                        FindEntryByOperation(session, *entry.operation_id));
    if (existing) return Replay(session, *existing, entry);
  }
  for (int attempt = 0; attempt < kCompareAndSetAttemptsMax; ++attempt) {
    TS_ASSIGN_OR_RETURN(std::optional<Wallet> wallet, FindWallet(session, entry.user_id));
    if (!wallet) {
      if (!IncreasesBalance(entry.type)) {
        return MakeError(Errc::kInsufficientFunds, "the wallet is empty");
      }
      CreateWalletIfMissing(session, entry.user_id, entry.amount.currency(), entry.created_at_ms);
      continue;
    }
    TS_ASSIGN_OR_RETURN(Money balance, ApplyToBalance(wallet->balance, entry.type, entry.amount));
    if (CompareAndSetBalance(session, entry.user_id, wallet->balance, balance,
                             entry.created_at_ms)) {
      InsertEntry(session, entry);
      return AppliedEntry{.entry = entry, .balance = std::move(balance), .replayed = false};
    }
  }
  return MakeError(Errc::kConflict, "the wallet of " + entry.user_id.value() +
                                        " kept changing concurrently; try again");
}

Result<std::optional<LedgerEntry>> FindEntryByOperation(soci::session& session,
                                                        const std::string& operation_id) {
  EntryRow row;
  soci::details::prepare_temp_type prepare =
      session.prepare << "SELECT " << kEntryColumns
                      << " FROM wallet_ledger WHERE operation_id = :operation_id";
  row.BindInto(prepare);
  prepare, soci::use(operation_id, "operation_id");
  soci::statement select(prepare);
  select.execute();
  if (!select.fetch()) return std::optional<LedgerEntry>();
  TS_ASSIGN_OR_RETURN(LedgerEntry entry, row.ToEntry());
  return std::optional<LedgerEntry>(std::move(entry));
}

Result<std::vector<LedgerEntry>> ListDepositsAndWithdrawals(soci::session& session,
                                                            const std::optional<UserId>& user_id,
                                                            size_t limit) {
  const std::string user = user_id ? user_id->value() : std::string();
  const long long row_limit = static_cast<long long>(limit);
  // Two fixed texts rather than SQL built from input.
  const char* filter = user_id ? "WHERE entry_type IN ('DEPOSIT', 'WITHDRAWAL') "
                                 "AND user_id = :user_id "
                               : "WHERE entry_type IN ('DEPOSIT', 'WITHDRAWAL') ";
  EntryRow row;
  soci::details::prepare_temp_type prepare =
      session.prepare << "SELECT " << kEntryColumns << " FROM wallet_ledger " << filter
                      << "ORDER BY created_at_ms DESC, entry_id DESC LIMIT :row_limit";
  row.BindInto(prepare);
  if (user_id) prepare, soci::use(user, "user_id");
  prepare, soci::use(row_limit, "row_limit");
  soci::statement select(prepare);
  select.execute();
  std::vector<LedgerEntry> entries;
  while (select.fetch()) {
    TS_ASSIGN_OR_RETURN(LedgerEntry entry, row.ToEntry());
    entries.push_back(std::move(entry));
  }
  return entries;
}

Result<int64_t> LedgerSum(soci::session& session, const UserId& user_id) {
  const std::string user = user_id.value();
  long long sum = 0;
  soci::indicator sum_indicator = soci::i_ok;
  session << "SELECT CAST(SUM(CASE WHEN entry_type IN ('DEPOSIT', 'CREDIT') THEN amount_cents "
             "ELSE -amount_cents END) AS BIGINT) FROM wallet_ledger WHERE user_id = :user_id",
      soci::into(sum, sum_indicator), soci::use(user, "user_id");
  return sum_indicator == soci::i_null ? int64_t{0} : int64_t{sum};
}

}  // namespace tinysaga::wallet
