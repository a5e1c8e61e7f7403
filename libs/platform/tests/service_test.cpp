#include "tinysaga/platform/service.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <soci/soci.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>

#include "tinysaga/testing/temp_dir.h"

namespace tinysaga::platform {
namespace {

ServiceConfig ConfigIn(const testing::TempDir& dir) {
  ServiceConfig config;
  config.name = "order";
  config.db_url_template = "sqlite:" + dir.path().string();
  config.internal_secret = "internal-secret";
  config.worker_threads = 2;
  config.db_pool_size = 2;
  return config;
}

// A plain HTTP/1.0-style GET over a socket, read until the server closes: enough to check the
// operational routes without depending on the HTTP client.
struct RawResponse {
  int status = 0;
  std::string head;
  std::string body;
};

RawResponse RawGet(uint16_t port, const std::string& target) {
  RawResponse response;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return response;
  }
  const std::string request =
      "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  if (write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    close(fd);
    return response;
  }
  std::string raw;
  char buffer[4096];
  for (ssize_t n; (n = read(fd, buffer, sizeof buffer)) > 0;)
    raw.append(buffer, static_cast<size_t>(n));
  close(fd);
  const size_t head_end = raw.find("\r\n\r\n");
  if (raw.size() < 12 || head_end == std::string::npos) return response;
  response.status = std::stoi(raw.substr(9, 3));
  response.head = raw.substr(0, head_end);
  response.body = raw.substr(head_end + 4);
  return response;
}

const std::vector<storage::Migration> kMigrations = {
    {1, "orders", "CREATE TABLE orders (id TEXT PRIMARY KEY);"}};

TEST(CreateServiceTest, RefusesAnIncompleteConfig) {
  testing::TempDir dir;
  ServiceConfig no_secret = ConfigIn(dir);
  no_secret.internal_secret.clear();
  EXPECT_EQ(CreateService(no_secret, kMigrations).error().code, Errc::kInvalidRequest);
  ServiceConfig bad_name = ConfigIn(dir);
  bad_name.name = "../order";
  EXPECT_EQ(CreateService(bad_name, kMigrations).error().code, Errc::kInvalidRequest);
  ServiceConfig bad_db = ConfigIn(dir);
  bad_db.db_url_template = "oracle://x";
  EXPECT_FALSE(CreateService(bad_db, kMigrations).ok());
}

TEST(CreateServiceTest, OpensAndMigratesTheServiceDatabase) {
  testing::TempDir dir;
  auto context = CreateService(ConfigIn(dir), kMigrations);
  ASSERT_TRUE(context.ok()) << context.error().detail;
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "order.db"));
  auto tables = (*context)->db->Read<long long>([](soci::session& session) -> Result<long long> {
    long long count = 0;
    session << "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN "
               "('orders', 'outbox', 'inbox', 'idempotency_keys')",
        soci::into(count);
    return count;
  });
  ASSERT_TRUE(tables.ok());
  EXPECT_EQ(*tables, 4);
}

class OperationalRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto context = CreateService(ConfigIn(dir_), kMigrations, [this] { return ready_.load(); });
    ASSERT_TRUE(context.ok()) << context.error().detail;
    context_ = std::move(context).value();
    context_->server->Start();
  }
  void TearDown() override {
    if (context_) context_->server->Stop();
  }

  RawResponse Get(const std::string& target) { return RawGet(context_->server->port(), target); }

  testing::TempDir dir_;
  std::atomic<bool> ready_{true};
  std::unique_ptr<ServiceContext> context_;
};

TEST_F(OperationalRoutesTest, HealthzReadyzAndMetrics) {
  EXPECT_EQ(Get("/healthz").status, 200);
  const RawResponse ready = Get("/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_NE(ready.body.find(R"("consumers":"none")"), std::string::npos) << ready.body;
  ready_ = false;
  EXPECT_EQ(Get("/readyz").status, 503);
  const RawResponse metrics = Get("/metrics");
  EXPECT_EQ(metrics.status, 200);
  // Header names are case-insensitive; Beast writes them as given.
  EXPECT_NE(metrics.head.find("text/plain; version=0.0.4"), std::string::npos) << metrics.head;
  // The earlier requests were counted by the server into the service's registry.
  EXPECT_NE(metrics.body.find("# TYPE"), std::string::npos) << metrics.body;
}

TEST(RunUntilSignalTest, StopsTheServerOnSigterm) {
  // The signal is aimed at the waiting thread, which inherits the blocked mask from here;
  // pthread_kill leaves it pending until sigwait takes it, so no timing is involved.
  sigset_t previous;
  pthread_sigmask(SIG_SETMASK, nullptr, &previous);
  BlockTerminationSignals();
  testing::TempDir dir;
  auto context = CreateService(ConfigIn(dir), kMigrations);
  ASSERT_TRUE(context.ok()) << context.error().detail;
  http::Server& server = *(*context)->server;
  std::thread runner([&] { RunUntilSignal(server); });
  ASSERT_EQ(pthread_kill(runner.native_handle(), SIGTERM), 0);
  runner.join();
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
}

}  // namespace
}  // namespace tinysaga::platform
