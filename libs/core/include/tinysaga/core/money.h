#pragma once
// Money is an integer number of minor units (cents) in one ISO-4217 currency. Every
// arithmetic operation is checked: overflow, a negative result where none is allowed, or a
// currency mix is an error value, never a wrap-around.

#include <cstdint>
#include <string>
#include <string_view>

#include "tinysaga/core/result.h"

namespace tinysaga {

class Money {
 public:
  // Far above any real order, far below INT64_MAX, so that sums of many amounts stay exact.
  static constexpr int64_t kAmountCentsMax = 100'000'000'000'000;  // one trillion units
  // A running balance may grow past kAmountCentsMax, by money coming back (a wallet refuses
  // deposits above kAmountCentsMax but never a refund of its own debit). Still far below
  // INT64_MAX, so that two balances add exactly.
  static constexpr int64_t kBalanceCentsMax = 1'000'000'000'000'000'000;
  static constexpr std::string_view kDefaultCurrency = "USD";

  // Accepts 0 <= amount_cents <= kAmountCentsMax and a currency of three capital letters.
  static Result<Money> FromCents(int64_t amount_cents, std::string currency = std::string(kDefaultCurrency));
  // The same up to kBalanceCentsMax: for balances only, never for an amount to move.
  static Result<Money> BalanceFromCents(int64_t amount_cents,
                                        std::string currency = std::string(kDefaultCurrency));

  int64_t cents() const { return cents_; }
  const std::string& currency() const { return currency_; }

  // Fails with kUnprocessable above kAmountCentsMax (PlusToBalance: kBalanceCentsMax).
  Result<Money> Plus(const Money& other) const;
  Result<Money> PlusToBalance(const Money& other) const;
  // Fails with kInsufficientFunds when the result would be negative.
  Result<Money> Minus(const Money& other) const;
  Result<Money> Times(int64_t quantity) const;

  bool operator==(const Money&) const = default;

 private:
  Money(int64_t cents, std::string currency) : cents_(cents), currency_(std::move(currency)) {}

  int64_t cents_ = 0;
  std::string currency_;
};

bool IsValidCurrency(std::string_view currency);

}  // namespace tinysaga
