// `tinysaga up --production` (issue 12, finding 2): what it refuses to start with and what it
// refuses to serve, plus the limits for callers without a valid token (finding 5), through the
// gateway of a real `up` whose JWT secret is known to the test only.

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include "up_process.h"

namespace tinysaga::e2e {
namespace {

using nlohmann::json;

constexpr const char* kSecret = "e2e-production-secret-0123456789abcdef";
constexpr int kFailedTokenBurst = 5;

// Runs `command` through the shell; its exit code (-1 when it did not exit normally).
int ExitCodeOf(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A token from `tinysaga token`, signed with the production secret.
std::string MintToken(const std::string& user_id, const std::string& role = "user") {
  const std::string command = std::string(TINYSAGA_BINARY) + " token --user " + user_id +
                              " --role " + role + " --secret " + kSecret;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run tinysaga token");
  char line[2048] = {};
  const bool read = std::fgets(line, sizeof line, pipe) != nullptr;
  pclose(pipe);
  std::string token = read ? line : "";
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  if (token.empty()) throw std::runtime_error("tinysaga token printed nothing");
  return token;
}

class ProductionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // Set for `up` (its children inherit it from there), then put back as it was, so that
    // suites run later in this process see their usual environment.
    const char* outer = std::getenv("TINYSAGA_JWT_SECRET");
    const std::optional<std::string> saved =
        outer ? std::optional<std::string>(outer) : std::nullopt;
    setenv("TINYSAGA_JWT_SECRET", kSecret, 1);
    auto restore = [&saved] {
      if (saved) {
        setenv("TINYSAGA_JWT_SECRET", saved->c_str(), 1);
      } else {
        unsetenv("TINYSAGA_JWT_SECRET");
      }
    };
    try {
      up_ = new UpProcess({"--production", "--rate-limit-per-second", "100000",
                           "--rate-limit-burst", "100000", "--auth-failure-limit-per-second",
                           "0.001", "--auth-failure-burst", std::to_string(kFailedTokenBurst)});
    } catch (...) {
      restore();
      throw;
    }
    restore();
    client_ = new http::Client();
  }
  static void TearDownTestSuite() {
    delete client_;
    delete up_;
  }
  Api As(const std::string& user_id, const std::string& role = "user") {
    Api api(*client_, up_->gateway());
    api.set_token(MintToken(user_id, role));
    return api;
  }

