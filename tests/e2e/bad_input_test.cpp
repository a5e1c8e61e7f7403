// Bad input never yields a 5xx, a crash or a state change (issue: "Bad input"). Each case is
// sent through the gateway; afterwards the state it could have touched is compared.

#include <gtest/gtest.h>

#include "up_process.h"

namespace tinysaga::e2e {
namespace {

using nlohmann::json;

struct BadRequest {
  std::string name;
  std::string method;
  std::string target;
  std::string body;
  bool with_idempotency_key = true;
  int status = 400;
};

class BadInputTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    up_ = new UpProcess({"--rate-limit-per-second", "100000", "--rate-limit-burst", "100000"});
    client_ = new http::Client();
  }
  static void TearDownTestSuite() {
    delete client_;
    delete up_;
  }

  // Everything a bad request could have changed, as seen by alice and the admin.
  json Snapshot(const Api& alice, const Api& admin) {
    return {{"wallet", alice.Get("/api/wallets/alice").body},
            {"orders", alice.Get("/api/orders?limit=200").body},
            {"transactions", alice.Get("/api/transactions?userId=alice").body},
            {"products", admin.Get("/api/products").body}};
  }

  static UpProcess* up_;
  static http::Client* client_;
};
UpProcess* BadInputTest::up_ = nullptr;
http::Client* BadInputTest::client_ = nullptr;

std::vector<BadRequest> BadRequests(const std::string& order_id) {
  const std::string huge = "99999999999999999999999999";
  std::vector<BadRequest> cases = {
      {"malformed json", "POST", "/api/orders", R"({"productId": "mouse", "quantity": )"},
      {"json array", "POST", "/api/orders", R"([1, 2])"},
      {"json string", "POST", "/api/orders", R"("mouse")"},
      {"missing field", "POST", "/api/orders", R"({"productId": "mouse"})"},
      {"unknown field", "POST", "/api/orders", R"({"productId": "mouse", "quantity": 1, "price": 1})"},
      {"wrong type quantity", "POST", "/api/orders", R"({"productId": "mouse", "quantity": "1"})"},
      {"float quantity", "POST", "/api/orders", R"({"productId": "mouse", "quantity": 1.5})"},
      {"zero quantity", "POST", "/api/orders", R"({"productId": "mouse", "quantity": 0})"},
      {"negative quantity", "POST", "/api/orders", R"({"productId": "mouse", "quantity": -3})"},
      {"huge quantity", "POST", "/api/orders", R"({"productId": "mouse", "quantity": )" + huge + "}"},
      {"wrong type product", "POST", "/api/orders", R"({"productId": 7, "quantity": 1})"},
      {"invalid product id", "POST", "/api/orders", R"({"productId": "../etc", "quantity": 1})"},
      {"over-long product id", "POST", "/api/orders", R"({"productId": ")" + std::string(5000, 'a') + R"(", "quantity": 1})"},
      {"invalid utf-8", "POST", "/api/orders", "{\"productId\": \"m\xc3\x28use\", \"quantity\": 1}"},
      {"missing idempotency key", "POST", "/api/orders", R"({"productId": "mouse", "quantity": 1})", false},
      {"zero deposit", "POST", "/api/wallets/alice/deposits", R"({"amount": 0})"},
      {"negative deposit", "POST", "/api/wallets/alice/deposits", R"({"amount": -100})"},
      {"fractional deposit", "POST", "/api/wallets/alice/deposits", R"({"amount": 10.5})"},
      {"huge deposit", "POST", "/api/wallets/alice/deposits", R"({"amount": )" + huge + "}"},
      {"string deposit", "POST", "/api/wallets/alice/deposits", R"({"amount": "100"})"},
      {"deposit unknown field", "POST", "/api/wallets/alice/deposits", R"({"amount": 100, "currency": "EUR"})"},
      {"deposit without key", "POST", "/api/wallets/alice/deposits", R"({"amount": 100})", false},
      {"withdrawal negative", "POST", "/api/wallets/alice/withdrawals", R"({"amount": -1})"},
      {"update with unknown field", "PUT", "/api/orders/" + order_id, R"({"quantity": 1, "status": "PLACED"})"},
      {"update with zero quantity", "PUT", "/api/orders/" + order_id, R"({"quantity": 0})"},
      {"status garbage", "PUT", "/api/orders/" + order_id + "/status", R"({"status": "SHIPPED"})", true, 403},
      {"list with bad limit", "GET", "/api/orders?limit=abc", ""},
      {"list with huge limit", "GET", "/api/orders?limit=100000000000000000000", ""},
      {"list with bad status", "GET", "/api/orders?status=NOPE", ""},
      {"list with bad cursor", "GET", "/api/orders?cursor=%00%01", ""},
      {"bad availability quantity", "GET", "/api/products/mouse/availability?quantity=-1", ""},
      {"unknown order", "GET", "/api/orders/ord_doesnotexist", "", true, 404},
      {"invalid order id", "GET", "/api/orders/%2e%2e%2f", "", true, 404},
      {"others' wallet", "POST", "/api/wallets/bob/deposits", R"({"amount": 100})", true, 404},
      {"malformed escape", "GET", "/api/orders/%zz", "", true, 400},
  };
  return cases;
}

