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
      {"unknown field", "POST", "/api/orders",
       R"({"productId": "mouse", "quantity": 1, "price": 1})"},
      {"wrong type quantity", "POST", "/api/orders", R"({"productId": "mouse", "quantity": "1"})"},
      {"float quantity", "POST", "/api/orders", R"({"productId": "mouse", "quantity": 1.5})"},
      {"zero quantity", "POST", "/api/orders", R"({"productId": "mouse", "quantity": 0})"},
      {"negative quantity", "POST", "/api/orders", R"({"productId": "mouse", "quantity": -3})"},
      {"huge quantity", "POST", "/api/orders",
       R"({"productId": "mouse", "quantity": )" + huge + "}"},
      {"wrong type product", "POST", "/api/orders", R"({"productId": 7, "quantity": 1})"},
      {"invalid product id", "POST", "/api/orders", R"({"productId": "../etc", "quantity": 1})"},
      {"over-long product id", "POST", "/api/orders",
       R"({"productId": ")" + std::string(5000, 'a') + R"(", "quantity": 1})"},
      {"invalid utf-8", "POST", "/api/orders",
       "{\"productId\": \"m\xc3\x28use\", \"quantity\": 1}"},
      {"missing idempotency key", "POST", "/api/orders", R"({"productId": "mouse", "quantity": 1})",
       false},
      {"zero deposit", "POST", "/api/wallets/alice/deposits", R"({"amount": 0})"},
      {"negative deposit", "POST", "/api/wallets/alice/deposits", R"({"amount": -100})"},
      {"fractional deposit", "POST", "/api/wallets/alice/deposits", R"({"amount": 10.5})"},
      {"huge deposit", "POST", "/api/wallets/alice/deposits", R"({"amount": )" + huge + "}"},
      {"string deposit", "POST", "/api/wallets/alice/deposits", R"({"amount": "100"})"},
      {"deposit unknown field", "POST", "/api/wallets/alice/deposits",
       R"({"amount": 100, "currency": "EUR"})"},
      {"deposit without key", "POST", "/api/wallets/alice/deposits", R"({"amount": 100})", false},
      {"withdrawal negative", "POST", "/api/wallets/alice/withdrawals", R"({"amount": -1})"},
      {"update with unknown field", "PUT", "/api/orders/" + order_id,
       R"({"quantity": 1, "status": "PLACED"})"},
      {"update with zero quantity", "PUT", "/api/orders/" + order_id, R"({"quantity": 0})"},
      {"status garbage", "PUT", "/api/orders/" + order_id + "/status", R"({"status": "SHIPPED"})",
       true, 403},
      {"list with bad limit", "GET", "/api/orders?limit=abc", ""},
      {"list with huge limit", "GET", "/api/orders?limit=100000000000000000000", ""},
      {"list with bad status", "GET", "/api/orders?status=NOPE", ""},
      {"list with bad cursor", "GET", "/api/orders?cursor=%00%01", ""},
      {"bad availability quantity", "GET", "/api/products/mouse/availability?quantity=-1", ""},
      {"negative wait", "GET", "/api/orders/" + order_id + "?waitMs=-1", ""},
      {"over-long wait", "GET", "/api/orders/" + order_id + "?waitMs=20001", ""},
      {"unknown order", "GET", "/api/orders/ord_doesnotexist", "", true, 404},
      {"invalid order id", "GET", "/api/orders/%2e%2e%2f", "", true, 404},
      {"others' wallet", "POST", "/api/wallets/bob/deposits", R"({"amount": 100})", true, 404},
      {"malformed escape", "GET", "/api/orders/%zz", "", true, 400},
      // Duplicate keys (issue 12): last-wins would order a laptop here.
      {"duplicate json key", "POST", "/api/orders",
       R"({"productId":"cable","quantity":1,"productId":"laptop"})"},
      {"duplicate json key, escaped", "POST", "/api/orders",
       R"({"productId":"mouse","quantity":1,"quantit\u0079":2})"},
      {"duplicate deposit amount", "POST", "/api/wallets/alice/deposits",
       R"({"amount":1,"amount":1000000})"},
      {"duplicate update key", "PUT", "/api/orders/" + order_id, R"({"quantity":1,"quantity":2})"},
      {"duplicate payment key", "POST", "/api/payment",
       R"({"orderId":")" + order_id + R"(","orderId":"x"})"},
      // Duplicate query parameters: which copy a service takes is nobody's business.
      {"duplicate query parameter", "GET", "/api/orders?limit=1&limit=200", ""},
      {"duplicate transactions filter", "GET", "/api/transactions?userId=alice&userId=bob", ""},
      {"duplicate availability quantity", "GET",
       "/api/products/mouse/availability?quantity=1&quantity=9", ""},
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

