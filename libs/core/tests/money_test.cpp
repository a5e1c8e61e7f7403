#include "tinysaga/core/money.h"

#include <gtest/gtest.h>

namespace tinysaga {
namespace {

TEST(Money, AcceptsZeroAndTheMaximum) {
  EXPECT_TRUE(Money::FromCents(0).ok());
  EXPECT_TRUE(Money::FromCents(Money::kAmountCentsMax).ok());
}

TEST(Money, RejectsNegativeAndHugeAmounts) {
  EXPECT_EQ(Money::FromCents(-1).error().code, Errc::kInvalidRequest);
  EXPECT_EQ(Money::FromCents(Money::kAmountCentsMax + 1).error().code, Errc::kUnprocessable);
}

TEST(Money, BalancesGoPastTheAmountCapOnlyThroughTheirOwnFunctions) {
  auto full = Money::FromCents(Money::kAmountCentsMax).value();
  EXPECT_EQ(full.Plus(Money::FromCents(1).value()).error().code, Errc::kUnprocessable);
  auto past = full.PlusToBalance(Money::FromCents(1).value());
  ASSERT_TRUE(past.ok());
  EXPECT_EQ(past->cents(), Money::kAmountCentsMax + 1);
  EXPECT_TRUE(Money::BalanceFromCents(Money::kBalanceCentsMax).ok());
  EXPECT_EQ(Money::BalanceFromCents(Money::kBalanceCentsMax + 1).error().code,
            Errc::kUnprocessable);
  EXPECT_EQ(Money::BalanceFromCents(-1).error().code, Errc::kInvalidRequest);
  auto top = Money::BalanceFromCents(Money::kBalanceCentsMax).value();
  EXPECT_EQ(top.PlusToBalance(top).error().code, Errc::kUnprocessable);  // no int64 overflow
}

TEST(Money, RejectsMalformedCurrency) {
  EXPECT_FALSE(Money::FromCents(1, "usd").ok());
  EXPECT_FALSE(Money::FromCents(1, "US").ok());
}

TEST(Money, TimesDetectsOverflowInsteadOfWrapping) {
  auto price = Money::FromCents(Money::kAmountCentsMax).value();
  EXPECT_EQ(price.Times(INT64_MAX).error().code, Errc::kUnprocessable);
  EXPECT_EQ(price.Times(2).error().code, Errc::kUnprocessable);
  EXPECT_EQ(Money::FromCents(250).value().Times(4).value().cents(), 1000);
}

TEST(Money, MinusBelowZeroIsInsufficientFunds) {
  auto ten = Money::FromCents(10).value();
  auto eleven = Money::FromCents(11).value();
  EXPECT_EQ(ten.Minus(eleven).error().code, Errc::kInsufficientFunds);
  EXPECT_EQ(eleven.Minus(ten).value().cents(), 1);
}

TEST(Money, CurrenciesDoNotMix) {
  auto usd = Money::FromCents(10, "USD").value();
  auto eur = Money::FromCents(10, "EUR").value();
  EXPECT_FALSE(usd.Plus(eur).ok());
  EXPECT_FALSE(usd.Minus(eur).ok());
}

}  // namespace
}  // namespace tinysaga
