#include "payment/payment_repository.h"

#include <gtest/gtest.h>

#include "payment/schema.h"
#include "tinysaga/core/money.h"
#include "tinysaga/testing/test_db.h"

namespace tinysaga::payment {
namespace {

Transaction Payment(std::string id, std::string user, std::string order, TimestampMs at_ms,
                    TransactionType type = TransactionType::kPayment) {
  return Transaction{TransactionId(std::move(id)),
                     UserId(std::move(user)),
                     OrderId(order),
                     type,
                     PaymentStatus::kCompleted,
                     1'250,
                     "USD",
                     at_ms,
                     "payment for " + order};
}

class PaymentRepositoryTest : public ::testing::Test {
 protected:
  void Insert(const Transaction& transaction) {
    auto done = db_.db().Write<bool>([&](soci::session& session) -> Result<bool> {
      InsertTransaction(session, transaction);
      return true;
    });
    ASSERT_TRUE(done.ok()) << done.error().detail;
  }

  std::vector<std::string> ListIds(TransactionFilter filter) {
    auto rows = db_.db().Read<std::vector<Transaction>>(
        [&](soci::session& session) -> Result<std::vector<Transaction>> {
          return ListTransactions(session, filter);
        });
    EXPECT_TRUE(rows.ok());
    std::vector<std::string> ids;
    for (const Transaction& row : *rows) ids.push_back(row.transaction_id.value());
    return ids;
  }

  testing::TestDb db_{schema::AllMigrations()};
};

TEST_F(PaymentRepositoryTest, InsertedRowsReadBackExactly) {
  Transaction payment = Payment("txn_1", "alice", "ord_1", 1'767'225'600'000);
  payment.payment_status = PaymentStatus::kPending;
  payment.amount_cents = Money::kAmountCentsMax;
  Insert(payment);
  auto found = db_.db().Read<std::optional<Transaction>>(
      [](soci::session& session) -> Result<std::optional<Transaction>> {
        return FindTransaction(session, TransactionId("txn_1"));
      });
  ASSERT_TRUE(found.ok() && found->has_value());
  const Transaction& row = **found;
  EXPECT_EQ(row.user_id, UserId("alice"));
  EXPECT_EQ(row.order_id, OrderId("ord_1"));
  EXPECT_EQ(row.type, TransactionType::kPayment);
  EXPECT_EQ(row.payment_status, PaymentStatus::kPending);
  EXPECT_EQ(row.amount_cents, Money::kAmountCentsMax);
  EXPECT_EQ(row.currency, "USD");
  EXPECT_EQ(row.timestamp_ms, 1'767'225'600'000);
  EXPECT_EQ(row.description, "payment for ord_1");
}

TEST_F(PaymentRepositoryTest, AnOrderIsPaidAndRefundedAtMostOnce) {
  Insert(Payment("txn_1", "alice", "ord_1", 1));
  Insert(Payment("txn_2", "alice", "ord_1", 2, TransactionType::kRefund));
  auto second = db_.db().Write<bool>([](soci::session& session) -> Result<bool> {
    InsertTransaction(session, Payment("txn_3", "alice", "ord_1", 3));
    return true;
  });
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().code, Errc::kConflict);
  auto refund = db_.db().Read<std::optional<Transaction>>(
      [](soci::session& session) -> Result<std::optional<Transaction>> {
        return FindOrderTransaction(session, OrderId("ord_1"), TransactionType::kRefund);
      });
  ASSERT_TRUE(refund.ok() && refund->has_value());
  EXPECT_EQ((*refund)->transaction_id, TransactionId("txn_2"));
}

TEST_F(PaymentRepositoryTest, StatusUpdatesAreConditional) {
  Transaction payment = Payment("txn_1", "alice", "ord_1", 1);
  payment.payment_status = PaymentStatus::kPending;
  Insert(payment);
  auto update = [&](PaymentStatus expected, PaymentStatus to) {
    auto done = db_.db().Write<bool>([&](soci::session& session) -> Result<bool> {
      return UpdatePaymentStatusIf(session, TransactionId("txn_1"), expected, to, 5);
    });
    EXPECT_TRUE(done.ok());
    return done.ok() && *done;
  };
  EXPECT_TRUE(update(PaymentStatus::kPending, PaymentStatus::kCompleted));
  EXPECT_FALSE(update(PaymentStatus::kPending, PaymentStatus::kFailed));  // someone was first
  EXPECT_TRUE(update(PaymentStatus::kCompleted, PaymentStatus::kRefunded));
  auto missing = db_.db().Write<bool>([](soci::session& session) -> Result<bool> {
    return UpdatePaymentStatusIf(session, TransactionId("txn_none"), PaymentStatus::kPending,
                                 PaymentStatus::kCompleted, 5);
  });
  EXPECT_FALSE(*missing);
}

TEST_F(PaymentRepositoryTest, ListsNewestFirstByUserAndOrder) {
  Insert(Payment("txn_a", "alice", "ord_1", 10));
  Insert(Payment("txn_b", "alice", "ord_2", 30));
  Insert(Payment("txn_c", "bob", "ord_3", 20));
  Insert(Payment("txn_d", "alice", "ord_1", 30, TransactionType::kRefund));
  EXPECT_EQ(ListIds({}), (std::vector<std::string>{"txn_d", "txn_b", "txn_c", "txn_a"}));
  EXPECT_EQ(ListIds({UserId("alice")}), (std::vector<std::string>{"txn_d", "txn_b", "txn_a"}));
  EXPECT_EQ(ListIds({UserId("alice"), OrderId("ord_1")}),
            (std::vector<std::string>{"txn_d", "txn_a"}));
  EXPECT_EQ(ListIds({std::nullopt, OrderId("ord_3")}), (std::vector<std::string>{"txn_c"}));
  EXPECT_EQ(ListIds({UserId("bob"), OrderId("ord_1")}), std::vector<std::string>{});
  EXPECT_EQ(ListIds({std::nullopt, std::nullopt, 2}), (std::vector<std::string>{"txn_d", "txn_b"}));
}

}  // namespace
}  // namespace tinysaga::payment