// Issue 12, finding 1 (RFC 9112 section 6.3), with the issue's reproduction: the gateway
// answers 400 once and closes; the bytes after the header never become a second request.
TEST_F(BadInputTest, RequestSmugglingIsRefusedWithOneAnswerAndAClose) {
  const std::string smuggled =
      "GET /api/products/mouse HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const std::vector<std::string> framings = {
      "Transfer-Encoding: xchunked\r\n",
      "Transfer-Encoding: identity\r\n",
      "Transfer-Encoding: chunked, identity\r\n",
      "Transfer-Encoding: xchunked\r\nContent-Length: 0\r\n",
      "Content-Length: 0\r\nTransfer-Encoding: chunked\r\n",
      "Content-Length: 0\r\nContent-Length: 45\r\n",
  };
  for (const std::string& framing : framings) {
    SCOPED_TRACE(framing);
    const std::string answer =
        RawExchange(up_->gateway(),
                    "POST /api/orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer T\r\n"
                    "Idempotency-Key: s1\r\n" +
                        framing + "\r\n" + smuggled);
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 400")) << answer;
    EXPECT_NE(answer.find("application/problem+json"), std::string::npos) << answer;
    EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
    EXPECT_EQ(answer.find("HTTP/1.1", 1), std::string::npos) << "a second answer: " << answer;
    EXPECT_EQ(answer.find("Wireless mouse"), std::string::npos) << answer;
  }
}

// Issue 12, finding 3: a client's X-Request-Id is taken only when it is a short token.
TEST_F(BadInputTest, OnlyATokenIsTakenAsRequestId) {
  Api anonymous(*client_, up_->gateway());
  http::Request good{.method = "GET", .target = "/api/products"};
  good.headers = {{"X-Request-Id", "client-7:a.b_c"}};
  EXPECT_EQ(http::FindHeader(anonymous.Send(good).headers, "X-Request-Id"), "client-7:a.b_c");
  for (const std::string& bad :
       {std::string("<script>alert(1)</script>"), std::string("two words"), std::string(129, 'a'),
        std::string("quote\"d"), std::string("semi;colon")}) {
    SCOPED_TRACE(bad);
    http::Request request{.method = "GET", .target = "/api/products"};
    request.headers = {{"X-Request-Id", bad}};
    auto reply = anonymous.Send(request);
    EXPECT_EQ(reply.status, 200);
    auto id = http::FindHeader(reply.headers, "X-Request-Id");
    ASSERT_TRUE(id);
    EXPECT_NE(*id, bad);
    EXPECT_EQ(id->size(), 32u) << *id;
  }
}

// Issue 12, finding 6: HEAD answers like GET without a body; an over-long URL is a 414.
TEST_F(BadInputTest, HeadAnswersLikeGetAndOverLongUrlsAre414) {
  Api anonymous(*client_, up_->gateway());
  const auto get = anonymous.Get("/api/products/mouse");
  ASSERT_EQ(get.status, 200);
  const std::string answer = RawExchange(
      up_->gateway(), "HEAD /api/products/mouse HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 200")) << answer;
  EXPECT_NE(answer.find("Content-Length: " + std::to_string(get.raw.size()) + "\r\n"),
            std::string::npos)
      << answer;
  EXPECT_TRUE(answer.ends_with("\r\n\r\n")) << "no body: " << answer;
  const std::string page =
      RawExchange(up_->gateway(), "HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(page.starts_with("HTTP/1.1 200")) << page;
  EXPECT_TRUE(page.ends_with("\r\n\r\n")) << page;

  for (size_t length : {size_t{9'000}, size_t{20'000}}) {
    auto reply = anonymous.Get("/api/products?q=" + std::string(length, 'a'));
    EXPECT_EQ(reply.status, 414) << length << ": " << reply.raw;
    EXPECT_TRUE(reply.body.is_object() && reply.body.value("type", "").ends_with("uri-too-long"))
        << reply.raw;
  }
}

