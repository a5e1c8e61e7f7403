#pragma once
// Wallet balance rules. Every balance change is one ledger entry of a type that says which
// way the money moves, and the new balance is computed here with Money's checked arithmetic:
// nothing goes negative, and no deposit takes the balance past Money::kAmountCentsMax. A
// credit gives back money that left this wallet (a refund, a voided debit), so it must always
// land: it may take the balance past that cap, up to Money::kBalanceCentsMax. Pure: no I/O.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tinysaga/core/money.h"
#include "tinysaga/core/result.h"

namespace tinysaga::wallet {

enum class EntryType {
  kDeposit,     // the user adds money (POST .../deposits)
  kWithdrawal,  // the user takes money out (POST .../withdrawals)
  kDebit,       // a payment charges the wallet (Payment service, by operation id)
  kCredit,      // a refund or a voided debit gives money back (Payment service, by operation id)
};

std::string_view EntryTypeName(EntryType type);
std::optional<EntryType> ParseEntryType(std::string_view name);

// True for deposits and credits.
bool IncreasesBalance(EntryType type);

// The description stored with an entry when the caller gives none ("Deposit", ...).
std::string DefaultDescription(EntryType type);

// An amount to move: 1..Money::kAmountCentsMax cents. kInvalidRequest naming `field`.
Result<Money> ValidateAmount(std::string_view field, int64_t amount_cents,
                             std::string_view currency = Money::kDefaultCurrency);

// The Payment service's operation ids ("pay:ord_...", "refund:ord_..."): 1..kOperationIdLengthMax
// characters of [A-Za-z0-9_:.-], so that they are safe in logs and never empty.
inline constexpr size_t kOperationIdLengthMax = 128;
bool IsValidOperationId(std::string_view text);

// The balance after applying `amount` of `type`: kUnprocessable when a deposit would take it
// past Money::kAmountCentsMax, a credit past Money::kBalanceCentsMax (out of reach: a credit
// only returns a debit), or the currencies differ; kInsufficientFunds when a withdrawal or
// debit is larger than the balance.
Result<Money> ApplyToBalance(const Money& balance, EntryType type, const Money& amount);

}  // namespace tinysaga::wallet
