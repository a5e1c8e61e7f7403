// The wallet's SQL against a real SQLite file: balance changes with their ledger rows, and
// the debits and credits by operation id that the Payment service will use.

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <atomic>
#include <thread>

#include "tinysaga/testing/test_db.h"
#include "wallet/schema.h"
#include "wallet/wallet_repository.h"

namespace tinysaga::wallet {
namespace {

using testing::TestDb;

constexpr TimestampMs kNowMs = 1'767'225'600'000;

LedgerEntry Entry(const char* entry_id, const char* user, EntryType type, int64_t cents,
                  std::optional<std::string> operation_id = std::nullopt,
                  std::optional<OrderId> order_id = std::nullopt) {
  return LedgerEntry{
      .entry_id = TransactionId(entry_id),
      .user_id = UserId(user),
      .type = type,
      .amount = Money::FromCents(cents).value(),
      .order_id = std::move(order_id),
      .operation_id = std::move(operation_id),
      .description = DefaultDescription(type),
      .created_at_ms = kNowMs,
  };
}

class WalletRepositoryTest : public ::testing::Test {
 protected:
  Result<AppliedEntry> Apply(const LedgerEntry& entry) {
    return db_.db().Write<AppliedEntry>(
        [&](soci::session& session) { return ApplyEntry(session, entry); });
  }
  std::optional<Wallet> Find(const char* user) {
    return db_.db()
        .Read<std::optional<Wallet>>(
            [&](soci::session& session) { return FindWallet(session, UserId(user)); })
        .value();
  }
  int64_t Sum(const char* user) {
    return db_.db()
        .Read<int64_t>([&](soci::session& session) { return LedgerSum(session, UserId(user)); })
        .value();
  }

