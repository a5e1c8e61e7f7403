// The gateway's view of its upstreams: an instance that serves HTTP is ready (routable, and
// the gateway's /readyz holds) even while its consumers join their groups; only `tinysaga up`
// waits for them too (/readyz/instances).

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <condition_variable>
#include <mutex>
#include <string>

#include "gateway/gateway.h"
#include "tinysaga/http/server.h"

namespace tinysaga::gateway {
namespace {

// A service instance whose /readyz answers what the test says, counting the probes.
class ScriptedInstance {
 public:
  ScriptedInstance() {
    http::ServerOptions options;
    options.address = "127.0.0.1";
    server_ = std::make_unique<http::Server>(options);
    server_->Route("GET", "/readyz", [this](const http::Request&) {
      std::lock_guard lock(mutex_);
      ++probes_;
      probed_.notify_all();
      return status_ == 200 ? http::Response::Text(200, body_, "application/json")
                            : http::Response::Text(status_, "{}", "application/problem+json");
    });
    server_->Start();
  }
  ~ScriptedInstance() { server_->Stop(); }

  http::Endpoint endpoint() const { return {"127.0.0.1", server_->port()}; }
  void Answer(int status, std::string body) {
    std::lock_guard lock(mutex_);
    status_ = status;
    body_ = std::move(body);
  }
  // Returns once the gateway has acted on an answer given after this call: probes are
  // sequential, so when the second probe from now arrives, the first one's answer is applied.
  void AwaitAppliedAnswer() {
    std::unique_lock lock(mutex_);
    const int target = probes_ + 2;
    probed_.wait(lock, [&] { return probes_ >= target; });
  }

 private:
  std::unique_ptr<http::Server> server_;
  std::mutex mutex_;
  std::condition_variable probed_;
  int probes_ = 0;
  int status_ = 200;
  std::string body_;
};

TEST(GatewayReadiness, AnInstanceWhoseConsumersJoinIsReadyButNotStarted) {
  ScriptedInstance order;
  order.Answer(200, R"({"status":"ready","consumers":"joining"})");
  http::Client client;
  SystemClock clock;
  prometheus::Registry registry;
  GatewayConfig config;
  config.upstreams["order"] = {order.endpoint()};
  config.health_interval = std::chrono::milliseconds(1);
  Gateway gateway(config, client, clock, registry);
  gateway.StartHealthChecks();

  order.AwaitAppliedAnswer();
  EXPECT_TRUE(gateway.Ready());
  EXPECT_FALSE(gateway.AllInstancesStarted());

  order.Answer(200, R"({"status":"ready","consumers":"joined"})");
  order.AwaitAppliedAnswer();
  EXPECT_TRUE(gateway.Ready());
  EXPECT_TRUE(gateway.AllInstancesStarted());

  order.Answer(503, "");  // e.g. its database is gone
  order.AwaitAppliedAnswer();
  EXPECT_FALSE(gateway.Ready());
  EXPECT_FALSE(gateway.AllInstancesStarted());

  order.Answer(200, R"({"status":"ready","consumers":"none"})");  // no broker configured
  order.AwaitAppliedAnswer();
  EXPECT_TRUE(gateway.Ready());
  EXPECT_TRUE(gateway.AllInstancesStarted());
}

}  // namespace
}  // namespace tinysaga::gateway
