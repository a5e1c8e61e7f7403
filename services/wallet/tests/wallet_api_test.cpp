// The wallet's endpoints, called directly with hand-made requests on a real SQLite file.
// Every bad request is checked for its status and problem type, and for changing nothing.

#include "wallet/handlers/wallet_api.h"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include "tinysaga/core/money.h"
#include "tinysaga/testing/http.h"
#include "tinysaga/testing/test_db.h"
#include "wallet/schema.h"
#include "wallet/wallet_repository.h"

namespace tinysaga::wallet {
namespace {

using platform::Caller;
using platform::CallerRole;
using testing::BodyOf;
using testing::DetailOf;
using testing::MakeRequest;
using testing::SlugOf;
using testing::TestDb;

const Caller kAnonymous{};
const Caller kAlice{CallerRole::kUser, "alice"};
const Caller kBob{CallerRole::kUser, "bob"};
const Caller kAdmin{CallerRole::kAdmin, "root"};
const Caller kService{CallerRole::kService, ""};

class WalletApiTest : public ::testing::Test {
 protected:
  http::Request PostRequest(const std::string& user, const std::string& what,
                            const std::string& body, std::optional<std::string> key) {
    auto request = MakeRequest("POST", "/api/wallets/" + user + "/" + what, body);
    request.path_params["userId"] = user;
    if (key) request.headers.emplace_back("Idempotency-Key", *key);
    return request;
  }
  http::Response Deposit(const std::string& user, const std::string& body,
                         std::optional<std::string> key, const Caller& caller) {
    return api_.PostDeposit(PostRequest(user, "deposits", body, std::move(key)), caller);
  }
  http::Response Withdraw(const std::string& user, const std::string& body,
                          std::optional<std::string> key, const Caller& caller) {
    return api_.PostWithdrawal(PostRequest(user, "withdrawals", body, std::move(key)), caller);
  }
  // A deposit with a fresh key, as the wallet's owner.
  http::Response Deposit(const std::string& user, int64_t amount) {
    return Deposit(user, R"({"amount":)" + std::to_string(amount) + "}",
                   "key-" + std::to_string(++keys_), Caller{CallerRole::kUser, user});
  }
  http::Response Withdraw(const std::string& user, int64_t amount) {
    return Withdraw(user, R"({"amount":)" + std::to_string(amount) + "}",
                    "key-" + std::to_string(++keys_), Caller{CallerRole::kUser, user});
  }
  http::Response Get(const std::string& user, const Caller& caller) {
    auto request = MakeRequest("GET", "/api/wallets/" + user);
    request.path_params["userId"] = user;
    return api_.GetWallet(request, caller);
  }
  int64_t Balance(const std::string& user) {
    auto response = Get(user, kAdmin);
    return response.status == 200 ? BodyOf(response)["balance"].get<int64_t>() : -1;
  }
  http::Response Transactions(std::map<std::string, std::string> query, const Caller& caller) {
    auto request = MakeRequest("GET", "/internal/wallet-transactions");
    request.query = std::move(query);
    return api_.GetTransactions(request, caller);
  }

  // Every wallet, every ledger row and the stored idempotent responses, as text: equal
  // snapshots mean nothing changed.
  std::string Snapshot() {
    return db_.db()
        .Read<std::string>([](soci::session& session) -> Result<std::string> {
          std::string text;
          std::string row;
          soci::statement wallets =
              (session.prepare << "SELECT user_id || '|' || balance_cents || '|' || "
                                  "updated_at_ms FROM wallets ORDER BY user_id",
               soci::into(row));
          wallets.execute();
          while (wallets.fetch()) text += row + '\n';
          soci::statement ledger =
              (session.prepare << "SELECT entry_id || '|' || user_id || '|' || entry_type || "
                                  "'|' || amount_cents FROM wallet_ledger ORDER BY entry_id",
               soci::into(row));
          ledger.execute();
          while (ledger.fetch()) text += row + '\n';
          long long keys = 0;
          session << "SELECT COUNT(*) FROM idempotency_keys", soci::into(keys);
          return text + "keys=" + std::to_string(keys);
        })
        .value();
  }

