// End-to-end tests of the public HTTP API (API.md) through the gateway of a real
// `tinysaga up`: real processes, real SQLite files, real HTTP.

#include <gtest/gtest.h>

#include <memory>

#include "up_process.h"

namespace tinysaga::e2e {
namespace {

using nlohmann::json;

class ApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // A generous rate limit: these tests are one user doing many things quickly.
    up_ = new UpProcess({"--rate-limit-per-second", "100000", "--rate-limit-burst", "100000"});
    client_ = new http::Client();
  }
  static void TearDownTestSuite() {
    delete client_;
    delete up_;
  }
  Api As(const std::string& user_id, const std::string& role = "user") {
    Api api(*client_, up_->gateway());
    api.SignIn(user_id, role);
    return api;
  }
  Api Anonymous() { return Api(*client_, up_->gateway()); }

  static UpProcess* up_;
  static http::Client* client_;
};
UpProcess* ApiTest::up_ = nullptr;
http::Client* ApiTest::client_ = nullptr;

void ExpectProblem(const Api::Reply& reply, int status, const std::string& slug) {
  EXPECT_EQ(reply.status, status) << reply.raw;
  auto content_type = http::FindHeader(reply.headers, "Content-Type");
  EXPECT_TRUE(content_type && content_type->starts_with("application/problem+json")) << reply.raw;
  ASSERT_TRUE(reply.body.is_object()) << reply.raw;
  EXPECT_EQ(reply.body.value("status", 0), status);
  EXPECT_TRUE(reply.body.value("type", "").ends_with(slug)) << reply.raw;
  EXPECT_FALSE(reply.body.value("title", "").empty());
}

