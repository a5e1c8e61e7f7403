// The wallet's internal endpoints for the Payment service, called directly with hand-made
// requests: their JSON, who may call them, bad bodies (400, nothing changed) and the
// development fault switch on an injected clock.

#include "wallet/handlers/payment_operations_api.h"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include "tinysaga/testing/http.h"
#include "tinysaga/testing/test_db.h"
#include "wallet/handlers/wallet_api.h"
#include "wallet/schema.h"

namespace tinysaga::wallet {
namespace {

using nlohmann::json;
using platform::Caller;
using platform::CallerRole;
using testing::BodyOf;
using testing::MakeRequest;
using testing::SlugOf;
using testing::TestDb;

const Caller kAnonymous{};
const Caller kAlice{CallerRole::kUser, "alice"};
const Caller kAdmin{CallerRole::kAdmin, "root"};
const Caller kService{CallerRole::kService, ""};

std::string DebitBody(const std::string& order, int64_t amount, const std::string& user = "alice") {
  return json{
      {"operationId", "pay:" + order}, {"userId", user}, {"orderId", order}, {"amount", amount}}
      .dump();
}

std::string RefundBody(const std::string& order, const std::string& user = "alice") {
  return json{{"debitOperationId", "pay:" + order},
              {"operationId", "refund:" + order},
              {"userId", user},
              {"orderId", order}}
      .dump();
}

class PaymentOperationsApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto request = MakeRequest("POST", "/api/wallets/alice/deposits", R"({"amount":1000})");
    request.path_params["userId"] = "alice";
    request.headers.emplace_back("Idempotency-Key", "seed");
    ASSERT_EQ(wallet_api_.PostDeposit(request, kAlice).status, 201);
  }

  http::Response Debit(const std::string& body, const Caller& caller = kService) {
    return api_.PostDebit(MakeRequest("POST", "/internal/debits", body), caller);
  }
  http::Response Refund(const std::string& body, const Caller& caller = kService) {
    return api_.PostRefund(MakeRequest("POST", "/internal/refunds", body), caller);
  }
  http::Response Faults(PaymentOperationsApi& api, const std::string& body,
                        const Caller& caller = kAdmin) {
    return api.PostFaults(MakeRequest("POST", "/api/dev/faults/wallet", body), caller);
  }
  int64_t Balance() {
    return db_.Count("SELECT balance_cents FROM wallets WHERE user_id = 'alice'");
  }
  // Ledger rows and tombstones: equal snapshots mean nothing changed.
  std::string Snapshot() {
    return std::to_string(db_.Count("SELECT COUNT(*) FROM wallet_ledger")) + "/" +
           std::to_string(db_.Count("SELECT COUNT(*) FROM voided_operations")) + "/" +
           std::to_string(Balance());
  }

  TestDb db_{schema::Migrations(), {.postgres_from_environment = true}};
  ManualClock clock_;
  SeededRng rng_{5};
  WalletApi wallet_api_{db_.db(), clock_, rng_};
  PaymentOperationsApi api_{db_.db(), clock_, rng_, /*dev_mode=*/true};
};

TEST_F(PaymentOperationsApiTest, ADebitAnswersItsEntryAndARepeatReplaysIt) {
  auto first = Debit(DebitBody("ord_1", 300));
  ASSERT_EQ(first.status, 201) << first.body;
  const json body = BodyOf(first);
  EXPECT_TRUE(body["transactionId"].get<std::string>().starts_with("txn_"));
  EXPECT_EQ(body["balance"], 700);
  EXPECT_EQ(body["replayed"], false);
  EXPECT_EQ(body.size(), 3u);
  auto again = Debit(DebitBody("ord_1", 300));
  ASSERT_EQ(again.status, 201);
  EXPECT_EQ(BodyOf(again)["transactionId"], body["transactionId"]);
  EXPECT_EQ(BodyOf(again)["replayed"], true);
  EXPECT_EQ(Balance(), 700);
}