TEST_F(BadInputTest, BadRequestsGetAProblemAndChangeNothing) {
  Api alice(*client_, up_->gateway());
  alice.SignIn("alice");
  Api admin(*client_, up_->gateway());
  admin.SignIn("admin", "admin");
  auto order = alice.Post("/api/orders", {{"productId", "mouse"}, {"quantity", 1}}, NewKey());
  ASSERT_EQ(order.status, 201) << order.raw;
  const std::string order_id = order.body["orderId"];

  const json before = Snapshot(alice, admin);
  for (const auto& bad : BadRequests(order_id)) {
    http::Request request{.method = bad.method, .target = bad.target, .body = bad.body};
    request.headers.emplace_back("Content-Type", "application/json");
    if (bad.with_idempotency_key) request.headers.emplace_back("Idempotency-Key", NewKey());
    auto reply = alice.Send(request);
    EXPECT_EQ(reply.status, bad.status) << bad.name << ": " << reply.raw;
    EXPECT_TRUE(reply.body.is_object() && reply.body.contains("detail")) << bad.name << ": " << reply.raw;
  }
  EXPECT_EQ(Snapshot(alice, admin), before);
}

TEST_F(BadInputTest, OversizedBodiesAreRefused) {
  Api alice(*client_, up_->gateway());
  alice.SignIn("alice");
  auto reply = alice.PostRaw("/api/orders", std::string(2 * 1024 * 1024, ' '), NewKey());
  EXPECT_EQ(reply.status, 413);
}

TEST_F(BadInputTest, OverflowingBalanceIsRefused) {
  Api admin(*client_, up_->gateway());
  admin.SignIn("admin", "admin");
  const int64_t max = 100'000'000'000'000;
  ASSERT_EQ(admin.Post("/api/wallets/rich/deposits", {{"amount", max}}, NewKey()).status, 201);
  auto reply = admin.Post("/api/wallets/rich/deposits", {{"amount", 1}}, NewKey());
  EXPECT_EQ(reply.status, 422) << reply.raw;
  EXPECT_EQ(admin.Get("/api/wallets/rich").body["balance"], max);
}

TEST_F(BadInputTest, OrderPriceOverflowIsRefused) {
  Api admin(*client_, up_->gateway());
  admin.SignIn("admin", "admin");
  ASSERT_EQ(admin.Post("/api/products", {{"productId", "gold-bar"},
                                         {"productName", "Gold bar"},
                                         {"productType", "metal"},
                                         {"price", 100'000'000'000'000}})
                .status,
            201);
  ASSERT_EQ(admin.Put("/api/products/gold-bar/stock", {{"availableCount", 1000}}).status, 200);
  auto reply = admin.Post("/api/orders", {{"productId", "gold-bar"}, {"quantity", 1000}}, NewKey());
  EXPECT_EQ(reply.status, 422) << reply.raw;
}

}  // namespace
}  // namespace tinysaga::e2e