  TestDb db_{schema::Migrations(), {.postgres_from_environment = true}};
  ManualClock clock_;
  SeededRng rng_{7};
  WalletApi api_{db_.db(), clock_, rng_};
  int keys_ = 0;
};

// --- GET /api/wallets/{userId} ---------------------------------------------------------------

TEST_F(WalletApiTest, NoWalletUntilTheFirstDeposit) {
  auto response = Get("alice", kAlice);
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(SlugOf(response), "not-found");
}

TEST_F(WalletApiTest, TheFirstDepositCreatesTheWallet) {
  auto deposit = Deposit("alice", R"({"amount":500})", "k1", kAlice);
  ASSERT_EQ(deposit.status, 201) << deposit.body;
  const auto body = BodyOf(deposit);
  EXPECT_TRUE(body["transactionId"].get<std::string>().starts_with("txn_")) << body;
  EXPECT_EQ(body["balance"], 500);
  EXPECT_EQ(body.size(), 2u);
  auto wallet = Get("alice", kAlice);
  ASSERT_EQ(wallet.status, 200);
  EXPECT_EQ(BodyOf(wallet), nlohmann::json::parse(R"({"userId":"alice","balance":500,
      "currency":"USD","updatedAt":"2026-01-01T00:00:00.000Z"})"));
}

TEST_F(WalletApiTest, DepositsAndWithdrawalsMoveTheBalance) {
  ASSERT_EQ(Deposit("alice", 1'000).status, 201);
  clock_.AdvanceMs(1'500);
  auto withdrawal = Withdraw("alice", 300);
  ASSERT_EQ(withdrawal.status, 201) << withdrawal.body;
  EXPECT_EQ(BodyOf(withdrawal)["balance"], 700);
  EXPECT_EQ(BodyOf(Get("alice", kAlice))["updatedAt"], "2026-01-01T00:00:01.500Z");
  ASSERT_EQ(Withdraw("alice", 700).status, 201);
  EXPECT_EQ(Balance("alice"), 0);
  ASSERT_EQ(Deposit("alice", 1).status, 201);
  EXPECT_EQ(Balance("alice"), 1);
}

TEST_F(WalletApiTest, OverdrawingIsInsufficientFundsAndChangesNothing) {
  ASSERT_EQ(Deposit("alice", 100).status, 201);
  const std::string before = Snapshot();
  auto response = Withdraw("alice", 101);
  EXPECT_EQ(response.status, 402);
  EXPECT_EQ(SlugOf(response), "insufficient-funds");
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(Balance("alice"), 100);
}

TEST_F(WalletApiTest, WithdrawingWithoutAWalletIsInsufficientFundsAndCreatesNone) {
  const std::string before = Snapshot();
  auto response = Withdraw("alice", 1);
  EXPECT_EQ(response.status, 402);
  EXPECT_EQ(SlugOf(response), "insufficient-funds");
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(Get("alice", kAlice).status, 404);
}

TEST_F(WalletApiTest, ABalanceBeyondTheMaximumIsUnprocessable) {
  ASSERT_EQ(Deposit("alice", Money::kAmountCentsMax).status, 201);
  const std::string before = Snapshot();
  auto response = Deposit("alice", 1);
  EXPECT_EQ(response.status, 422);
  EXPECT_EQ(SlugOf(response), "unprocessable");
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(Balance("alice"), Money::kAmountCentsMax);
}

// --- Who may act on which wallet --------------------------------------------------------------

TEST_F(WalletApiTest, UsersCannotSeeOrTouchOtherWallets) {
  ASSERT_EQ(Deposit("bob", 100).status, 201);
  const std::string before = Snapshot();
  for (const http::Response& response :
       {Get("bob", kAlice), Deposit("bob", R"({"amount":5})", "k-a", kAlice),
        Withdraw("bob", R"({"amount":5})", "k-b", kAlice),
        Deposit("carol", R"({"amount":5})", "k-c", kAlice)}) {
    EXPECT_EQ(response.status, 404) << response.body;
    EXPECT_EQ(SlugOf(response), "not-found");
  }
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(WalletApiTest, AnonymousCallersAreUnauthorized) {
  ASSERT_EQ(Deposit("alice", 100).status, 201);
  const std::string before = Snapshot();
  for (const http::Response& response :
       {Get("alice", kAnonymous), Deposit("alice", R"({"amount":5})", "k1", kAnonymous),
        Withdraw("alice", R"({"amount":5})", "k2", kAnonymous), Transactions({}, kAnonymous)}) {
    EXPECT_EQ(response.status, 401) << response.body;
    EXPECT_EQ(SlugOf(response), "unauthorized");
  }
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(WalletApiTest, AdminsAndServicesActOnAnyWallet) {
  ASSERT_EQ(Deposit("bob", R"({"amount":50})", "k1", kAdmin).status, 201);
  ASSERT_EQ(Deposit("bob", R"({"amount":50})", "k1", kService).status, 201);
  ASSERT_EQ(Withdraw("bob", R"({"amount":30})", "k2", kAdmin).status, 201);
  EXPECT_EQ(Get("bob", kAdmin).status, 200);
  EXPECT_EQ(Get("bob", kService).status, 200);
  EXPECT_EQ(BodyOf(Get("bob", kBob))["balance"], 70);
}

TEST_F(WalletApiTest, InvalidUserIdsInPathsAreNotFound) {
  const std::string before = Snapshot();
  for (const std::string& user :
       {std::string(""), std::string("a b"), std::string("../alice"), std::string(65, 'u'),
        std::string("al\xC3\xAF"
                    "ce"),
        std::string("alice\0", 6)}) {
    const Caller self{CallerRole::kUser, user};
    for (const http::Response& response :
         {Get(user, kAdmin), Get(user, self), Deposit(user, R"({"amount":5})", "k", kAdmin),
          Deposit(user, R"({"amount":5})", "k", self),
          Withdraw(user, R"({"amount":5})", "k", kAdmin)}) {
      EXPECT_EQ(response.status, 404) << user;
      EXPECT_EQ(SlugOf(response), "not-found");
    }
  }
  EXPECT_EQ(Snapshot(), before);
}

// --- Bad bodies ---------------------------------------------------------------------------------

TEST_F(WalletApiTest, EveryBadAmountBodyIsA400AndChangesNothing) {
  ASSERT_EQ(Deposit("alice", 100).status, 201);
  const std::string before = Snapshot();
  const std::vector<std::string> bodies = {
      "",
      "{}",
      "{",
      "[]",
      "null",
      R"("amount")",
      R"({"amount":5} {})",
      R"({"amount":null})",
      R"({"amount":"5"})",
      R"({"amount":5.5})",
      R"({"amount":5.0})",
      R"({"amount":true})",
      R"({"amount":[5]})",
      R"({"amount":0})",
      R"({"amount":-5})",
      R"({"amount":100000000000001})",
      R"({"amount":9223372036854775807})",
      R"({"amount":18446744073709551616})",
      R"({"amount":1e30})",
      R"({"amount":5,"currency":"USD"})",
      R"({"amount":5,"userId":"bob"})",
      R"({"Amount":5})",
      "{\"amount\":5,\"note\":\"\xff\xfe\"}",
      "{\"amount\":5,\"\xc3\":1}",
  };
  int n = 0;
  for (const std::string& body : bodies) {
    for (const http::Response& response :
         {Deposit("alice", body, "bad-" + std::to_string(++n), kAlice),
          Withdraw("alice", body, "bad-" + std::to_string(++n), kAlice)}) {
      EXPECT_EQ(response.status, 400) << body << " -> " << response.body;
      EXPECT_EQ(SlugOf(response), "invalid-request") << body;
    }
  }
  EXPECT_NE(DetailOf(Deposit("alice", R"({"amount":0})", "d", kAlice)).find("amount"),
            std::string::npos);
  EXPECT_NE(DetailOf(Deposit("alice", R"({"amount":1,"x":1})", "e", kAlice)).find("'x'"),
            std::string::npos);
  EXPECT_EQ(Snapshot(), before);
}

// --- Idempotency-Key ---------------------------------------------------------------------------

TEST_F(WalletApiTest, AMissingOrInvalidKeyIsA400AndChangesNothing) {
  ASSERT_EQ(Deposit("alice", 100).status, 201);
  const std::string before = Snapshot();
  for (const std::optional<std::string>& key :
       {std::optional<std::string>(), std::optional<std::string>(""),
        std::optional<std::string>(std::string(129, 'k')), std::optional<std::string>("tab\there"),
        std::optional<std::string>("caf\xC3\xA9")}) {
    for (const http::Response& response : {Deposit("alice", R"({"amount":5})", key, kAlice),
                                           Withdraw("alice", R"({"amount":5})", key, kAlice)}) {
      EXPECT_EQ(response.status, 400) << key.value_or("<none>") << " -> " << response.body;
      EXPECT_EQ(SlugOf(response), "invalid-request");
    }
  }
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(WalletApiTest, ARepeatedRequestIsReplayedAndAppliedOnce) {
  auto first = Deposit("alice", R"({"amount":250})", "once", kAlice);
  ASSERT_EQ(first.status, 201);
  const std::string after_first = Snapshot();
  clock_.AdvanceMs(10);
  auto second = Deposit("alice", R"({"amount":250})", "once", kAlice);
  EXPECT_EQ(second.status, 201);
  EXPECT_EQ(BodyOf(second), BodyOf(first));
  EXPECT_EQ(Snapshot(), after_first);
  EXPECT_EQ(Balance("alice"), 250);

  auto withdrawal = Withdraw("alice", R"({"amount":50})", "w-once", kAlice);
  ASSERT_EQ(withdrawal.status, 201);
  EXPECT_EQ(BodyOf(Withdraw("alice", R"({"amount":50})", "w-once", kAlice)), BodyOf(withdrawal));
  EXPECT_EQ(Balance("alice"), 200);
}

TEST_F(WalletApiTest, AKeyReusedForAnotherRequestIs422AndChangesNothing) {
  ASSERT_EQ(Deposit("alice", R"({"amount":250})", "k", kAlice).status, 201);
  const std::string before = Snapshot();
  for (const http::Response& response : {Deposit("alice", R"({"amount":251})", "k", kAlice),
                                         Deposit("alice", R"({"amount": 250})", "k", kAlice),
                                         Withdraw("alice", R"({"amount":250})", "k", kAlice)}) {
    EXPECT_EQ(response.status, 422) << response.body;
    EXPECT_EQ(SlugOf(response), "idempotency-key-reused") << response.body;
  }
  EXPECT_EQ(Snapshot(), before);
}

TEST_F(WalletApiTest, KeysArePerCaller) {
  ASSERT_EQ(Deposit("alice", R"({"amount":10})", "same", kAlice).status, 201);
  ASSERT_EQ(Deposit("bob", R"({"amount":10})", "same", kBob).status, 201);
  EXPECT_EQ(Balance("alice"), 10);
  EXPECT_EQ(Balance("bob"), 10);
}

TEST_F(WalletApiTest, ARefusedRequestMayBeRetriedWithTheSameKey) {
  ASSERT_EQ(Withdraw("alice", R"({"amount":50})", "retry", kAlice).status, 402);
  ASSERT_EQ(Deposit("alice", 100).status, 201);
  auto retried = Withdraw("alice", R"({"amount":50})", "retry", kAlice);
  EXPECT_EQ(retried.status, 201) << retried.body;
  EXPECT_EQ(Balance("alice"), 50);
}

// --- GET /internal/wallet-transactions ---------------------------------------------------------

TEST_F(WalletApiTest, TransactionsListDepositsAndWithdrawalsNewestFirst) {
  auto deposit = Deposit("alice", 1'000);
  clock_.AdvanceMs(1'000);
  ASSERT_EQ(Deposit("bob", 10).status, 201);
  clock_.AdvanceMs(1'000);
  // A payment's debit is the Payment service's to show, not listed here.
  ASSERT_TRUE(db_.db()
                  .Write<AppliedEntry>([&](soci::session& session) {
                    return ApplyEntry(session, LedgerEntry{.entry_id = TransactionId("txn_debit"),
                                                           .user_id = UserId("alice"),
                                                           .type = EntryType::kDebit,
                                                           .amount = Money::FromCents(100).value(),
                                                           .order_id = OrderId("ord_1"),
                                                           .operation_id = "pay-ord_1",
                                                           .description = "Payment",
                                                           .created_at_ms = clock_.NowMs()});
                  })
                  .ok());
  clock_.AdvanceMs(1'000);
  auto withdrawal = Withdraw("alice", 300);

  auto response = Transactions({{"userId", "alice"}}, kService);
  ASSERT_EQ(response.status, 200) << response.body;
  const auto list = BodyOf(response)["transactions"];
  ASSERT_EQ(list.size(), 2u) << list;
  EXPECT_EQ(list[0], nlohmann::json({{"transactionId", BodyOf(withdrawal)["transactionId"]},
                                     {"userId", "alice"},
                                     {"orderId", nullptr},
                                     {"type", "WITHDRAWAL"},
                                     {"paymentStatus", nullptr},
                                     {"amount", 300},
                                     {"currency", "USD"},
                                     {"timestamp", "2026-01-01T00:00:03.000Z"},
                                     {"description", "Withdrawal"}}));
  EXPECT_EQ(list[1]["transactionId"], BodyOf(deposit)["transactionId"]);
  EXPECT_EQ(list[1]["type"], "DEPOSIT");
  EXPECT_EQ(list[1]["description"], "Deposit");

  EXPECT_EQ(BodyOf(Transactions({}, kAdmin))["transactions"].size(), 3u);
  EXPECT_EQ(BodyOf(Transactions({{"limit", "1"}}, kAdmin))["transactions"].size(), 1u);
  EXPECT_EQ(BodyOf(Transactions({{"userId", "nobody"}}, kAdmin))["transactions"].size(), 0u);
}

TEST_F(WalletApiTest, TransactionsAreForServicesAndAdminsOnly) {
  ASSERT_EQ(Deposit("alice", 10).status, 201);
  auto user = Transactions({{"userId", "alice"}}, kAlice);
  EXPECT_EQ(user.status, 403);
  EXPECT_EQ(SlugOf(user), "forbidden");
  EXPECT_EQ(Transactions({}, kAnonymous).status, 401);
}

TEST_F(WalletApiTest, BadTransactionQueriesAre400) {
  for (const std::map<std::string, std::string>& query :
       std::vector<std::map<std::string, std::string>>{{{"limit", "0"}},
                                                       {{"limit", "201"}},
                                                       {{"limit", "-1"}},
                                                       {{"limit", "ten"}},
                                                       {{"limit", ""}},
                                                       {{"limit", "1.5"}},
                                                       {{"limit", "99999999999999999999"}},
                                                       {{"userId", ""}},
                                                       {{"userId", "a b"}},
                                                       {{"userId", std::string(65, 'u')}}}) {
    auto response = Transactions(query, kService);
    EXPECT_EQ(response.status, 400) << query.begin()->first << "=" << query.begin()->second;
    EXPECT_EQ(SlugOf(response), "invalid-request");
    EXPECT_NE(DetailOf(response).find(query.begin()->first), std::string::npos);
  }
}

}  // namespace
}  // namespace tinysaga::wallet
