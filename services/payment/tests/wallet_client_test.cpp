#include "payment/wallet_client.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "payment/tests/fakes.h"

namespace tinysaga::payment {
namespace {

using nlohmann::json;

const UserId kAlice("alice");

json WalletRow(std::string id, std::string type,
               std::string timestamp = "2026-01-01T00:00:01.000Z") {
  return json{{"transactionId", id}, {"userId", "alice"},        {"orderId", nullptr},
              {"type", type},        {"paymentStatus", nullptr}, {"amount", 500},
              {"currency", "USD"},   {"timestamp", timestamp},   {"description", "deposit"}};
}

TEST(ParseWalletTransactions, ReadsDepositsAndWithdrawals) {
  json body{{"transactions", {WalletRow("txn_1", "DEPOSIT"), WalletRow("txn_2", "WITHDRAWAL")}}};
  auto rows = ParseWalletTransactions(body.dump(), kAlice);
  ASSERT_TRUE(rows.ok()) << rows.error().detail;
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].transaction_id, TransactionId("txn_1"));
  EXPECT_EQ((*rows)[0].type, TransactionType::kDeposit);
  EXPECT_EQ((*rows)[0].amount_cents, 500);
  EXPECT_EQ((*rows)[0].timestamp_ms, 1'767'225'601'000);
  EXPECT_FALSE((*rows)[0].order_id.has_value());
  EXPECT_FALSE((*rows)[0].payment_status.has_value());
  EXPECT_EQ((*rows)[1].type, TransactionType::kWithdrawal);
}

TEST(ParseWalletTransactions, LeavesOutPaymentsTypesAndOtherUsers) {
  json bob = WalletRow("txn_3", "DEPOSIT");
  bob["userId"] = "bob";
  json body{{"transactions",
             {WalletRow("txn_1", "PAYMENT"), WalletRow("txn_2", "REFUND"),
              WalletRow("txn_4", "DEBIT"), bob}}};
  auto rows = ParseWalletTransactions(body.dump(), kAlice);
  ASSERT_TRUE(rows.ok());
  EXPECT_TRUE(rows->empty());
}

TEST(ParseWalletTransactions, AMalformedAnswerIsABrokenPeer) {
  json no_amount = WalletRow("txn_1", "DEPOSIT");
  no_amount.erase("amount");
  json float_amount = WalletRow("txn_1", "DEPOSIT");
  float_amount["amount"] = 1.5;
  json negative = WalletRow("txn_1", "DEPOSIT");
  negative["amount"] = -1;
  json with_order = WalletRow("txn_1", "DEPOSIT");
  with_order["orderId"] = "ord_1";
  for (const std::string& body :
       {std::string(""), std::string("{"), std::string("[]"),
        std::string(R"({"transactions": {}})"), json{{"transactions", {1}}}.dump(),
        json{{"transactions", {json{{"transactionId", "txn_1"}}}}}.dump(),
        json{{"transactions", {WalletRow("txn_1", "DEPOSIT", "yesterday")}}}.dump(),
        json{{"transactions", {WalletRow("bad id", "DEPOSIT")}}}.dump(),
        json{{"transactions", {no_amount}}}.dump(), json{{"transactions", {float_amount}}}.dump(),
        json{{"transactions", {negative}}}.dump()}) {
    auto rows = ParseWalletTransactions(body, kAlice);
    ASSERT_FALSE(rows.ok()) << body;
    EXPECT_EQ(rows.error().code, Errc::kUnavailable);
  }
  // An orderId on a deposit is simply not read: deposits have none by definition.
  EXPECT_TRUE(ParseWalletTransactions(json{{"transactions", {with_order}}}.dump(), kAlice).ok());
}

TEST(WalletClient, WithoutInstancesIsUnavailable) {
  http::Client client;
  SeededRng rng(1);
  WalletClient wallet(client, {}, "secret", Retrier(RetryPolicy{}, rng, [](auto) {}));
  auto rows = wallet.ListWalletTransactions(kAlice, 10);
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.error().code, Errc::kUnavailable);
}

// --- Debits and refunds, against a fake wallet with the real operation-id semantics ----------

class WalletOperationsTest : public ::testing::Test {
 protected:
  WalletClient Client(RetryPolicy policy, std::vector<http::Endpoint> endpoints = {}) {
    if (endpoints.empty()) endpoints = {wallet_.endpoint()};
    return WalletClient(client_, std::move(endpoints), fakes::kSecret,
                        Retrier(policy, rng_, [this](auto delay) { sleeps_.push_back(delay); }));
  }
  static Money Cents(int64_t cents) { return Money::FromCents(cents).value(); }

  fakes::FakeWallet wallet_;
  http::Client client_;
  SeededRng rng_{3};
  std::vector<std::chrono::milliseconds> sleeps_;
};

