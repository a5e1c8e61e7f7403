#include "tinysaga/core/money.h"

namespace tinysaga {

bool IsValidCurrency(std::string_view currency) {
  if (currency.size() != 3) return false;
  for (char c : currency) {
    if (c < 'A' || c > 'Z') return false;
  }
  return true;
}

namespace {

Result<void> CheckCents(int64_t amount_cents, const std::string& currency, int64_t max_cents) {
  if (!IsValidCurrency(currency)) {
    return MakeError(Errc::kInvalidRequest, "currency must be three capital letters (ISO 4217)");
  }
  if (amount_cents < 0) return MakeError(Errc::kInvalidRequest, "amount must not be negative");
  if (amount_cents > max_cents) {
    return MakeError(Errc::kUnprocessable, "amount exceeds " + std::to_string(max_cents) + " cents");
  }
  return Ok();
}

}  // namespace

Result<Money> Money::FromCents(int64_t amount_cents, std::string currency) {
  TS_RETURN_IF_ERROR(CheckCents(amount_cents, currency, kAmountCentsMax));
  return Money(amount_cents, std::move(currency));
}

Result<Money> Money::BalanceFromCents(int64_t amount_cents, std::string currency) {
  TS_RETURN_IF_ERROR(CheckCents(amount_cents, currency, kBalanceCentsMax));
  return Money(amount_cents, std::move(currency));
}

Result<Money> Money::Plus(const Money& other) const {
  if (other.currency_ != currency_) return MakeError(Errc::kUnprocessable, "currency mismatch");
  // Both are at most kBalanceCentsMax, so the sum cannot overflow int64; FromCents bounds it.
  return FromCents(cents_ + other.cents_, currency_);
}

Result<Money> Money::PlusToBalance(const Money& other) const {
  if (other.currency_ != currency_) return MakeError(Errc::kUnprocessable, "currency mismatch");
  return BalanceFromCents(cents_ + other.cents_, currency_);
}

Result<Money> Money::Minus(const Money& other) const {
  if (other.currency_ != currency_) return MakeError(Errc::kUnprocessable, "currency mismatch");
  if (other.cents_ > cents_) return MakeError(Errc::kInsufficientFunds, "result would be negative");
  return Money(cents_ - other.cents_, currency_);
}

Result<Money> Money::Times(int64_t quantity) const {
  if (quantity < 0) return MakeError(Errc::kInvalidRequest, "quantity must not be negative");
  int64_t product = 0;
  if (__builtin_mul_overflow(cents_, quantity, &product)) {
    return MakeError(Errc::kUnprocessable, "amount overflows");
  }
  return FromCents(product, currency_);
}

}  // namespace tinysaga
