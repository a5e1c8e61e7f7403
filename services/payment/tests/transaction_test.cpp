#include "payment/domain/transaction.h"

#include <gtest/gtest.h>

#include <set>

namespace tinysaga::payment {
namespace {

Transaction Row(std::string id, TimestampMs at_ms,
                TransactionType type = TransactionType::kDeposit) {
  Transaction transaction;
  transaction.transaction_id = TransactionId(std::move(id));
  transaction.user_id = UserId("alice");
  transaction.type = type;
  if (IsOwnedByPayment(type)) {
    transaction.order_id = OrderId("ord_1");
    transaction.payment_status = PaymentStatus::kCompleted;
  }
  transaction.amount_cents = 100;
  transaction.currency = "USD";
  transaction.timestamp_ms = at_ms;
  return transaction;
}

TEST(TransactionType, FormatAndParseRoundTrip) {
  for (TransactionType type : kAllTransactionTypes)
    EXPECT_EQ(ParseTransactionType(FormatTransactionType(type)), type);
  EXPECT_EQ(FormatTransactionType(TransactionType::kWithdrawal), "WITHDRAWAL");
  for (std::string_view text : {"", "deposit", "DEBIT", "CREDIT", "PAYMENT "}) {
    EXPECT_FALSE(ParseTransactionType(text).has_value()) << text;
  }
}

TEST(PaymentStatus, FormatAndParseRoundTrip) {
  for (PaymentStatus status : kAllPaymentStatuses)
    EXPECT_EQ(ParsePaymentStatus(FormatPaymentStatus(status)), status);
  for (std::string_view text : {"", "pending", "DONE"})
    EXPECT_FALSE(ParsePaymentStatus(text).has_value()) << text;
}

TEST(PaymentStatus, OnlyPaymentAndRefundBelongToPayment) {
  EXPECT_TRUE(IsOwnedByPayment(TransactionType::kPayment));
  EXPECT_TRUE(IsOwnedByPayment(TransactionType::kRefund));
  EXPECT_FALSE(IsOwnedByPayment(TransactionType::kDeposit));
  EXPECT_FALSE(IsOwnedByPayment(TransactionType::kWithdrawal));
}

TEST(PaymentTransitions, FollowPendingCompletedRefundedOrFailed) {
  EXPECT_TRUE(IsAllowedPaymentTransition(PaymentStatus::kPending, PaymentStatus::kCompleted));
  EXPECT_TRUE(IsAllowedPaymentTransition(PaymentStatus::kPending, PaymentStatus::kFailed));
  EXPECT_TRUE(IsAllowedPaymentTransition(PaymentStatus::kCompleted, PaymentStatus::kRefunded));
  EXPECT_FALSE(IsAllowedPaymentTransition(PaymentStatus::kPending, PaymentStatus::kRefunded));
  EXPECT_FALSE(IsAllowedPaymentTransition(PaymentStatus::kCompleted, PaymentStatus::kFailed));
  EXPECT_EQ(PaymentTransitions().size(), 3u);
}

TEST(PaymentTransitions, NoPaymentEverLeavesAFinalStatus) {
  for (PaymentStatus from : kAllPaymentStatuses) {
    if (!IsFinal(from)) continue;
    for (PaymentStatus to : kAllPaymentStatuses) {
      EXPECT_FALSE(IsAllowedPaymentTransition(from, to));
      auto check = CheckPaymentTransition(from, to);
      ASSERT_FALSE(check.ok());
      EXPECT_EQ(check.error().code, Errc::kConflict);
    }
  }
  for (const PaymentTransition& row : PaymentTransitions()) EXPECT_FALSE(IsFinal(row.from));
}

TEST(CheckShape, OrderIdAndStatusExactlyForPaymentsOwnTypes) {
  EXPECT_TRUE(CheckShape(Row("txn_1", 1, TransactionType::kPayment)).ok());
  EXPECT_TRUE(CheckShape(Row("txn_1", 1, TransactionType::kDeposit)).ok());
  Transaction deposit_with_order = Row("txn_1", 1);
  deposit_with_order.order_id = OrderId("ord_1");
  EXPECT_FALSE(CheckShape(deposit_with_order).ok());
  Transaction deposit_with_status = Row("txn_1", 1);
  deposit_with_status.payment_status = PaymentStatus::kCompleted;
  EXPECT_FALSE(CheckShape(deposit_with_status).ok());
  Transaction payment_without_order = Row("txn_1", 1, TransactionType::kPayment);
  payment_without_order.order_id.reset();
  EXPECT_FALSE(CheckShape(payment_without_order).ok());
  Transaction payment_without_status = Row("txn_1", 1, TransactionType::kRefund);
  payment_without_status.payment_status.reset();
  EXPECT_FALSE(CheckShape(payment_without_status).ok());
  Transaction negative = Row("txn_1", 1);
  negative.amount_cents = -1;
  EXPECT_FALSE(CheckShape(negative).ok());
  EXPECT_FALSE(CheckShape(Row("txn/1", 1)).ok());
}

TEST(MergeNewestFirst, InterleavesByTimeBreaksTiesByIdAndCuts) {
  auto merged =
      MergeNewestFirst({Row("a", 10), Row("b", 30), Row("c", 20)}, {Row("d", 25), Row("e", 30)}, 4);
  std::vector<std::string> ids;
  for (const Transaction& transaction : merged) ids.push_back(transaction.transaction_id.value());
  EXPECT_EQ(ids, (std::vector<std::string>{"e", "b", "d", "c"}));
  EXPECT_TRUE(MergeNewestFirst({}, {}, 5).empty());
  EXPECT_EQ(MergeNewestFirst({Row("a", 1)}, {}, 5).size(), 1u);
}

TEST(ParseRfc3339Ms, InvertsFormatRfc3339) {
  for (TimestampMs at_ms :
       {TimestampMs{0}, TimestampMs{1}, TimestampMs{999}, TimestampMs{951'782'400'000},
        TimestampMs{1'767'225'600'123}, TimestampMs{4'102'444'799'999}, TimestampMs{-1}}) {
    EXPECT_EQ(ParseRfc3339Ms(FormatRfc3339(at_ms)), at_ms) << FormatRfc3339(at_ms);
  }
  // 2000-02-29 (a leap day in a year divisible by 400), whole seconds, micro- and nanoseconds.
  EXPECT_EQ(ParseRfc3339Ms("2000-02-29T00:00:00Z"), 951'782'400'000);
  EXPECT_EQ(ParseRfc3339Ms("2026-01-01T00:00:00.5Z"), 1'767'225'600'500);
  EXPECT_EQ(ParseRfc3339Ms("2026-01-01T00:00:00.123456789Z"), 1'767'225'600'123);
  EXPECT_EQ(ParseRfc3339Ms("2026-01-01T00:00:00.123+00:00"), 1'767'225'600'123);
}

TEST(ParseRfc3339Ms, RefusesAnythingElse) {
  for (std::string_view text :
       {"", "2026-01-01", "2026-01-01T00:00:00", "2026-01-01 00:00:00Z", "2026-13-01T00:00:00Z",
        "2026-00-01T00:00:00Z", "2026-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
        "2026-04-31T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T00:60:00Z",
        "2026-01-01T00:00:60Z", "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00.1234567890Z",
        "2026-01-01T00:00:00+01:00", "2026-01-01T00:00:00z", "2026-01-01T00:00:00Zjunk",
        "+026-01-01T00:00:00Z"}) {
    EXPECT_FALSE(ParseRfc3339Ms(text).has_value()) << text;
  }
}

}  // namespace
}  // namespace tinysaga::payment