TEST_F(WalletOperationsTest, ADebitUsesTheOrdersOperationId) {
  wallet_.SetBalance("alice", 1'000);
  WalletClient wallet = Client(RetryPolicy{});
  auto debit = wallet.Debit(OrderId("ord_1"), kAlice, Cents(300));
  ASSERT_TRUE(debit.ok()) << debit.error().detail;
  EXPECT_FALSE(debit->replayed);
  EXPECT_EQ(debit->balance_cents, 700);
  EXPECT_EQ(wallet_.debit_operation_ids(), (std::vector<std::string>{"pay:ord_1"}));
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(WalletOperationsTest, FinalAnswersAreNotRetried) {
  WalletClient wallet = Client(RetryPolicy{});
  auto poor = wallet.Debit(OrderId("ord_1"), kAlice, Cents(300));  // no wallet
  ASSERT_FALSE(poor.ok());
  EXPECT_EQ(poor.error().code, Errc::kInsufficientFunds);
  wallet_.SetBalance("alice", 1'000);
  ASSERT_TRUE(wallet.Refund(OrderId("ord_2"), kAlice).ok());  // voids pay:ord_2
  auto voided = wallet.Debit(OrderId("ord_2"), kAlice, Cents(300));
  ASSERT_FALSE(voided.ok());
  EXPECT_EQ(voided.error().code, Errc::kConflict);
  ASSERT_TRUE(wallet.Debit(OrderId("ord_3"), kAlice, Cents(300)).ok());
  auto mismatch = wallet.Debit(OrderId("ord_3"), kAlice, Cents(301));
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.error().code, Errc::kIdempotencyMismatch);
  EXPECT_EQ(wallet_.debit_requests(), 4);
  EXPECT_TRUE(sleeps_.empty());
}

TEST_F(WalletOperationsTest, UnavailableAnswersAreRetriedWithTheSameOperationId) {
  wallet_.SetBalance("alice", 1'000);
  wallet_.FailNext(2);
  WalletClient wallet = Client(RetryPolicy{});
  auto debit = wallet.Debit(OrderId("ord_1"), kAlice, Cents(300));
  ASSERT_TRUE(debit.ok()) << debit.error().detail;
  EXPECT_EQ(wallet_.debit_operation_ids(),
            (std::vector<std::string>{"pay:ord_1", "pay:ord_1", "pay:ord_1"}));
  EXPECT_EQ(sleeps_.size(), 2u);
  EXPECT_EQ(wallet_.balance("alice"), 700);
}

TEST_F(WalletOperationsTest, AWalletDownForEveryAttemptIsUnavailable) {
  wallet_.SetBalance("alice", 1'000);
  wallet_.FailNext(-1);
  WalletClient wallet = Client(RetryPolicy{.attempts_max = 3});
  auto debit = wallet.Debit(OrderId("ord_1"), kAlice, Cents(300));
  ASSERT_FALSE(debit.ok());
  EXPECT_EQ(debit.error().code, Errc::kUnavailable);
  EXPECT_EQ(wallet_.debit_requests(), 3);
  EXPECT_EQ(sleeps_.size(), 2u);
  auto refund = wallet.Refund(OrderId("ord_1"), kAlice);
  ASSERT_FALSE(refund.ok());
  EXPECT_EQ(refund.error().code, Errc::kUnavailable);

  WalletClient dead = Client(RetryPolicy{.attempts_max = 2}, {::tinysaga::testing::DeadEndpoint()});
  auto unreachable = dead.Debit(OrderId("ord_1"), kAlice, Cents(300));
  ASSERT_FALSE(unreachable.ok());
  EXPECT_EQ(unreachable.error().code, Errc::kUnavailable);
}

TEST_F(WalletOperationsTest, ASlowWalletThatAppliedTheFirstAttemptDebitsOnce) {
  wallet_.SetBalance("alice", 1'000);
  wallet_.HangNextDebit();  // applied, but answered only after the client gave up
  WalletClient wallet =
      Client(RetryPolicy{.attempts_max = 3, .per_attempt_timeout = std::chrono::milliseconds(1'000)});
  auto debit = wallet.Debit(OrderId("ord_1"), kAlice, Cents(300));
  wallet_.Release();
  ASSERT_TRUE(debit.ok()) << debit.error().detail;
  EXPECT_TRUE(debit->replayed);  // the retry found the first attempt's debit
  EXPECT_EQ(wallet_.debit_requests(), 2);
  EXPECT_EQ(wallet_.debits_applied(), 1u);
  EXPECT_EQ(wallet_.balance("alice"), 700);
}

TEST_F(WalletOperationsTest, ARefundGivesTheDebitBackOrVoidsIt) {
  wallet_.SetBalance("alice", 1'000);
  WalletClient wallet = Client(RetryPolicy{});
  ASSERT_TRUE(wallet.Debit(OrderId("ord_1"), kAlice, Cents(300)).ok());
  auto refund = wallet.Refund(OrderId("ord_1"), kAlice);
  ASSERT_TRUE(refund.ok()) << refund.error().detail;
  EXPECT_EQ(refund->refunded_cents, 300);
  EXPECT_TRUE(refund->entry_id.has_value());
  auto voided = wallet.Refund(OrderId("ord_2"), kAlice);
  ASSERT_TRUE(voided.ok());
  EXPECT_EQ(voided->refunded_cents, 0);
  EXPECT_FALSE(voided->entry_id.has_value());
  EXPECT_TRUE(wallet_.voided("pay:ord_2"));
  EXPECT_EQ(wallet_.balance("alice"), 1'000);
}

// The refund worker's form: every refund of a pass at once, one attempt each.
TEST_F(WalletOperationsTest, RefundEachAnswersEveryRefundInItsOrder) {
  wallet_.SetBalance("alice", 1'000);
  WalletClient wallet = Client(RetryPolicy{});
  ASSERT_TRUE(wallet.Debit(OrderId("ord_1"), kAlice, Cents(300)).ok());
  ASSERT_TRUE(wallet.Debit(OrderId("ord_3"), kAlice, Cents(200)).ok());
  auto answers = wallet.RefundEach(
      {{OrderId("ord_1"), kAlice}, {OrderId("ord_2"), kAlice}, {OrderId("ord_3"), kAlice}});
  ASSERT_EQ(answers.size(), 3u);
  ASSERT_TRUE(answers[0].ok() && answers[1].ok() && answers[2].ok());
  EXPECT_EQ(answers[0]->refunded_cents, 300);
  EXPECT_EQ(answers[1]->refunded_cents, 0);  // never debited: voided
  EXPECT_EQ(answers[2]->refunded_cents, 200);
  EXPECT_TRUE(wallet_.voided("pay:ord_2"));
  EXPECT_EQ(wallet_.balance("alice"), 1'000);
  EXPECT_TRUE(wallet.RefundEach({}).empty());
}

TEST_F(WalletOperationsTest, RefundEachMakesOneAttemptAndSkipsAnUnreachableInstance) {
  wallet_.SetBalance("alice", 1'000);
  WalletClient wallet =
      Client(RetryPolicy{}, {::tinysaga::testing::DeadEndpoint(), wallet_.endpoint()});
  ASSERT_TRUE(wallet.Debit(OrderId("ord_1"), kAlice, Cents(300)).ok());
  auto answers = wallet.RefundEach({{OrderId("ord_1"), kAlice}, {OrderId("ord_2"), kAlice}});
  ASSERT_EQ(answers.size(), 2u);
  EXPECT_TRUE(answers[0].ok() && answers[1].ok());  // whichever instance each started from
  EXPECT_EQ(wallet_.balance("alice"), 1'000);

  wallet_.FailNext(-1);
  const int asked = wallet_.refund_requests();
  answers = wallet.RefundEach({{OrderId("ord_3"), kAlice}, {OrderId("ord_4"), kAlice}});
  ASSERT_EQ(answers.size(), 2u);
  for (const auto& answer : answers) {
    ASSERT_FALSE(answer.ok());
    EXPECT_EQ(answer.error().code, Errc::kUnavailable);
  }
  EXPECT_EQ(wallet_.refund_requests(), asked + 2);  // not retried: the caller's queue does
  EXPECT_TRUE(sleeps_.empty());

  WalletClient dead = Client(RetryPolicy{}, {::tinysaga::testing::DeadEndpoint()});
  answers = dead.RefundEach({{OrderId("ord_5"), kAlice}});
  ASSERT_EQ(answers.size(), 1u);
  ASSERT_FALSE(answers[0].ok());
  EXPECT_EQ(answers[0].error().code, Errc::kUnavailable);
}

TEST(ParseWalletAnswers, MalformedAnswersAreRetryable) {
  EXPECT_TRUE(ParseWalletDebit(R"({"transactionId":"txn_1","balance":5,"replayed":false})").ok());
  EXPECT_TRUE(ParseWalletRefund(R"({"refunded":0,"transactionId":null,"balance":null})").ok());
  EXPECT_TRUE(ParseWalletRefund(R"({"refunded":5,"transactionId":"txn_2","balance":9})").ok());
  for (const char* body : {"", "[]", R"({"transactionId":"txn_1","balance":5})",
                           R"({"transactionId":"bad id","balance":5,"replayed":false})",
                           R"({"transactionId":"txn_1","balance":-5,"replayed":false})"}) {
    auto debit = ParseWalletDebit(body);
    ASSERT_FALSE(debit.ok()) << body;
    EXPECT_EQ(debit.error().code, Errc::kUnavailable);
  }
  for (const char* body :
       {"", R"({"refunded":5,"transactionId":null})", R"({"refunded":0,"transactionId":"txn_1"})",
        R"({"refunded":-1})", R"({"refunded":"5","transactionId":"txn_1"})"}) {
    auto refund = ParseWalletRefund(body);
    ASSERT_FALSE(refund.ok()) << body;
    EXPECT_EQ(refund.error().code, Errc::kUnavailable);
  }
}

}  // namespace
}  // namespace tinysaga::payment