TEST_F(ApiTest, OperationalEndpointsAnswer) {
  auto api = Anonymous();
  EXPECT_EQ(api.Get("/healthz").status, 200);
  EXPECT_EQ(api.Get("/readyz").status, 200);
  // The gateway's metrics name its upstream instances: admin only (issue 12).
  EXPECT_EQ(api.Get("/metrics").status, 401);
  EXPECT_EQ(As("alice").Get("/metrics").status, 403);
  auto metrics = As("admin", "admin").Get("/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.raw.find("http_requests_total"), std::string::npos);
  EXPECT_NE(metrics.raw.find("gateway_upstream_healthy"), std::string::npos);
}

TEST_F(ApiTest, EveryResponseHasARequestId) {
  auto reply = Anonymous().Get("/api/products");
  EXPECT_TRUE(http::FindHeader(reply.headers, "X-Request-Id").has_value());
}

TEST_F(ApiTest, ServesTheWebUi) {
  auto reply = Anonymous().Get("/");
  EXPECT_EQ(reply.status, 200);
  EXPECT_NE(reply.raw.find("<html"), std::string::npos);
  ExpectProblem(Anonymous().Get("/no-such-page.html"), 404, "not-found");
  ExpectProblem(Anonymous().Get("/../CMakeLists.txt"), 404, "not-found");
}

TEST_F(ApiTest, DemoCatalogueIsPublic) {
  auto products = Anonymous().Get("/api/products");
  ASSERT_EQ(products.status, 200) << products.raw;
  std::map<std::string, json> by_id;
  for (const auto& product : products.body["products"]) by_id[product["productId"]] = product;
  ASSERT_TRUE(by_id.contains("keyboard"));
  EXPECT_EQ(by_id["keyboard"]["price"], 8900);
  EXPECT_EQ(by_id["keyboard"]["currency"], "USD");
  EXPECT_EQ(by_id["headphones"]["availableProductCount"], 0);

  auto one = Anonymous().Get("/api/products/mouse");
  EXPECT_EQ(one.status, 200);
  EXPECT_EQ(one.body["productName"], "Wireless mouse");
  auto availability = Anonymous().Get("/api/products/headphones/availability?quantity=1");
  EXPECT_EQ(availability.status, 200);
  EXPECT_EQ(availability.body["available"], false);
  ExpectProblem(Anonymous().Get("/api/products/no-such-product"), 404, "not-found");
}

TEST_F(ApiTest, TokensAreRequiredAndVerified) {
  auto api = Anonymous();
  ExpectProblem(api.Get("/api/orders"), 401, "unauthorized");
  api.set_token("not.a.token");
  ExpectProblem(api.Get("/api/orders"), 401, "unauthorized");
  // A token signed with another secret.
  api.set_token(
      "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsInJvbGUiOiJhZG1pbiIsImV4cCI6NDEwMjQ0NDgwMH0."
      "3q2-7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  ExpectProblem(api.Get("/api/orders"), 401, "unauthorized");
  ExpectProblem(Anonymous().Post("/api/auth/dev-token", {{"userId", "no spaces allowed"}}), 400, "invalid-request");
  ExpectProblem(Anonymous().Post("/api/auth/dev-token", {{"userId", "alice"}, {"role", "root"}}), 400,
                "invalid-request");
}

TEST_F(ApiTest, ClientsCannotForgeIdentityHeaders) {
  auto alice = As("alice");
  http::Request request{.method = "GET", .target = "/api/wallets/alice"};
  request.headers = {{"X-User-Id", "bob"}, {"X-User-Role", "admin"}, {"X-Internal-Token", "guess"}};
  auto reply = alice.Send(request);
  EXPECT_EQ(reply.status, 200) << reply.raw;
  EXPECT_EQ(reply.body["userId"], "alice");
  // Anonymous with forged headers is still anonymous.
  ExpectProblem(Anonymous().Send(request), 401, "unauthorized");
}

TEST_F(ApiTest, ServicesRefuseCallsThatBypassTheGateway) {
  const auto wallet = up_->Process("wallet-1");
  http::Request request{.method = "GET", .target = "/api/wallets/alice"};
  request.headers = {{"X-User-Id", "alice"}, {"X-User-Role", "admin"}};
  auto reply = client_->SendAndWait({"127.0.0.1", wallet["port"].get<uint16_t>()}, request);
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->status, 401);
}

TEST_F(ApiTest, InternalRoutesAreNotExposed) {
  auto admin = As("admin", "admin");
  ExpectProblem(admin.Get("/internal/wallet-transactions?userId=alice"), 404, "not-found");
  ExpectProblem(admin.Get("/api/nothing-here"), 404, "not-found");
}

TEST_F(ApiTest, WalletDepositWithdrawAndIdempotency) {
  auto dave = As("dave");
  ExpectProblem(dave.Get("/api/wallets/dave"), 404, "not-found");
  ExpectProblem(dave.Post("/api/wallets/dave/deposits", {{"amount", 1000}}), 400, "invalid-request");

  const std::string key = NewKey();
  auto deposit = dave.Post("/api/wallets/dave/deposits", {{"amount", 1000}}, key);
  ASSERT_EQ(deposit.status, 201) << deposit.raw;
  EXPECT_EQ(deposit.body["balance"], 1000);
  auto replay = dave.Post("/api/wallets/dave/deposits", {{"amount", 1000}}, key);
  EXPECT_EQ(replay.status, 201);
  EXPECT_EQ(replay.body, deposit.body);
  ExpectProblem(dave.Post("/api/wallets/dave/deposits", {{"amount", 2000}}, key), 422, "");
  EXPECT_EQ(dave.Get("/api/wallets/dave").body["balance"], 1000);

  ExpectProblem(dave.Post("/api/wallets/dave/withdrawals", {{"amount", 1001}}, NewKey()), 402, "insufficient-funds");
  auto withdrawal = dave.Post("/api/wallets/dave/withdrawals", {{"amount", 400}}, NewKey());
  EXPECT_EQ(withdrawal.status, 201) << withdrawal.raw;
  EXPECT_EQ(dave.Get("/api/wallets/dave").body["balance"], 600);

  auto transactions = dave.Get("/api/transactions?userId=dave");
  ASSERT_EQ(transactions.status, 200) << transactions.raw;
  std::multiset<std::string> types;
  for (const auto& transaction : transactions.body["transactions"]) types.insert(transaction["type"]);
  EXPECT_EQ(types, (std::multiset<std::string>{"DEPOSIT", "WITHDRAWAL"}));
}

TEST_F(ApiTest, UsersSeeOnlyTheirOwnWallet) {
  auto bob = As("bob");
  ExpectProblem(bob.Get("/api/wallets/alice"), 404, "not-found");
  ExpectProblem(bob.Post("/api/wallets/alice/deposits", {{"amount", 1}}, NewKey()), 404, "not-found");
  auto admin = As("admin", "admin");
  EXPECT_EQ(admin.Get("/api/wallets/alice").status, 200);
}

TEST_F(ApiTest, OrderLifecycleBeforePayment) {
  auto erin = As("erin");
  auto created = erin.Post("/api/orders", {{"productId", "keyboard"}, {"quantity", 2}}, NewKey());
  ASSERT_EQ(created.status, 201) << created.raw;
  EXPECT_EQ(created.body["status"], "INITIATED");
  EXPECT_EQ(created.body["price"], 17800);
  EXPECT_EQ(created.body["userId"], "erin");
  const std::string order_id = created.body["orderId"];

  auto fetched = erin.Get("/api/orders/" + order_id);
  ASSERT_EQ(fetched.status, 200);
  ASSERT_EQ(fetched.body["history"].size(), 1u);
  EXPECT_EQ(fetched.body["history"][0]["status"], "INITIATED");

  auto updated = erin.Put("/api/orders/" + order_id, {{"quantity", 3}});
  ASSERT_EQ(updated.status, 200) << updated.raw;
  EXPECT_EQ(updated.body["price"], 26700);

  auto listed = erin.Get("/api/orders?limit=10");
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.body["orders"][0]["orderId"], order_id);

  ExpectProblem(As("frank").Get("/api/orders/" + order_id), 404, "not-found");
  ExpectProblem(erin.Put("/api/orders/" + order_id + "/status", {{"status", "ON_WAY"}}), 403, "forbidden");
  ExpectProblem(As("admin", "admin").Put("/api/orders/" + order_id + "/status", {{"status", "ON_WAY"}}), 409,
                "conflict");

  auto canceled = erin.Post("/api/orders/" + order_id + "/cancel", json::object());
  ASSERT_EQ(canceled.status, 200) << canceled.raw;
  EXPECT_EQ(canceled.body["status"], "CANCELED");
  ExpectProblem(erin.Post("/api/orders/" + order_id + "/cancel", json::object()), 409, "conflict");
  ExpectProblem(erin.Put("/api/orders/" + order_id, {{"quantity", 1}}), 409, "conflict");
}