// Issue 12, finding 4: no upstream names in answers; the web UI's and the API's headers.
TEST_F(BadInputTest, AnswersExposeNoUpstreamAndCarrySecurityHeaders) {
  Api alice(*client_, up_->gateway());
  alice.SignIn("alice");
  for (const std::string target :
       {"/api/products", "/api/orders", "/api/wallets/alice", "/api/orders/nope"}) {
    SCOPED_TRACE(target);
    auto reply = alice.Get(target);
    EXPECT_FALSE(http::FindHeader(reply.headers, "X-Upstream")) << reply.raw;
    for (const auto& [name, value] : reply.headers)
      EXPECT_EQ(value.find("127.0.0.1"), std::string::npos) << name;
    EXPECT_EQ(http::FindHeader(reply.headers, "Cache-Control"), "no-store");
    EXPECT_EQ(http::FindHeader(reply.headers, "X-Content-Type-Options"), "nosniff");
  }
  Api anonymous(*client_, up_->gateway());
  for (const std::string target : {"/", "/js/main.js", "/css/app.css", "/no-such-page"}) {
    SCOPED_TRACE(target);
    auto reply = anonymous.Get(target);
    const std::string policy(
        http::FindHeader(reply.headers, "Content-Security-Policy").value_or(""));
    EXPECT_NE(policy.find("script-src 'self'"), std::string::npos) << policy;
    EXPECT_EQ(policy.find("unsafe-inline"), std::string::npos) << policy;
    EXPECT_NE(policy.find("frame-ancestors 'none'"), std::string::npos) << policy;
    EXPECT_EQ(http::FindHeader(reply.headers, "X-Frame-Options"), "DENY");
    EXPECT_EQ(http::FindHeader(reply.headers, "X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(http::FindHeader(reply.headers, "Referrer-Policy"), "no-referrer");
  }
  // The policy forbids inline script and style, so the page must have none.
  const std::string page = anonymous.Get("/").raw;
  for (size_t at = page.find("<script"); at != std::string::npos;
       at = page.find("<script", at + 1)) {
    const std::string tag = page.substr(at, page.find('>', at) - at);
    EXPECT_NE(tag.find("src="), std::string::npos) << "inline script: " << tag;
  }
  EXPECT_EQ(page.find("<style"), std::string::npos);
  EXPECT_EQ(page.find(" style="), std::string::npos);
  EXPECT_EQ(page.find(" onclick="), std::string::npos);

  // The gateway's metrics name the upstream instances: admin only.
  EXPECT_EQ(anonymous.Get("/metrics").status, 401);
  EXPECT_EQ(alice.Get("/metrics").status, 403);
  Api admin(*client_, up_->gateway());
  admin.SignIn("admin", "admin");
  auto metrics = admin.Get("/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_NE(metrics.raw.find("gateway_upstream_healthy"), std::string::npos);
}

// Issue 12, finding 2: dev mode (dev tokens for anyone) listens on loopback only.
TEST_F(BadInputTest, DevModeListensOnLoopbackOnly) {
  const auto addresses = ListeningAddresses(up_->gateway().port);
  ASSERT_FALSE(addresses.empty());
  for (const auto& address : addresses) EXPECT_EQ(address, "127.0.0.1");
  const auto status = up_->Status();  // kept alive: a range-for over a temporary's member dangles
  for (const auto& process : status["processes"]) {
    SCOPED_TRACE(process.dump());
    for (const auto& address : ListeningAddresses(process["port"].get<uint16_t>()))
      EXPECT_EQ(address, "127.0.0.1");
  }
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
