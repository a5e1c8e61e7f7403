// Pure rules of the wallet: amounts, balance arithmetic, entry types, query parsing.

#include <gtest/gtest.h>

#include "tinysaga/core/query.h"
#include "wallet/domain/ledger.h"

namespace tinysaga::wallet {
namespace {

Money Usd(int64_t cents) { return Money::FromCents(cents).value(); }

TEST(EntryType, NamesRoundTrip) {
  for (auto type :
       {EntryType::kDeposit, EntryType::kWithdrawal, EntryType::kDebit, EntryType::kCredit}) {
    EXPECT_EQ(ParseEntryType(EntryTypeName(type)), type);
  }
  EXPECT_EQ(EntryTypeName(EntryType::kDeposit), "DEPOSIT");
  EXPECT_FALSE(ParseEntryType("deposit").has_value());
  EXPECT_TRUE(IncreasesBalance(EntryType::kDeposit));
  EXPECT_TRUE(IncreasesBalance(EntryType::kCredit));
  EXPECT_FALSE(IncreasesBalance(EntryType::kWithdrawal));
  EXPECT_FALSE(IncreasesBalance(EntryType::kDebit));
  EXPECT_EQ(DefaultDescription(EntryType::kWithdrawal), "Withdrawal");
}

TEST(ValidateAmount, AcceptsOneToMax) {
  EXPECT_EQ(ValidateAmount("amount", 1).value().cents(), 1);
  EXPECT_EQ(ValidateAmount("amount", Money::kAmountCentsMax).value().cents(),
            Money::kAmountCentsMax);
  EXPECT_EQ(ValidateAmount("amount", 5, "EUR").value().currency(), "EUR");
}

TEST(ValidateAmount, RejectsZeroNegativeHugeAndBadCurrency) {
  for (int64_t cents :
       {int64_t{0}, int64_t{-1}, INT64_MIN, Money::kAmountCentsMax + 1, INT64_MAX}) {
    auto result = ValidateAmount("amount", cents);
    ASSERT_FALSE(result.ok()) << cents;
    EXPECT_EQ(result.error().code, Errc::kInvalidRequest);
    EXPECT_NE(result.error().detail.find("amount"), std::string::npos);
  }
  EXPECT_EQ(ValidateAmount("amount", 5, "usd").error().code, Errc::kInvalidRequest);
}

TEST(ApplyToBalance, DepositsAndCreditsAdd) {
  EXPECT_EQ(ApplyToBalance(Usd(100), EntryType::kDeposit, Usd(50)).value(), Usd(150));
  EXPECT_EQ(ApplyToBalance(Usd(0), EntryType::kCredit, Usd(1)).value(), Usd(1));
  EXPECT_EQ(ApplyToBalance(Usd(Money::kAmountCentsMax - 1), EntryType::kDeposit, Usd(1)).value(),
            Usd(Money::kAmountCentsMax));
}

TEST(ApplyToBalance, ADepositBeyondTheCapIsUnprocessable) {
  auto result = ApplyToBalance(Usd(Money::kAmountCentsMax), EntryType::kDeposit, Usd(1));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::kUnprocessable);
}

TEST(ApplyToBalance, ACreditReturningMoneyLandsPastTheDepositCap) {
  // A full wallet whose order is refunded: the money that left it comes back.
  auto refunded =
      ApplyToBalance(Usd(Money::kAmountCentsMax), EntryType::kCredit, Usd(Money::kAmountCentsMax));
  ASSERT_TRUE(refunded.ok()) << refunded.error().detail;
  EXPECT_EQ(refunded->cents(), 2 * Money::kAmountCentsMax);
  // Above the cap the wallet can pay and be withdrawn from, but takes no deposit.
  EXPECT_EQ(ApplyToBalance(*refunded, EntryType::kDeposit, Usd(1)).error().code,
            Errc::kUnprocessable);
  EXPECT_EQ(ApplyToBalance(*refunded, EntryType::kDebit, Usd(5)).value().cents(),
            2 * Money::kAmountCentsMax - 5);
  // The ledger's own bound, out of reach in practice: ten thousand refunds of the largest order.
  auto huge = Money::BalanceFromCents(Money::kBalanceCentsMax);
  ASSERT_TRUE(huge.ok());
  EXPECT_EQ(ApplyToBalance(*huge, EntryType::kCredit, Usd(1)).error().code, Errc::kUnprocessable);
}

TEST(ApplyToBalance, WithdrawalsAndDebitsSubtractDownToZeroOnly) {
  EXPECT_EQ(ApplyToBalance(Usd(100), EntryType::kWithdrawal, Usd(100)).value(), Usd(0));
  EXPECT_EQ(ApplyToBalance(Usd(100), EntryType::kDebit, Usd(40)).value(), Usd(60));
  auto result = ApplyToBalance(Usd(100), EntryType::kWithdrawal, Usd(101));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::kInsufficientFunds);
  EXPECT_EQ(ApplyToBalance(Usd(0), EntryType::kDebit, Usd(1)).error().code,
            Errc::kInsufficientFunds);
}

TEST(ApplyToBalance, CurrenciesMustMatch) {
  auto euros = Money::FromCents(10, "EUR").value();
  EXPECT_EQ(ApplyToBalance(Usd(100), EntryType::kDeposit, euros).error().code,
            Errc::kUnprocessable);
  EXPECT_EQ(ApplyToBalance(Usd(100), EntryType::kWithdrawal, euros).error().code,
            Errc::kUnprocessable);
}

TEST(ApplyToBalance, MoneyIsConservedOverASequence) {
  Money balance = Usd(0);
  int64_t in = 0;
  int64_t out = 0;
  const std::pair<EntryType, int64_t> steps[] = {{EntryType::kDeposit, 1'000},
                                                 {EntryType::kDebit, 300},
                                                 {EntryType::kCredit, 300},
                                                 {EntryType::kWithdrawal, 999},
                                                 {EntryType::kDebit, 2}};
  for (const auto& [type, cents] : steps) {
    auto after = ApplyToBalance(balance, type, Usd(cents));
    if (!after.ok()) continue;  // the last debit is refused: only 1 cent is left
    balance = after.value();
    (IncreasesBalance(type) ? in : out) += cents;
  }
  EXPECT_EQ(balance.cents(), 1);
  EXPECT_EQ(balance.cents(), in - out);
}

TEST(ParseQueryInteger, DefaultWhenAbsentAndStrictDigitsOtherwise) {
  EXPECT_EQ(ParseQueryInteger("limit", std::nullopt, 1, 200, 50).value(), 50);
  EXPECT_EQ(ParseQueryInteger("limit", "200", 1, 200, 50).value(), 200);
  for (const char* text :
       {"", "0", "201", "-5", "+5", "5 ", "5.0", "five", "1e2", "99999999999999999999"}) {
    auto result = ParseQueryInteger("limit", std::string(text), 1, 200, 50);
    ASSERT_FALSE(result.ok()) << text;
    EXPECT_NE(result.error().detail.find("limit"), std::string::npos);
  }
}

}  // namespace
}  // namespace tinysaga::wallet