  TestDb db_{schema::Migrations(), {.postgres_from_environment = true}};
};

TEST_F(WalletRepositoryTest, ADepositCreatesTheWallet) {
  EXPECT_FALSE(Find("alice").has_value());
  auto applied = Apply(Entry("txn_1", "alice", EntryType::kDeposit, 500));
  ASSERT_TRUE(applied.ok()) << applied.error().detail;
  EXPECT_EQ(applied->balance.cents(), 500);
  EXPECT_FALSE(applied->replayed);
  ASSERT_TRUE(Find("alice").has_value());
  EXPECT_EQ(Find("alice")->balance.cents(), 500);
  EXPECT_EQ(Find("alice")->created_at_ms, kNowMs);
}

TEST_F(WalletRepositoryTest, DecreasesWithoutAWalletAreInsufficientFundsAndCreateNothing) {
  EXPECT_EQ(Apply(Entry("txn_1", "alice", EntryType::kWithdrawal, 1)).error().code,
            Errc::kInsufficientFunds);
  EXPECT_EQ(Apply(Entry("txn_2", "alice", EntryType::kDebit, 1, "op-1")).error().code,
            Errc::kInsufficientFunds);
  EXPECT_FALSE(Find("alice").has_value());
}

TEST_F(WalletRepositoryTest, DebitsAndCreditsAreIdempotentByOperationId) {
  ASSERT_TRUE(Apply(Entry("txn_1", "alice", EntryType::kDeposit, 1'000)).ok());
  auto debit =
      Apply(Entry("txn_2", "alice", EntryType::kDebit, 300, "pay-ord_1", OrderId("ord_1")));
  ASSERT_TRUE(debit.ok()) << debit.error().detail;
  EXPECT_EQ(debit->balance.cents(), 700);
  // The same operation again, even under a new entry id: replayed, charged once.
  auto again =
      Apply(Entry("txn_3", "alice", EntryType::kDebit, 300, "pay-ord_1", OrderId("ord_1")));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->entry.entry_id.value(), "txn_2");
  EXPECT_EQ(again->balance.cents(), 700);
  // The operation id under other terms is refused.
  EXPECT_EQ(Apply(Entry("txn_4", "alice", EntryType::kDebit, 301, "pay-ord_1", OrderId("ord_1")))
                .error()
                .code,
            Errc::kIdempotencyMismatch);
  EXPECT_EQ(Apply(Entry("txn_5", "alice", EntryType::kCredit, 300, "pay-ord_1", OrderId("ord_1")))
                .error()
                .code,
            Errc::kIdempotencyMismatch);
  auto refund =
      Apply(Entry("txn_6", "alice", EntryType::kCredit, 300, "refund-ord_1", OrderId("ord_1")));
  ASSERT_TRUE(refund.ok());
  EXPECT_EQ(refund->balance.cents(), 1'000);
  EXPECT_EQ(Sum("alice"), 1'000);

  auto found = db_.db().Read<std::optional<LedgerEntry>>(
      [](soci::session& session) { return FindEntryByOperation(session, "pay-ord_1"); });
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->order_id, OrderId("ord_1"));
  EXPECT_EQ((*found)->type, EntryType::kDebit);
}

TEST_F(WalletRepositoryTest, RefusedChangesWriteNothing) {
  ASSERT_TRUE(Apply(Entry("txn_1", "alice", EntryType::kDeposit, Money::kAmountCentsMax)).ok());
  EXPECT_EQ(Apply(Entry("txn_2", "alice", EntryType::kDeposit, 1)).error().code,
            Errc::kUnprocessable);
  EXPECT_EQ(Apply(Entry("txn_3", "bob", EntryType::kDeposit, 5)).value().balance.cents(), 5);
  EXPECT_EQ(Apply(Entry("txn_4", "bob", EntryType::kDebit, 6, "op")).error().code,
            Errc::kInsufficientFunds);
  EXPECT_EQ(Find("alice")->balance.cents(), Money::kAmountCentsMax);
  EXPECT_EQ(Sum("alice"), Money::kAmountCentsMax);
  EXPECT_EQ(Find("bob")->balance.cents(), 5);
  EXPECT_EQ(Sum("bob"), 5);
  // The refused debit left its operation id free.
  EXPECT_TRUE(Apply(Entry("txn_5", "bob", EntryType::kDebit, 5, "op")).ok());
}

TEST_F(WalletRepositoryTest, ListsOnlyDepositsAndWithdrawalsNewestFirst) {
  auto at = [](LedgerEntry entry, TimestampMs ms) {
    entry.created_at_ms = ms;
    return entry;
  };
  ASSERT_TRUE(Apply(at(Entry("txn_a", "alice", EntryType::kDeposit, 100), 1)).ok());
  ASSERT_TRUE(Apply(at(Entry("txn_b", "bob", EntryType::kDeposit, 100), 2)).ok());
  ASSERT_TRUE(Apply(at(Entry("txn_c", "alice", EntryType::kDebit, 10, "op"), 3)).ok());
  ASSERT_TRUE(Apply(at(Entry("txn_d", "alice", EntryType::kWithdrawal, 20), 4)).ok());
  auto list = [&](std::optional<UserId> user, size_t limit) {
    std::vector<std::string> ids;
    auto entries = db_.db().Read<std::vector<LedgerEntry>>(
        [&](soci::session& session) { return ListDepositsAndWithdrawals(session, user, limit); });
    for (const auto& entry : entries.value()) ids.push_back(entry.entry_id.value());
    return ids;
  };
  EXPECT_EQ(list(UserId("alice"), 10), (std::vector<std::string>{"txn_d", "txn_a"}));
  EXPECT_EQ(list(std::nullopt, 10), (std::vector<std::string>{"txn_d", "txn_b", "txn_a"}));
  EXPECT_EQ(list(std::nullopt, 1), (std::vector<std::string>{"txn_d"}));
  EXPECT_TRUE(list(UserId("carol"), 10).empty());
}

TEST_F(WalletRepositoryTest, ConcurrentChangesConserveMoney) {
  ASSERT_TRUE(Apply(Entry("txn_seed", "alice", EntryType::kDeposit, 10'000)).ok());
  constexpr int kThreads = 4;
  constexpr int kChangesPerThread = 20;
  std::atomic<int64_t> expected{10'000};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kChangesPerThread; ++i) {
        const std::string id = "txn_" + std::to_string(t) + "_" + std::to_string(i);
        const bool deposit = i % 2 == 0;
        auto applied =
            Apply(Entry(id.c_str(), "alice", deposit ? EntryType::kDeposit : EntryType::kDebit, 7,
                        deposit ? std::nullopt : std::optional<std::string>("op-" + id)));
        if (applied.ok()) expected += deposit ? 7 : -7;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(Find("alice")->balance.cents(), expected.load());
  EXPECT_EQ(Sum("alice"), expected.load());
}

}  // namespace
}  // namespace tinysaga::wallet
