// PaymentApi's methods called directly with hand-made requests, on a real SQLite database and a
// fake Wallet (a real HTTP server on 127.0.0.1 serving canned ledger lines).

#include "payment/handlers/payment_api.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "payment/payment_repository.h"
#include "payment/schema.h"
#include "tinysaga/testing/fake_peer.h"
#include "tinysaga/testing/test_db.h"

namespace tinysaga::payment {
namespace {

using nlohmann::json;
using platform::Caller;
using platform::CallerRole;

constexpr char kSecret[] = "test-internal-secret";
constexpr TimestampMs kT0 = 1'767'225'600'000;  // 2026-01-01T00:00:00Z

const Caller kAlice{CallerRole::kUser, "alice"};
const Caller kBob{CallerRole::kUser, "bob"};
const Caller kAdmin{CallerRole::kAdmin, "root"};
const Caller kAnonymous{CallerRole::kAnonymous, ""};
const Caller kService{CallerRole::kService, ""};
const Sleeper NoSleep = [](std::chrono::milliseconds) {};

// The Wallet as far as Payment needs it: GET /internal/wallet-transactions. Thread-safe.
class FakeWallet {
 public:
  FakeWallet() {
    peer_.Route("GET", "/internal/wallet-transactions", [this](const http::Request& request) {
      ++hits_;
      auto caller = platform::CallerOf(request, kSecret);
      if (!caller.ok() || caller->role != CallerRole::kService)
        return http::Response::Text(403, "internal only");
      std::lock_guard lock(mutex_);
      last_query_ = request.query;
      if (status_ != 200) return http::Response::Text(status_, "wallet says no");
      if (!raw_body_.empty()) return http::Response::Text(200, raw_body_, "application/json");
      const std::string user_id = request.Query("userId").value_or("");
      json rows = json::array();
      for (const json& row : rows_) {
        if (row["userId"] == user_id) rows.push_back(row);
      }
      return http::Response::Json(200, {{"transactions", rows}});
    });
    peer_.Start();
  }

  void Add(std::string id, std::string user_id, std::string type, int64_t amount,
           TimestampMs at_ms) {
    std::lock_guard lock(mutex_);
    rows_.push_back(json{{"transactionId", id},
                         {"userId", user_id},
                         {"orderId", nullptr},
                         {"type", type},
                         {"paymentStatus", nullptr},
                         {"amount", amount},
                         {"currency", "USD"},
                         {"timestamp", FormatRfc3339(at_ms)},
                         {"description", type}});
  }
  void SetStatus(int status) {
    std::lock_guard lock(mutex_);
    status_ = status;
  }
  void SetRawBody(std::string body) {
    std::lock_guard lock(mutex_);
    raw_body_ = std::move(body);
  }
  std::map<std::string, std::string> last_query() {
    std::lock_guard lock(mutex_);
    return last_query_;
  }
  int hits() const { return hits_.load(); }
  const http::Endpoint& endpoint() const { return peer_.endpoint(); }

