#include "up.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "demo_data.h"
#include "secrets.h"
#include "supervisor.h"
#include "tinysaga/auth/token.h"
#include "tinysaga/bus/bus.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/core/clock.h"
#include "tinysaga/core/rng.h"
#include "tinysaga/http/client.h"
#include "tinysaga/kafka_broker/broker.h"
#include "tinysaga/storage/provision.h"

namespace tinysaga::app {
namespace {

// Started in this order and stopped in reverse; the orchestrator only in orchestration mode.
constexpr const char* kBusinessServices[] = {"inventory", "wallet", "payment", "order", "orchestrator"};
// Which peers each service calls directly (service-to-service, not through the gateway).
const std::map<std::string, std::vector<std::string>> kPeersOf = {
    {"order", {"inventory", "orchestrator"}},
    {"payment", {"wallet", "order"}},
};

std::vector<std::string> ServicesFor(const UpOptions& options) {
  std::vector<std::string> services;
  for (const char* service : kBusinessServices) {
    if (std::string_view(service) == "orchestrator" &&
        options.saga_mode != SagaMode::kOrchestration)
      continue;
    services.emplace_back(service);
  }
  return services;
}
constexpr auto kReadyTimeout = std::chrono::seconds(60);

bool IsLoopback(const std::string& address) { return address.starts_with("127."); }

// The address `up` itself uses to reach the gateway, and prints.
std::string GatewayHost(const UpOptions& options) {
  return options.listen_address == "0.0.0.0" ? "127.0.0.1" : options.listen_address;
}

// What `up --production` refuses to start with; "" when the options are fine.
std::string ProductionProblem(const UpOptions& options) {
  if (!options.production) {
    if (!IsLoopback(options.listen_address))
      return "dev mode listens on loopback only (anyone could mint an admin token); use "
             "--production to "
             "listen on " +
             options.listen_address;
    return "";
  }
  return ProductionJwtSecretProblem();
}

std::string Join(const std::vector<std::string>& parts, const char* separator) {
  std::string joined;
  for (const auto& part : parts) joined += (joined.empty() ? "" : separator) + part;
  return joined;
}

// Waits for one of the blocked signals for at most `timeout`; returns it, or 0.
int WaitForSignal(const sigset_t& signals, std::chrono::milliseconds timeout) {
  timespec wait{static_cast<time_t>(timeout.count() / 1000), static_cast<long>(timeout.count() % 1000) * 1'000'000};
  int signal = sigtimedwait(&signals, nullptr, &wait);
  return signal > 0 ? signal : 0;
}

// Written to a temporary file and renamed, so a reader never sees half of it.
void WriteJsonFile(const std::filesystem::path& path, const nlohmann::json& json) {
  const auto temporary = std::filesystem::path(path) += ".tmp";
  std::ofstream(temporary) << json.dump(2) << "\n";
  std::filesystem::rename(temporary, path);
}

// Prometheus's file-based discovery (deploy/prometheus.yml): one target group per process,
// job = its service, instance = its name (e.g. order-1), which stays the same when `up` runs
// again on other ports.
nlohmann::json ScrapeTargets(const std::string& gateway_host, const Supervisor& supervisor) {
  nlohmann::json groups = nlohmann::json::array();
  for (const auto& child : supervisor.children()) {
    const std::string& name = child.spec.name;
    const std::string service = name.substr(0, name.rfind('-'));
    const std::string host = service == "gateway" ? gateway_host : "127.0.0.1";
    groups.push_back({{"targets", {host + ":" + std::to_string(child.port)}},
                      {"labels", {{"job", service}, {"instance", name}}}});
  }
  return groups;
}

// up.json, and prometheus-targets.json beside it.
void WriteStatus(const std::filesystem::path& data_dir, const std::string& gateway_host,
                 uint16_t gateway_port, const std::string& kafka, const Supervisor& supervisor) {
  nlohmann::json processes = nlohmann::json::array();
  for (const auto& child : supervisor.children()) {
    processes.push_back({{"name", child.spec.name}, {"pid", child.pid}, {"port", child.port}, {"restarts", child.restarts}});
  }
  nlohmann::json status{{"url", "http://" + gateway_host + ":" + std::to_string(gateway_port)},
                        {"pid", getpid()},
                        {"kafka", kafka},
                        {"processes", processes}};
  WriteJsonFile(data_dir / "up.json", status);
  WriteJsonFile(data_dir / "prometheus-targets.json", ScrapeTargets(gateway_host, supervisor));
}

Result<void> AddProcesses(Supervisor& supervisor, const UpOptions& options, const std::string& db_template,
                          const std::string& kafka, const std::filesystem::path& logs) {
  const std::vector<std::string> services = ServicesFor(options);
  std::map<std::string, std::vector<std::string>> urls;
  struct Pending {
    std::string service;
    std::string name;
  };
  std::vector<Pending> pending;
  for (const std::string& service : services) {
    for (int instance = 1; instance <= options.instances; ++instance) {
      const std::string name = service + "-" + std::to_string(instance);
      TS_ASSIGN_OR_RETURN(uint16_t port, supervisor.Add(ProcessSpec{.name = name, .log_path = (logs / (name + ".log")).string()}));
      urls[service].push_back("http://127.0.0.1:" + std::to_string(port));
      pending.push_back({service, name});
    }
  }
  // The sockets exist now, so every address is known before any process starts.
  auto peer_args = [&](const std::vector<std::string>& services) {
    std::vector<std::string> args;
    for (const auto& peer : services) {
      if (urls.contains(peer)) args.insert(args.end(), {"--peer", peer + "=" + Join(urls[peer], ",")});
    }
    return args;
  };
  for (const auto& process : pending) {
    std::vector<std::string> args{process.service,
                                  "--db",
                                  db_template,
                                  "--sqlite-synchronous",
                                  options.sqlite_synchronous,
                                  "--kafka",
                                  kafka,
                                  "--saga-mode",
                                  std::string(SagaModeName(options.saga_mode)),
                                  options.production ? "--production" : "--dev"};
    if (auto peers = kPeersOf.find(process.service); peers != kPeersOf.end()) {
      auto more = peer_args(peers->second);
      args.insert(args.end(), more.begin(), more.end());
    }
    for (const std::string& extra : options.service_args) {
      if (extra.starts_with(process.service + "="))
        args.push_back(extra.substr(process.service.size() + 1));
    }
    supervisor.SetArgs(process.name, std::move(args));
  }
  std::vector<std::string> gateway_args{"gateway",
                                        options.production ? "--production" : "--dev",
                                        "--web",
                                        options.web_dir,
                                        "--rate-limit-per-second",
                                        std::to_string(options.rate_limit.rate_per_second),
                                        "--rate-limit-burst",
                                        std::to_string(options.rate_limit.burst),
                                        "--auth-failure-limit-per-second",
                                        std::to_string(options.auth_failure_limit.rate_per_second),
                                        "--auth-failure-burst",
                                        std::to_string(options.auth_failure_limit.burst)};
  auto all_peers = peer_args(services);
  gateway_args.insert(gateway_args.end(), all_peers.begin(), all_peers.end());
  auto gateway = supervisor.Add(
      ProcessSpec{
          .name = "gateway-1", .args = gateway_args, .log_path = (logs / "gateway-1.log").string()},
      options.port, options.listen_address);
  if (!gateway.ok()) return gateway.error();
  return Ok();
}

// Polls the gateway until it has seen every instance it started healthy (each service is
// healthy only once it consumes from the broker), so the first request can go to any of them.
Result<void> WaitUntilReady(Supervisor& supervisor, http::Client& client, const http::Endpoint& gateway,
                            const sigset_t& signals) {
  const auto deadline = std::chrono::steady_clock::now() + kReadyTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto ready = client.SendAndWait(gateway, http::Request{.method = "GET", .target = "/readyz/instances"},
                                    std::chrono::milliseconds(500));
    if (ready.ok() && ready->status == 200) return Ok();
    if (int signal = WaitForSignal(signals, std::chrono::milliseconds(50)); signal == SIGINT || signal == SIGTERM) {
      return MakeError(Errc::kUnavailable, "interrupted");
    }
    supervisor.Poll();
  }
  return MakeError(Errc::kTimeout, "services not ready after 60 s; see the logs");
}

}  // namespace

