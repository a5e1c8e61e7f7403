#include "wallet/domain/ledger.h"

#include <array>
#include <utility>

namespace tinysaga::wallet {
namespace {

constexpr std::array<std::pair<EntryType, std::string_view>, 4> kEntryTypeNames = {{
    {EntryType::kDeposit, "DEPOSIT"},
    {EntryType::kWithdrawal, "WITHDRAWAL"},
    {EntryType::kDebit, "DEBIT"},
    {EntryType::kCredit, "CREDIT"},
}};

}  // namespace

std::string_view EntryTypeName(EntryType type) {
  for (const auto& [candidate, name] : kEntryTypeNames) {
    if (candidate == type) return name;
  }
  return "UNKNOWN";
}

std::optional<EntryType> ParseEntryType(std::string_view name) {
  for (const auto& [type, candidate] : kEntryTypeNames) {
    if (candidate == name) return type;
  }
  return std::nullopt;
}

bool IncreasesBalance(EntryType type) {
  return type == EntryType::kDeposit || type == EntryType::kCredit;
}

std::string DefaultDescription(EntryType type) {
  switch (type) {
    case EntryType::kDeposit:
      return "Deposit";
    case EntryType::kWithdrawal:
      return "Withdrawal";
    case EntryType::kDebit:
      return "Payment";
    case EntryType::kCredit:
      return "Refund";
  }
  return "Unknown";
}

bool IsValidOperationId(std::string_view text) {
  if (text.empty() || text.size() > kOperationIdLengthMax) return false;
  for (char c : text) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '_' || c == ':' || c == '.' || c == '-';
    if (!allowed) return false;
  }
  return true;
}

Result<Money> ValidateAmount(std::string_view field, int64_t amount_cents,
                             std::string_view currency) {
  if (amount_cents < 1 || amount_cents > Money::kAmountCentsMax) {
    return MakeError(Errc::kInvalidRequest, "field '" + std::string(field) +
                                                "' must be an integer from 1 to " +
                                                std::to_string(Money::kAmountCentsMax));
  }
  auto amount = Money::FromCents(amount_cents, std::string(currency));
  if (!amount.ok()) {
    return MakeError(Errc::kInvalidRequest,
                     "field '" + std::string(field) + "': " + amount.error().detail);
  }
  return amount;
}

Result<Money> ApplyToBalance(const Money& balance, EntryType type, const Money& amount) {
  if (IncreasesBalance(type)) {
    const bool returned = type == EntryType::kCredit;
    auto after = returned ? balance.PlusToBalance(amount) : balance.Plus(amount);
    if (!after.ok() && after.error().code == Errc::kUnprocessable &&
        balance.currency() == amount.currency()) {
      const int64_t cap = returned ? Money::kBalanceCentsMax : Money::kAmountCentsMax;
      return MakeError(Errc::kUnprocessable,
                       "the balance would exceed " + std::to_string(cap) + " cents");
    }
    return after;
  }
  auto after = balance.Minus(amount);
  if (!after.ok() && after.error().code == Errc::kInsufficientFunds) {
    return MakeError(Errc::kInsufficientFunds, "the balance is " + std::to_string(balance.cents()) +
                                                   " cents, " + std::to_string(amount.cents()) +
                                                   " requested");
  }
  return after;
}

}  // namespace tinysaga::wallet