 private:
  testing::FakePeer peer_;
  std::mutex mutex_;
  std::vector<json> rows_;
  int status_ = 200;
  std::string raw_body_;
  std::map<std::string, std::string> last_query_;
  std::atomic<int> hits_{0};
};

class PaymentApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    wallet_client_ = std::make_unique<WalletClient>(client_, std::vector{wallet_.endpoint()},
                                                    kSecret, Retrier(RetryPolicy{}, rng_, NoSleep));
    api_ = std::make_unique<PaymentApi>(db_.db(), clock_, rng_, *wallet_client_, orders_,
                                        std::function<void()>());
    // alice: deposit at +1s, payment at +2s, withdrawal at +3s, refund at +4s; bob: one payment.
    wallet_.Add("txn_dep1", "alice", "DEPOSIT", 10'000, kT0 + 1'000);
    wallet_.Add("txn_wdr1", "alice", "WITHDRAWAL", 500, kT0 + 3'000);
    wallet_.Add("txn_dep2", "bob", "DEPOSIT", 700, kT0 + 500);
    InsertOwn("txn_pay1", "alice", "ord_1", TransactionType::kPayment, PaymentStatus::kRefunded,
              kT0 + 2'000);
    InsertOwn("txn_ref1", "alice", "ord_1", TransactionType::kRefund, PaymentStatus::kCompleted,
              kT0 + 4'000);
    InsertOwn("txn_pay2", "bob", "ord_2", TransactionType::kPayment, PaymentStatus::kCompleted,
              kT0 + 2'500);
  }

  void InsertOwn(std::string id, std::string user_id, std::string order_id, TransactionType type,
                 PaymentStatus status, TimestampMs at_ms) {
    Transaction row{TransactionId(std::move(id)),
                    UserId(std::move(user_id)),
                    OrderId(std::move(order_id)),
                    type,
                    status,
                    1'250,
                    "USD",
                    at_ms,
                    "for the order"};
    auto done = db_.db().Write<bool>([&](soci::session& session) -> Result<bool> {
      InsertTransaction(session, row);
      return true;
    });
    ASSERT_TRUE(done.ok()) << done.error().detail;
  }

  http::Response List(const Caller& caller, std::map<std::string, std::string> query) {
    http::Request request;
    request.method = "GET";
    request.target = "/api/transactions";
    request.path = "/api/transactions";
    request.query = std::move(query);
    return api_->ListTransactions(request, caller);
  }

  static json Body(const http::Response& response) {
    return json::parse(response.body, nullptr, false);
  }
  static std::vector<std::string> Ids(const http::Response& response) {
    std::vector<std::string> ids;
    const json body = Body(response);
    for (const json& row : body["transactions"]) ids.push_back(row["transactionId"]);
    return ids;
  }

  testing::TestDb db_{schema::AllMigrations()};
  ManualClock clock_;
  SeededRng rng_{7};
  FakeWallet wallet_;
  http::Client client_;
  std::unique_ptr<WalletClient> wallet_client_;
  OrderClient orders_{client_, {}, kSecret};
  std::unique_ptr<PaymentApi> api_;
};

TEST_F(PaymentApiTest, AUserSeesTheirPaymentsAndWalletMovesNewestFirst) {
  auto response = List(kAlice, {});
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(Ids(response),
            (std::vector<std::string>{"txn_ref1", "txn_wdr1", "txn_pay1", "txn_dep1"}));
  json rows = Body(response)["transactions"];
  EXPECT_EQ(rows[0], (json{{"transactionId", "txn_ref1"},
                           {"userId", "alice"},
                           {"orderId", "ord_1"},
                           {"type", "REFUND"},
                           {"paymentStatus", "COMPLETED"},
                           {"amount", 1'250},
                           {"currency", "USD"},
                           {"timestamp", "2026-01-01T00:00:04.000Z"},
                           {"description", "for the order"}}));
  EXPECT_EQ(rows[1]["orderId"], nullptr);
  EXPECT_EQ(rows[1]["paymentStatus"], nullptr);
  EXPECT_EQ(rows[1]["type"], "WITHDRAWAL");
  EXPECT_EQ(rows[2]["paymentStatus"], "REFUNDED");
  EXPECT_EQ(wallet_.last_query(),
            (std::map<std::string, std::string>{{"userId", "alice"}, {"limit", "50"}}));
}

TEST_F(PaymentApiTest, LimitCutsTheMergedList) {
  auto response = List(kAlice, {{"limit", "2"}});
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(Ids(response), (std::vector<std::string>{"txn_ref1", "txn_wdr1"}));
  EXPECT_EQ(wallet_.last_query().at("limit"), "2");
}

TEST_F(PaymentApiTest, AnOrderFilterListsOnlyThatOrdersPaymentsWithoutAskingTheWallet) {
  auto own = List(kAlice, {{"orderId", "ord_1"}});
  ASSERT_EQ(own.status, 200);
  EXPECT_EQ(Ids(own), (std::vector<std::string>{"txn_ref1", "txn_pay1"}));
  auto others = List(kAlice, {{"orderId", "ord_2"}});  // bob's order: nothing of alice's
  ASSERT_EQ(others.status, 200);
  EXPECT_TRUE(Ids(others).empty());
  auto admin = List(kAdmin, {{"orderId", "ord_2"}});
  EXPECT_EQ(Ids(admin), (std::vector<std::string>{"txn_pay2"}));
  EXPECT_EQ(wallet_.hits(), 0);
}

TEST_F(PaymentApiTest, AdminsSeeEveryPaymentOrOneUsersWholeHistory) {
  auto everyone = List(kAdmin, {});
  ASSERT_EQ(everyone.status, 200);
  EXPECT_EQ(Ids(everyone), (std::vector<std::string>{"txn_ref1", "txn_pay2", "txn_pay1"}));
  EXPECT_EQ(wallet_.hits(), 0);  // deposits are per user; no user, no wallet call
  auto bob = List(kAdmin, {{"userId", "bob"}});
  EXPECT_EQ(Ids(bob), (std::vector<std::string>{"txn_pay2", "txn_dep2"}));
  auto service = List(kService, {{"userId", "alice"}, {"orderId", "ord_1"}});
  EXPECT_EQ(Ids(service), (std::vector<std::string>{"txn_ref1", "txn_pay1"}));
}

TEST_F(PaymentApiTest, AUserCannotListSomeoneElse) {
  auto response = List(kAlice, {{"userId", "bob"}});
  EXPECT_EQ(response.status, 404);
  EXPECT_NE(Body(response).value("type", "").find("not-found"), std::string::npos);
  EXPECT_EQ(List(kAlice, {{"userId", "alice"}}).status, 200);
  EXPECT_EQ(List(kAnonymous, {}).status, 401);
}

TEST_F(PaymentApiTest, BadQueriesAre400AndDoNotReachTheWallet) {
  for (const auto& query :
       std::vector<std::map<std::string, std::string>>{{{"limit", "0"}},
                                                       {{"limit", "201"}},
                                                       {{"limit", "abc"}},
                                                       {{"limit", "-1"}},
                                                       {{"limit", "1.5"}},
                                                       {{"limit", "99999999999999999999"}},
                                                       {{"userId", "a/b"}},
                                                       {{"userId", std::string(65, 'x')}},
                                                       {{"orderId", "ord 1"}},
                                                       {{"orderId", "ord\xff"}},
                                                       {{"userId", "\xc3\x28"}}}) {
    for (const Caller& caller : {kAlice, kAdmin}) {
      auto response = List(caller, query);
      EXPECT_EQ(response.status, 400) << query.begin()->first << "=" << query.begin()->second;
    }
  }
  EXPECT_EQ(wallet_.hits(), 0);
}

TEST_F(PaymentApiTest, AUserWithoutAWalletStillSeesTheirPayments) {
  wallet_.SetStatus(404);
  auto response = List(kAlice, {});
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(Ids(response), (std::vector<std::string>{"txn_ref1", "txn_pay1"}));
}

TEST_F(PaymentApiTest, AnUnreachableOrBrokenWalletIs503) {
  wallet_.SetStatus(500);
  EXPECT_EQ(List(kAlice, {}).status, 503);
  wallet_.SetStatus(200);
  wallet_.SetRawBody(R"({"transactions": [{"type": "DEPOSIT"}]})");
  auto broken = List(kAlice, {});
  EXPECT_EQ(broken.status, 503);
  EXPECT_NE(Body(broken).value("type", "").find("service-unavailable"), std::string::npos);

  WalletClient dead(client_, {testing::DeadEndpoint()}, kSecret,
                    Retrier(RetryPolicy{}, rng_, NoSleep));
  PaymentApi api(db_.db(), clock_, rng_, dead, orders_, std::function<void()>());
  http::Request request;
  request.method = "GET";
  request.path = request.target = "/api/transactions";
  EXPECT_EQ(api.ListTransactions(request, kAlice).status, 503);
  // Listings that need no wallet still work while it is down.
  request.query = {{"orderId", "ord_1"}};
  EXPECT_EQ(api.ListTransactions(request, kAlice).status, 200);
}

}  // namespace
}  // namespace tinysaga::payment