int RunUp(const UpOptions& options) {
  // Signals are handled synchronously by this thread; blocked before any thread starts so
  // that no other thread receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGCHLD);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  if (const std::string problem = ProductionProblem(options); !problem.empty()) {
    spdlog::error("up: {}", problem);
    return 2;
  }
  for (const std::string& extra : options.service_args) {
    const std::string service = extra.substr(0, extra.find('='));
    const bool known = std::find(std::begin(kBusinessServices), std::end(kBusinessServices),
                                 service) != std::end(kBusinessServices);
    if (!known || extra.find('=') == std::string::npos) {
      spdlog::error(
          "up: --service-arg wants SERVICE=ARG with SERVICE one of inventory, wallet, "
          "payment, order, orchestrator; got '{}'",
          extra);
      return 2;
    }
  }
  // A template that would put every service in one database is refused before anything starts.
  if (!options.db_url_template.empty()) {
    if (auto valid = storage::ValidateDbUrlTemplate(options.db_url_template); !valid.ok()) {
      spdlog::error("up: --db: {}", valid.error().detail);
      return 2;
    }
  }
  std::error_code error;
  const std::filesystem::path data_dir = std::filesystem::absolute(options.data_dir);
  std::filesystem::create_directories(data_dir / "logs", error);
  if (error) {
    spdlog::error("up: cannot create {}: {}", data_dir.string(), error.message());
    return 2;
  }
  const std::string db_template = options.db_url_template.empty() ? "sqlite:" + data_dir.string() : options.db_url_template;
  // The services cannot create their own PostgreSQL databases (they connect to them), and a
  // missing one would only show as children dying over and over: created here, or `up` stops
  // with the reason.
  auto created = storage::CreateMissingDatabases(db_template, ServicesFor(options));
  if (!created.ok()) {
    spdlog::error("up: {}", created.error().detail);
    return 1;
  }
  for (const std::string& name : *created) spdlog::info("up: created database {}", name);

  SystemRng rng;
  const std::string internal_secret = "int_" + RandomHex(rng, 40);  // 160 random bits
  const std::string jwt_secret = JwtSecretFromEnvironment();
  // The development broker lives in this process: it cannot die without `up`, and its address
  // never changes while the services run (a restarted broker would get a new port).
  std::unique_ptr<kafka_broker::Broker> broker;
  std::string kafka = options.kafka;
  if (kafka.empty()) {
    auto started =
        kafka_broker::Broker::Start({.topics = bus::WithDeadLetterTopics(contracts::AllTopics())});
    if (!started.ok()) {
      spdlog::error("up: cannot start the development broker: {}", started.error().detail);
      return 1;
    }
    broker = std::move(started).value();
    kafka = broker->bootstrap_servers();
    spdlog::info("up: development broker at {}", kafka);
  }
  Supervisor supervisor(std::filesystem::read_symlink("/proc/self/exe").string(),
                        {{"TINYSAGA_INTERNAL_SECRET", internal_secret}, {"TINYSAGA_JWT_SECRET", jwt_secret}});
  if (auto added = AddProcesses(supervisor, options, db_template, kafka, data_dir / "logs"); !added.ok()) {
    spdlog::error("up: {}", added.error().detail);
    return 2;
  }
  const uint16_t gateway_port = supervisor.PortOf("gateway-1");
  const std::string gateway_host = GatewayHost(options);
  const http::Endpoint gateway{gateway_host, gateway_port};
  if (auto started = supervisor.Start(); !started.ok()) {
    spdlog::error("up: {}", started.error().detail);
    return 1;
  }
  WriteStatus(data_dir, gateway_host, gateway_port, kafka, supervisor);

  http::Client client;
  if (auto ready = WaitUntilReady(supervisor, client, gateway, signals); !ready.ok()) {
    spdlog::error("up: {}", ready.error().detail);
    return 1;
  }
  if (options.demo && options.production) {
    spdlog::info("up: production: no demo data");
  } else if (options.demo) {
    SystemClock clock;
    const auto admin_token = auth::IssueToken({"admin", auth::Role::kAdmin}, jwt_secret, clock.NowMs());
    if (auto seeded = SeedDemoData(client, gateway, admin_token); !seeded.ok()) {
      spdlog::error("up: seeding demo data failed: {}", seeded.error().detail);
      return 1;
    }
  }
  std::printf("tinysaga up: ready at http://%s:%u (%s; data and logs in %s; Ctrl-C stops)\n",
              gateway_host.c_str(), gateway_port, options.production ? "production" : "dev mode",
              data_dir.c_str());
  std::fflush(stdout);

  while (true) {
    int signal = WaitForSignal(signals, std::chrono::milliseconds(100));
    if (signal == SIGINT || signal == SIGTERM) break;
    if (supervisor.Poll()) WriteStatus(data_dir, gateway_host, gateway_port, kafka, supervisor);
  }
  spdlog::info("up: stopping");
  supervisor.Stop();
  return 0;
}

}  // namespace tinysaga::app
