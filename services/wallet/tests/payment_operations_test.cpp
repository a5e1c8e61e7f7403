// The Payment service's debits and refunds on a real SQLite file (or PostgreSQL, see README):
// exactly one of "debit" and "void of that debit" wins, a refund gives back once, and every
// operation id answers the same on a repeat and refuses another request.

#include "wallet/payment_operations.h"

#include <gtest/gtest.h>

#include "tinysaga/core/rng.h"
#include "tinysaga/testing/test_db.h"
#include "wallet/schema.h"
#include "wallet/wallet_repository.h"

namespace tinysaga::wallet {
namespace {

using testing::TestDb;

constexpr TimestampMs kNowMs = 1'767'225'600'000;

Money Cents(int64_t cents) { return Money::FromCents(cents).value(); }

DebitRequest Debit(const char* order, int64_t cents, const char* user = "alice") {
  return DebitRequest{.operation_id = std::string("pay:") + order,
                      .user_id = UserId(user),
                      .order_id = OrderId(order),
                      .amount = Cents(cents)};
}

RefundRequest Refund(const char* order, const char* user = "alice") {
  return RefundRequest{.debit_operation_id = std::string("pay:") + order,
                       .operation_id = std::string("refund:") + order,
                       .user_id = UserId(user),
                       .order_id = OrderId(order)};
}

class PaymentOperationsTest : public ::testing::Test {
 protected:
  void SetUp() override { Deposit("alice", 1'000); }

  void Deposit(const char* user, int64_t cents) {
    const LedgerEntry entry{.entry_id = TransactionId(NewId("txn", rng_)),
                            .user_id = UserId(user),
                            .type = EntryType::kDeposit,
                            .amount = Cents(cents),
                            .order_id = std::nullopt,
                            .operation_id = std::nullopt,
                            .description = "Deposit",
                            .created_at_ms = kNowMs};
    auto applied = db_.db().Write<AppliedEntry>(
        [&](soci::session& session) { return ApplyEntry(session, entry); });
    ASSERT_TRUE(applied.ok()) << applied.error().detail;
  }
  Result<std::optional<AppliedEntry>> ApplyDebitNow(const DebitRequest& request) {
    const TransactionId entry_id(NewId("txn", rng_));
    return db_.db().Write<std::optional<AppliedEntry>>(
        [&](soci::session& session) { return ApplyDebit(session, request, entry_id, kNowMs); });
  }
  Result<RefundResult> ApplyRefundNow(const RefundRequest& request) {
    const TransactionId entry_id(NewId("txn", rng_));
    return db_.db().Write<RefundResult>(
        [&](soci::session& session) { return ApplyRefund(session, request, entry_id, kNowMs); });
  }
  int64_t Balance(const char* user) {
    auto wallet = db_.db().Read<std::optional<Wallet>>(
        [&](soci::session& session) { return FindWallet(session, UserId(user)); });
    return wallet.ok() && *wallet ? (*wallet)->balance.cents() : -1;
  }
  long long LedgerRows() { return db_.Count("SELECT COUNT(*) FROM wallet_ledger"); }
  // Money is conserved: the ledger sums to the balance.
  void ExpectConserved(const char* user) {
    auto sum = db_.db().Read<int64_t>(
        [&](soci::session& session) { return LedgerSum(session, UserId(user)); });
    ASSERT_TRUE(sum.ok());
    EXPECT_EQ(*sum, Balance(user));
  }

  TestDb db_{schema::Migrations(), {.postgres_from_environment = true}};
  SeededRng rng_{11};
};

TEST_F(PaymentOperationsTest, ADebitTakesTheAmountOnceUnderItsOperationId) {
  auto first = ApplyDebitNow(Debit("ord_1", 300));
  ASSERT_TRUE(first.ok()) << first.error().detail;
  ASSERT_TRUE(first->has_value());
  EXPECT_FALSE((*first)->replayed);
  EXPECT_EQ((*first)->balance.cents(), 700);
  auto again = ApplyDebitNow(Debit("ord_1", 300));  // a retry after a lost answer
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(again->has_value());
  EXPECT_TRUE((*again)->replayed);
  EXPECT_EQ((*again)->entry.entry_id, (*first)->entry.entry_id);
  EXPECT_EQ(Balance("alice"), 700);
  ExpectConserved("alice");
}

TEST_F(PaymentOperationsTest, ADebitBeyondTheBalanceOrWithoutAWalletIsRefused) {
  auto too_much = ApplyDebitNow(Debit("ord_1", 1'001));
  ASSERT_FALSE(too_much.ok());
  EXPECT_EQ(too_much.error().code, Errc::kInsufficientFunds);
  auto no_wallet = ApplyDebitNow(Debit("ord_2", 1, "bob"));
  ASSERT_FALSE(no_wallet.ok());
  EXPECT_EQ(no_wallet.error().code, Errc::kInsufficientFunds);
  EXPECT_EQ(Balance("alice"), 1'000);
  EXPECT_EQ(LedgerRows(), 1);
}

TEST_F(PaymentOperationsTest, AVoidBeforeTheDebitRefusesTheDebit) {
  // The wallet was stopped with the debit in its socket buffer; Payment gave up and the saga's
  // refund came first.
  auto voided = ApplyRefundNow(Refund("ord_1"));
  ASSERT_TRUE(voided.ok()) << voided.error().detail;
  EXPECT_EQ(voided->refunded_cents, 0);
  EXPECT_FALSE(voided->transaction_id.has_value());
  EXPECT_EQ(voided->balance, Cents(1'000));
  EXPECT_FALSE(voided->replayed);

  auto late_debit = ApplyDebitNow(Debit("ord_1", 300));
  ASSERT_TRUE(late_debit.ok()) << late_debit.error().detail;
  EXPECT_FALSE(late_debit->has_value());  // voided: nothing taken
  EXPECT_EQ(Balance("alice"), 1'000);
  EXPECT_EQ(LedgerRows(), 1);
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM voided_operations"), 1);

  auto repeated = ApplyRefundNow(Refund("ord_1"));
  ASSERT_TRUE(repeated.ok());
  EXPECT_EQ(repeated->refunded_cents, 0);
  EXPECT_TRUE(repeated->replayed);
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM voided_operations"), 1);
}

TEST_F(PaymentOperationsTest, ADebitThenItsRefundCreditsItBackOnce) {
  auto debit = ApplyDebitNow(Debit("ord_1", 300));
  ASSERT_TRUE(debit.ok() && debit->has_value());
  auto refund = ApplyRefundNow(Refund("ord_1"));
  ASSERT_TRUE(refund.ok()) << refund.error().detail;
  EXPECT_EQ(refund->refunded_cents, 300);
  ASSERT_TRUE(refund->transaction_id.has_value());
  EXPECT_NE(*refund->transaction_id, (*debit)->entry.entry_id);
  EXPECT_EQ(refund->balance, Cents(1'000));
  EXPECT_FALSE(refund->replayed);

  auto again = ApplyRefundNow(Refund("ord_1"));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->refunded_cents, 300);
  EXPECT_EQ(again->transaction_id, refund->transaction_id);
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(Balance("alice"), 1'000);
  EXPECT_EQ(LedgerRows(), 3);  // deposit, debit, one credit
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM voided_operations"), 0);
  ExpectConserved("alice");

  // A debit retried after its refund is a replay of the original entry, not a second charge.
  auto late_retry = ApplyDebitNow(Debit("ord_1", 300));
  ASSERT_TRUE(late_retry.ok() && late_retry->has_value());
  EXPECT_TRUE((*late_retry)->replayed);
  EXPECT_EQ(Balance("alice"), 1'000);
}

TEST_F(PaymentOperationsTest, ARefundLandsEvenWhenTheWalletWasFilledToTheCapMeanwhile) {
  // Issue 11: pay, deposit up to the cap, cancel: the refund used to be refused for good.
  ASSERT_TRUE(ApplyDebitNow(Debit("ord_1", 300)).ok());
  Deposit("alice", Money::kAmountCentsMax - 700);
  ASSERT_EQ(Balance("alice"), Money::kAmountCentsMax);
  auto refund = ApplyRefundNow(Refund("ord_1"));
  ASSERT_TRUE(refund.ok()) << refund.error().detail;
  EXPECT_EQ(refund->refunded_cents, 300);
  EXPECT_EQ(Balance("alice"), Money::kAmountCentsMax + 300);
  ExpectConserved("alice");
}

TEST_F(PaymentOperationsTest, AnOperationIdUsedForAnotherRequestIsAMismatch) {
  ASSERT_TRUE(ApplyDebitNow(Debit("ord_1", 300)).ok());
  auto other_amount = ApplyDebitNow(Debit("ord_1", 301));
  ASSERT_FALSE(other_amount.ok());
  EXPECT_EQ(other_amount.error().code, Errc::kIdempotencyMismatch);

  // The refund of alice's debit asked for bob, or for another order.
  Deposit("bob", 500);
  auto other_user = ApplyRefundNow(Refund("ord_1", "bob"));
  ASSERT_FALSE(other_user.ok());
  EXPECT_EQ(other_user.error().code, Errc::kIdempotencyMismatch);
  RefundRequest other_order = Refund("ord_1");
  other_order.order_id = OrderId("ord_9");
  auto mismatch = ApplyRefundNow(other_order);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.error().code, Errc::kIdempotencyMismatch);

  // A refund operation id that already holds a credit for another order.
  ASSERT_TRUE(ApplyRefundNow(Refund("ord_1")).ok());
  RefundRequest reused = Refund("ord_2");
  reused.operation_id = "refund:ord_1";
  auto reused_result = ApplyRefundNow(reused);
  ASSERT_FALSE(reused_result.ok());
  EXPECT_EQ(reused_result.error().code, Errc::kIdempotencyMismatch);

  // A void repeated by a different refund.
  ASSERT_TRUE(ApplyRefundNow(Refund("ord_3")).ok());
  RefundRequest other_void = Refund("ord_3");
  other_void.operation_id = "refund:ord_3-bis";
  auto other_void_result = ApplyRefundNow(other_void);
  ASSERT_FALSE(other_void_result.ok());
  EXPECT_EQ(other_void_result.error().code, Errc::kIdempotencyMismatch);

  EXPECT_EQ(Balance("alice"), 1'000);
  EXPECT_EQ(Balance("bob"), 500);
  ExpectConserved("alice");
}

TEST_F(PaymentOperationsTest, AVoidForAUserWithoutAWalletAnswersNoBalance) {
  auto voided = ApplyRefundNow(Refund("ord_1", "carol"));
  ASSERT_TRUE(voided.ok()) << voided.error().detail;
  EXPECT_EQ(voided->refunded_cents, 0);
  EXPECT_FALSE(voided->balance.has_value());
}

}  // namespace
}  // namespace tinysaga::wallet
