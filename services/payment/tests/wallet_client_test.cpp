#include "payment/wallet_client.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

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
  WalletClient wallet(client, {}, "secret");
  auto rows = wallet.ListWalletTransactions(kAlice, 10);
  ASSERT_FALSE(rows.ok());
  EXPECT_EQ(rows.error().code, Errc::kUnavailable);
}

}  // namespace
}  // namespace tinysaga::payment