TEST_F(PaymentOperationsApiTest, DebitRefusalsHaveTheirStatuses) {
  auto poor = Debit(DebitBody("ord_1", 1'001));
  EXPECT_EQ(poor.status, 402);
  EXPECT_EQ(SlugOf(poor), "insufficient-funds");
  auto no_wallet = Debit(DebitBody("ord_2", 1, "bob"));
  EXPECT_EQ(no_wallet.status, 402);

  ASSERT_EQ(Debit(DebitBody("ord_3", 100)).status, 201);
  auto mismatch = Debit(DebitBody("ord_3", 200));
  EXPECT_EQ(mismatch.status, 422);
  EXPECT_EQ(SlugOf(mismatch), "idempotency-key-reused");

  json euros = json::parse(DebitBody("ord_4", 100));
  euros["currency"] = "EUR";
  auto currency_mix = Debit(euros.dump());
  EXPECT_EQ(currency_mix.status, 422);
  EXPECT_EQ(Balance(), 900);
}

TEST_F(PaymentOperationsApiTest, AVoidedOperationRefusesTheLateDebitWith409) {
  auto voided = Refund(RefundBody("ord_1"));
  ASSERT_EQ(voided.status, 200) << voided.body;
  EXPECT_EQ(
      BodyOf(voided),
      (json{{"refunded", 0}, {"transactionId", nullptr}, {"balance", 1'000}, {"replayed", false}}));
  auto late = Debit(DebitBody("ord_1", 300));
  EXPECT_EQ(late.status, 409);
  EXPECT_EQ(SlugOf(late), "operation-voided");
  EXPECT_EQ(Balance(), 1'000);
}

TEST_F(PaymentOperationsApiTest, ARefundGivesTheDebitBackOnce) {
  ASSERT_EQ(Debit(DebitBody("ord_1", 300)).status, 201);
  auto refund = Refund(RefundBody("ord_1"));
  ASSERT_EQ(refund.status, 200) << refund.body;
  const json body = BodyOf(refund);
  EXPECT_EQ(body["refunded"], 300);
  EXPECT_TRUE(body["transactionId"].get<std::string>().starts_with("txn_"));
  EXPECT_EQ(body["balance"], 1'000);
  EXPECT_EQ(body["replayed"], false);
  auto again = Refund(RefundBody("ord_1"));
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(BodyOf(again)["transactionId"], body["transactionId"]);
  EXPECT_EQ(BodyOf(again)["replayed"], true);
  EXPECT_EQ(Balance(), 1'000);

  auto other_user = Refund(RefundBody("ord_1", "bob"));
  EXPECT_EQ(other_user.status, 422);
}

TEST_F(PaymentOperationsApiTest, OnlyTheServiceCallerMayDebitOrRefund) {
  const std::string before = Snapshot();
  for (const auto& [caller, status] :
       std::vector<std::pair<Caller, int>>{{kAnonymous, 401}, {kAlice, 403}, {kAdmin, 403}}) {
    EXPECT_EQ(Debit(DebitBody("ord_1", 300), caller).status, status);
    EXPECT_EQ(Refund(RefundBody("ord_1"), caller).status, status);
  }
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(PaymentOperationsApiTest, BadBodiesAre400AndChangeNothing) {
  const std::string before = Snapshot();
  const json good_debit = json::parse(DebitBody("ord_1", 300));
  std::vector<std::string> debits = {"", "{", "[]", "{}", R"({"operationId":"pay:ord_1"})"};
  for (const auto& [field, value] :
       std::vector<std::pair<std::string, json>>{{"operationId", ""},
                                                 {"operationId", "pay ord"},
                                                 {"operationId", std::string(129, 'x')},
                                                 {"operationId", 5},
                                                 {"userId", "a/b"},
                                                 {"orderId", ""},
                                                 {"amount", 0},
                                                 {"amount", -1},
                                                 {"amount", "5"},
                                                 {"amount", 5.5},
                                                 {"amount", Money::kAmountCentsMax + 1},
                                                 {"currency", "usd"},
                                                 {"currency", "DOLLARS"},
                                                 {"note", "x"}}) {
    json body = good_debit;
    body[field] = value;
    debits.push_back(body.dump());
  }
  for (const std::string& body : debits) {
    auto response = Debit(body);
    EXPECT_EQ(response.status, 400) << body << " -> " << response.body;
    EXPECT_EQ(SlugOf(response), "invalid-request") << body;
  }
  const json good_refund = json::parse(RefundBody("ord_1"));
  std::vector<std::string> refunds = {"", "{}", "null"};
  for (const auto& [field, value] : std::vector<std::pair<std::string, json>>{
           {"debitOperationId", "refund:ord_1"},  // the same as operationId
           {"debitOperationId", nullptr},
           {"operationId", "x y"},
           {"userId", ""},
           {"orderId", 1},
           {"amount", 5}}) {
    json body = good_refund;
    body[field] = value;
    refunds.push_back(body.dump());
  }
  for (const std::string& body : refunds) {
    auto response = Refund(body);
    EXPECT_EQ(response.status, 400) << body << " -> " << response.body;
  }
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(PaymentOperationsApiTest, TheFaultSwitchMakesDebitsAndRefundsUnavailableForAWhile) {
  auto on = Faults(api_, R"({"unavailableForMs": 2000})");
  ASSERT_EQ(on.status, 200) << on.body;
  EXPECT_EQ(BodyOf(on),
            (json{{"unavailableForMs", 2000}, {"unavailableUntil", "2026-01-01T00:00:02.000Z"}}));
  const std::string before = Snapshot();
  auto debit = Debit(DebitBody("ord_1", 300));
  EXPECT_EQ(debit.status, 503);
  EXPECT_EQ(SlugOf(debit), "service-unavailable");
  EXPECT_EQ(Refund(RefundBody("ord_2")).status, 503);
  EXPECT_EQ(Snapshot(), before);  // no effect, not even a tombstone

  clock_.AdvanceMs(1'999);
  EXPECT_EQ(Debit(DebitBody("ord_1", 300)).status, 503);
  clock_.AdvanceMs(1);
  EXPECT_EQ(Debit(DebitBody("ord_1", 300)).status, 201);

  ASSERT_EQ(Faults(api_, R"({"unavailableForMs": 60000})", kService).status, 200);
  EXPECT_EQ(Refund(RefundBody("ord_1")).status, 503);
  ASSERT_EQ(Faults(api_, R"({"unavailableForMs": 0})").status, 200);  // ends it
  EXPECT_EQ(Refund(RefundBody("ord_1")).status, 200);
}

TEST_F(PaymentOperationsApiTest, TheFaultSwitchIsForAdminsAndServicesInDevModeOnly) {
  EXPECT_EQ(Faults(api_, R"({"unavailableForMs": 1000})", kAlice).status, 403);
  EXPECT_EQ(Faults(api_, R"({"unavailableForMs": 1000})", kAnonymous).status, 401);
  for (const std::string& body :
       {std::string(""), std::string("{}"), std::string(R"({"unavailableForMs": -1})"),
        std::string(R"({"unavailableForMs": 3600001})"),
        std::string(R"({"unavailableForMs": "5"})"),
        std::string(R"({"unavailableForMs": 5, "x": 1})")}) {
    EXPECT_EQ(Faults(api_, body).status, 400) << body;
  }
  EXPECT_EQ(Debit(DebitBody("ord_1", 300)).status, 201);  // none of those switched it on

  PaymentOperationsApi production(db_.db(), clock_, rng_, /*dev_mode=*/false);
  auto hidden = Faults(production, R"({"unavailableForMs": 1000})");
  EXPECT_EQ(hidden.status, 404);
  EXPECT_EQ(
      production.PostDebit(MakeRequest("POST", "/internal/debits", DebitBody("ord_2", 1)), kService)
          .status,
      201);
}

}  // namespace
}  // namespace tinysaga::wallet