TEST_F(ApiTest, OrdersCheckProductAndStock) {
  auto erin = As("erin");
  ExpectProblem(erin.Post("/api/orders", {{"productId", "headphones"}, {"quantity", 1}}, NewKey()), 422,
                "out-of-stock");
  ExpectProblem(erin.Post("/api/orders", {{"productId", "unknown-thing"}, {"quantity", 1}}, NewKey()), 404,
                "not-found");
  ExpectProblem(erin.Post("/api/orders", {{"productId", "laptop"}, {"quantity", 1000}}, NewKey()), 422,
                "out-of-stock");
}

TEST_F(ApiTest, OrderCreationIsIdempotent) {
  auto erin = As("erin");
  const std::string key = NewKey();
  auto first = erin.Post("/api/orders", {{"productId", "mouse"}, {"quantity", 1}}, key);
  auto second = erin.Post("/api/orders", {{"productId", "mouse"}, {"quantity", 1}}, key);
  ASSERT_EQ(first.status, 201);
  EXPECT_EQ(second.status, 201);
  EXPECT_EQ(first.body["orderId"], second.body["orderId"]);
  ExpectProblem(erin.Post("/api/orders", {{"productId", "mouse"}, {"quantity", 2}}, key), 422, "");
  // Keys are per user: the same key from another user is a new request.
  auto other = As("frank").Post("/api/orders", {{"productId", "mouse"}, {"quantity", 1}}, key);
  EXPECT_EQ(other.status, 201);
  EXPECT_NE(other.body["orderId"], first.body["orderId"]);
}

TEST_F(ApiTest, AdminManagesTheCatalogue) {
  auto admin = As("admin", "admin");
  auto created = admin.Post("/api/products", {{"productId", "e2e-widget"},
                                              {"productName", "Widget"},
                                              {"productType", "gadget"},
                                              {"price", 1234}});
  ASSERT_EQ(created.status, 201) << created.raw;
  EXPECT_EQ(created.body["availableProductCount"], 0);
  auto stocked = admin.Put("/api/products/e2e-widget/stock", {{"availableCount", 7}});
  ASSERT_EQ(stocked.status, 200) << stocked.raw;
  EXPECT_EQ(Anonymous().Get("/api/products/e2e-widget").body["availableProductCount"], 7);
  ExpectProblem(As("erin").Put("/api/products/e2e-widget/stock", {{"availableCount", 0}}), 403, "forbidden");
  ExpectProblem(Anonymous().Post("/api/products", {{"productName", "x"}}), 401, "unauthorized");
}

}  // namespace
}  // namespace tinysaga::e2e
