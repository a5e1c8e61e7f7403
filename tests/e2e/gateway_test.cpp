// The gateway's load balancing, health checks and rate limiting, with real service processes.

#include <gtest/gtest.h>
#include <signal.h>

#include <unistd.h>

#include <set>
#include <thread>

#include "up_process.h"

namespace tinysaga::e2e {
namespace {

// How many GET /api/products an inventory instance has answered, from its own /metrics (the
// gateway keeps upstream names out of its answers).
double ProductListsServed(http::Client& client, uint16_t port) {
  auto metrics = client.SendAndWait({"127.0.0.1", port}, {.method = "GET", .target = "/metrics"},
                                    std::chrono::seconds(10));
  if (!metrics.ok() || metrics->status != 200) return -1;
  double served = 0;
  size_t at = 0;
  while ((at = metrics->body.find("http_requests_total{", at)) != std::string::npos) {
    const size_t end = metrics->body.find('\n', at);
    const std::string line = metrics->body.substr(at, end - at);
    if (line.find("route=\"/api/products\"") != std::string::npos)
      served += std::stod(line.substr(line.rfind(' ') + 1));
    at = end;
  }
  return served;
}

// Polls the gateway's metrics (admin only) until `line` appears: the health checker's verdict
// is an event we wait for, never a fixed delay.
bool WaitForMetric(const Api& api, const std::string& line) {
  for (int attempt = 0; attempt < 600; ++attempt) {
    if (api.Get("/metrics").raw.find(line) != std::string::npos) return true;
    usleep(20'000);  // polling interval while waiting for an asynchronous health check
  }
  return false;
}

TEST(GatewayTest, RoundRobinsAndSurvivesAStoppedInstance) {
  UpProcess up({"--instances", "2", "--rate-limit-per-second", "100000", "--rate-limit-burst", "100000"});
  http::Client client;
  Api api(client, up.gateway());

  Api admin(client, up.gateway());
  admin.SignIn("admin", "admin");
  const uint16_t first_port = up.Process("inventory-1")["port"].get<uint16_t>();
  const uint16_t second_port = up.Process("inventory-2")["port"].get<uint16_t>();
  const double first_before = ProductListsServed(client, first_port);
  const double second_before = ProductListsServed(client, second_port);
  for (int i = 0; i < 10; ++i) {
    auto reply = api.Get("/api/products");
    ASSERT_EQ(reply.status, 200);
    EXPECT_FALSE(http::FindHeader(reply.headers, "X-Upstream"))
        << "upstream names stay out of answers";
  }
  const double first_served = ProductListsServed(client, first_port) - first_before;
  const double second_served = ProductListsServed(client, second_port) - second_before;
  EXPECT_GT(first_served, 0) << "both inventory instances serve";
  EXPECT_GT(second_served, 0) << "both inventory instances serve";
  EXPECT_EQ(first_served + second_served, 10);

  // Freeze one instance: the health check marks it down and every request goes to the other.
  const auto frozen = up.Process("inventory-1");
  const double frozen_served = ProductListsServed(client, first_port);
  const double other_served = ProductListsServed(client, second_port);
  ASSERT_EQ(kill(frozen["pid"].get<pid_t>(), SIGSTOP), 0);
  EXPECT_TRUE(
      WaitForMetric(admin, "instance=\"127.0.0.1:" + std::to_string(frozen["port"].get<int>()) +
                               "\",service=\"inventory\"} 0"));
  for (int i = 0; i < 20; ++i) EXPECT_EQ(api.Get("/api/products").status, 200);
  EXPECT_EQ(ProductListsServed(client, second_port) - other_served, 20);
  kill(frozen["pid"].get<pid_t>(), SIGCONT);
  EXPECT_EQ(ProductListsServed(client, first_port), frozen_served)
      << "the frozen instance got none";
}

TEST(GatewayTest, AKilledInstanceIsRestartedAndNoRequestFails) {
  UpProcess up({"--instances", "2", "--rate-limit-per-second", "100000", "--rate-limit-burst", "100000"});
  http::Client client;
  Api api(client, up.gateway());
  const auto victim = up.Process("inventory-2");
  ASSERT_EQ(kill(victim["pid"].get<pid_t>(), SIGKILL), 0);
  // The supervisor holds the listening socket: requests meanwhile wait in its backlog or go
  // to the other instance; none fails.
  for (int i = 0; i < 50; ++i) EXPECT_EQ(api.Get("/api/products").status, 200);
}

TEST(GatewayTest, RateLimitsPerUserWithRetryAfter) {
  UpProcess up({"--no-demo", "--rate-limit-per-second", "0.5", "--rate-limit-burst", "3"});
  http::Client client;
  Api alice(client, up.gateway());
  alice.SignIn("alice");  // one token from alice's address bucket
  int limited = 0;
  std::string retry_after;
  for (int i = 0; i < 6; ++i) {
    auto reply = alice.Get("/api/orders");
    if (reply.status == 429) {
      ++limited;
      retry_after = std::string(http::FindHeader(reply.headers, "Retry-After").value_or(""));
      EXPECT_EQ(reply.body["type"].get<std::string>().ends_with("rate-limited"), true);
    }
  }
  EXPECT_GE(limited, 3);
  EXPECT_FALSE(retry_after.empty());
  // Another user has a bucket of their own.
  Api bob(client, up.gateway());
  bob.SignIn("bob");
  EXPECT_EQ(bob.Get("/api/orders").status, 200);
}

}  // namespace
}  // namespace tinysaga::e2e