  static UpProcess* up_;
  static http::Client* client_;
};
UpProcess* ProductionTest::up_ = nullptr;
http::Client* ProductionTest::client_ = nullptr;

TEST_F(ProductionTest, RefusesToStartWithoutAProductionJwtSecret) {
  const std::string up = std::string(TINYSAGA_BINARY) + " up --port 0 --data " +
                         up_->data_dir().string() + "/refused --no-demo";
  const std::string quiet = " >/dev/null 2>&1";
  // `timeout`: a regression that starts instead of refusing fails the test rather than hanging it.
  EXPECT_EQ(ExitCodeOf("env -u TINYSAGA_JWT_SECRET timeout 120 " + up + " --production" + quiet),
            2);
  EXPECT_EQ(
      ExitCodeOf("TINYSAGA_JWT_SECRET=tinysaga-dev-secret-do-not-use-in-production timeout 120 " +
                 up + " --production" + quiet),
      2);
  EXPECT_EQ(
      ExitCodeOf("TINYSAGA_JWT_SECRET=short-secret timeout 120 " + up + " --production" + quiet),
      2);
  // Dev mode never listens beyond loopback.
  EXPECT_EQ(ExitCodeOf("timeout 120 " + up + " --listen 0.0.0.0" + quiet), 2);
  // A gateway started by hand: --production and --dev exclude each other, and the secret is
  // checked.
  const std::string gateway = "TINYSAGA_INTERNAL_SECRET=0123456789abcdef0123 timeout 120 " +
                              std::string(TINYSAGA_BINARY) + " gateway --port 0";
  EXPECT_EQ(ExitCodeOf("env -u TINYSAGA_JWT_SECRET " + gateway + " --production" + quiet), 2);
  EXPECT_NE(ExitCodeOf("TINYSAGA_JWT_SECRET=" + std::string(kSecret) + " " + gateway +
                       " --production --dev" + quiet),
            0);
}

TEST_F(ProductionTest, NoDevTokensNoFaultSwitchesNoDemoData) {
  Api anonymous(*client_, up_->gateway());
  auto dev_token =
      anonymous.Post("/api/auth/dev-token", {{"userId", "mallory"}, {"role", "admin"}});
  EXPECT_EQ(dev_token.status, 404) << dev_token.raw;
  EXPECT_FALSE(dev_token.body.contains("token"));

  auto admin = As("root", "admin");
  auto fault = admin.Post("/api/dev/faults/wallet", {{"unavailableForMs", 3'600'000}}, NewKey());
  EXPECT_EQ(fault.status, 404) << fault.raw;
  auto inventory_fault =
      admin.Post("/api/dev/faults/inventory", {{"deadLetterReservations", true}}, NewKey());
  EXPECT_EQ(inventory_fault.status, 404) << inventory_fault.raw;

  EXPECT_EQ(anonymous.Get("/api/products").status, 200);
  EXPECT_EQ(anonymous.Get("/api/products/mouse").status, 404) << "no demo catalogue";
  EXPECT_EQ(admin.Get("/api/wallets/alice").status, 404) << "no demo wallets";

  // The UI and the tokens the operator issues work as usual.
  EXPECT_EQ(anonymous.Get("/").status, 200);
  EXPECT_EQ(admin.Get("/metrics").status, 200);
  EXPECT_EQ(As("alice").Get("/metrics").status, 403);
}

// GET `target` from the client address `source` (a loopback address of its own, so that what
// it spends is its own bucket), with `token` unless empty; the status line.
std::string StatusFrom(const http::Endpoint& gateway, const std::string& source,
                       const std::string& target, const std::string& token) {
  const std::string authorization = token.empty() ? "" : "Authorization: Bearer " + token + "\r\n";
  const std::string answer = RawExchange(
      gateway,
      "GET " + target + " HTTP/1.1\r\nHost: x\r\n" + authorization + "Connection: close\r\n\r\n",
      source);
  return answer.substr(0, answer.find("\r\n"));
}

// Finding 5, with the numbers (60 rapid requests with invalid tokens): an address that
// keeps presenting bad tokens is throttled, and the check comes before the token is verified.
TEST_F(ProductionTest, ATokenGuesserGets429) {
  const std::string guesser = "127.0.0.2";
  int unauthorized = 0;
  int limited = 0;
  for (int attempt = 0; attempt < 60; ++attempt) {
    const std::string answer =
        RawExchange(up_->gateway(),
                    "GET /api/orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer guess." +
                        std::to_string(attempt) + ".x\r\nConnection: close\r\n\r\n",
                    guesser);
    if (answer.starts_with("HTTP/1.1 401")) ++unauthorized;
    if (answer.starts_with("HTTP/1.1 429")) {
      ++limited;
      EXPECT_NE(answer.find("Retry-After: "), std::string::npos) << answer;
      EXPECT_NE(answer.find("rate-limited"), std::string::npos) << answer;
    }
  }
  EXPECT_EQ(unauthorized, kFailedTokenBurst);
  EXPECT_EQ(limited, 60 - kFailedTokenBurst);
  // Once throttled, even a good token from that address waits (the check comes first) ...
  EXPECT_EQ(StatusFrom(up_->gateway(), guesser, "/api/orders", MintToken("alice")),
            "HTTP/1.1 429 Too Many Requests");
  // ... a request without a token spends from the ordinary per-address bucket only ...
  EXPECT_EQ(StatusFrom(up_->gateway(), guesser, "/api/products", ""), "HTTP/1.1 200 OK");
  // ... and other addresses are not affected.
  EXPECT_EQ(StatusFrom(up_->gateway(), "127.0.0.3", "/api/orders", MintToken("alice")),
            "HTTP/1.1 200 OK");
}

std::string EventsRequest(const std::string& order_id, const std::string& token) {
  return "GET /api/orders/" + order_id + "/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
         token + "\r\nAccept: text/event-stream\r\n\r\n";
}

// Finding 5: a user may hold a bounded number of event streams open.
TEST_F(ProductionTest, EventStreamsPerUserAreCapped) {
  auto admin = As("root", "admin");
  ASSERT_EQ(admin
                .Post("/api/products", {{"productId", "lamp"},
                                        {"productName", "Lamp"},
                                        {"productType", "home"},
                                        {"price", 1500}})
                .status,
            201);
  ASSERT_EQ(admin.Put("/api/products/lamp/stock", {{"availableCount", 5}}).status, 200);
  const std::string token = MintToken("watcher");
  Api watcher(*client_, up_->gateway());
  watcher.set_token(token);
  auto order = watcher.Post("/api/orders", {{"productId", "lamp"}, {"quantity", 1}}, NewKey());
  ASSERT_EQ(order.status, 201) << order.raw;
  const std::string order_id = order.body["orderId"];

  // Each stream's head has arrived before the next is asked for, so the count is exact.
  std::vector<std::unique_ptr<RawConnection>> streams;
  for (int i = 0; i < 8; ++i) {
    auto& stream = streams.emplace_back(std::make_unique<RawConnection>(up_->gateway()));
    stream->Send(EventsRequest(order_id, token));
    const std::string head = stream->ReadHead();
    ASSERT_TRUE(head.starts_with("HTTP/1.1 200")) << i << ": " << head;
    EXPECT_NE(head.find("text/event-stream"), std::string::npos) << head;
  }
  RawConnection ninth(up_->gateway());
  ninth.Send(EventsRequest(order_id, token));
  const std::string refused = ninth.ReadHead();
  EXPECT_TRUE(refused.starts_with("HTTP/1.1 429")) << refused;
  EXPECT_NE(refused.find("Retry-After: "), std::string::npos) << refused;
  // Another user is not affected.
  RawConnection admins(up_->gateway());
  admins.Send(EventsRequest(order_id, MintToken("root", "admin")));
  const std::string admitted = admins.ReadHead();
  EXPECT_TRUE(admitted.starts_with("HTTP/1.1 200")) << admitted;
}

}  // namespace
}  // namespace tinysaga::e2e
