// tinysaga: one binary, a subcommand per process (DESIGN.md "Processes").

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdlib>
#include <functional>
#include <iostream>

#include "bench.h"  // tinysaga bench (issue 4)
#include "dlq_command.h"
#include "gateway/gateway_service.h"
#include "inventory/inventory_service.h"
#include "orchestrator/orchestrator_service.h"
#include "order/order_service.h"
#include "payment/payment_service.h"
#include "sagas_command.h"
#include "secrets.h"
#include "sim_command.h"
#include "tinysaga/auth/token.h"
#include "tinysaga/bus/bus.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/core/ids.h"
#include "tinysaga/invariants/check.h"
#include "tinysaga/kafka_broker/broker.h"
#include "tinysaga/sagas/order_sagas.h"
#include "tinysaga/storage/provision.h"
#include "up.h"
#include "wallet/wallet_service.h"

namespace tinysaga::app {
namespace {

// --saga-mode by name only (not by the enum's number).
void AddSagaModeOption(CLI::App& command, SagaMode& mode) {
  command.add_option("--saga-mode", mode, "How sagas run: orchestration (default) or choreography")
      ->transform(
          [](const std::string& value) {
            const auto found = SagaModesByName().find(value);
            if (found == SagaModesByName().end()) {
              throw CLI::ValidationError("must be orchestration or choreography, not '" + value +
                                         "'");
            }
            return std::to_string(static_cast<int>(found->second));
          },
          "")
      ->option_text("MODE")
      ->default_str(std::string(SagaModeName(mode)));
}

// Flags every service process shares, gathered before they become a ServiceConfig.
struct ServiceFlags {
  platform::ServiceConfig config;
  std::string data_dir;
  bool production = false;  // --production: dev mode refused; the gateway checks its JWT secret
  std::vector<std::string> peers;  // "inventory=http://127.0.0.1:9001,http://127.0.0.1:9002"
};

void AddServiceFlags(CLI::App& command, ServiceFlags& flags) {
  command.add_option("--listen", flags.config.listen_address, "Address to listen on")
      ->capture_default_str();
  command.add_option("--port", flags.config.port, "Port to listen on (0: any free port)")
      ->capture_default_str();
  command.add_option("--listen-fd", flags.config.listen_fd,
                     "Inherited listening socket (set by `tinysaga up`)");
  command.add_option("--data", flags.data_dir,
                     "Directory for SQLite files (same as --db sqlite:DIR)");
  command
      .add_option("--db", flags.config.db_url_template,
                  "Database URL template: sqlite:DIR, or postgresql://.../tinysaga_{service}")
      ->capture_default_str();
  command
      .add_option("--sqlite-synchronous", flags.config.sqlite_synchronous,
                  "SQLite synchronous pragma")
      ->check(CLI::IsMember({"FULL", "NORMAL"}))
      ->capture_default_str();
  command.add_option("--workers", flags.config.worker_threads, "Threads for blocking request work")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  command.add_option("--peer", flags.peers,
                     "SERVICE=URL[,URL...]: instances of a service this one calls");
  auto* dev =
      command.add_flag("--dev", flags.config.dev_mode,
                       "Development mode: enables dev-only endpoints (dev token, fault switches)");
  command
      .add_flag(
          "--production", flags.production,
          "Production (the default without --dev, made explicit): dev-only endpoints answer 404 "
          "and the gateway requires a TINYSAGA_JWT_SECRET of 32+ characters")
      ->excludes(dev);
  command.add_option("--kafka", flags.config.kafka_bootstrap,
                     "Kafka bootstrap servers HOST:PORT[,...] (none: HTTP only, no saga messages)");
  AddSagaModeOption(command, flags.config.saga_mode);
}

// Milliseconds on the command line, std::chrono in the options.
void AddMilliseconds(CLI::App& command, const std::string& name, std::chrono::milliseconds& value,
                     const std::string& description) {
  command
      .add_option_function<int64_t>(
          name, [&value](int64_t ms) { value = std::chrono::milliseconds(ms); }, description)
      ->check(CLI::Range(int64_t{0}, int64_t{3'600'000}))
      ->default_str(std::to_string(value.count()));
}

// A token bucket's two flags: its rate and its burst.
void AddRateLimitFlags(CLI::App& command, gateway::RateLimit& limit, const std::string& rate_flag,
                       const std::string& rate_help, const std::string& burst_flag,
                       const std::string& burst_help) {
  command.add_option(rate_flag, limit.rate_per_second, rate_help)
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command.add_option(burst_flag, limit.burst, burst_help)
      ->check(CLI::Range(1.0, 1e9))
      ->capture_default_str();
}

// The wallet debit's retries (API.md: exponential backoff with jitter, bounded attempts).
void AddPaymentFlags(CLI::App& command, payment::PaymentOptions& options) {
  command.add_option("--wallet-attempts", options.wallet_retry.attempts_max,
                     "Attempts at the wallet debit, the first included")
      ->check(CLI::Range(1, 20))
      ->capture_default_str();
  AddMilliseconds(command, "--wallet-timeout-ms", options.wallet_retry.per_attempt_timeout,
                  "Timeout of each wallet attempt");
  AddMilliseconds(command, "--wallet-backoff-ms", options.wallet_retry.backoff_initial,
                  "Backoff before the second attempt (doubles, with jitter)");
  AddMilliseconds(command, "--wallet-backoff-max-ms", options.wallet_retry.backoff_max,
                  "Longest backoff between attempts");
}

// The sagas' timings: reply timeouts and attempts per step. The orchestrator runs its steps by
// them; in choreography, Order derives from them how long an order may wait on the others
// (services/order/domain/choreography.h, Deadlines).
void AddSagaTimingFlags(CLI::App& command, sagas::SagaTimings& timings) {
  command
      .add_option_function<int64_t>(
          "--step-timeout-ms", [&timings](int64_t ms) { timings.forward.timeout_ms = ms; },
          "How long a saga step waits for its reply before resending")
      ->check(CLI::Range(int64_t{1}, int64_t{3'600'000}))
      ->default_str(std::to_string(timings.forward.timeout_ms));
  command
      .add_option("--step-attempts", timings.forward.attempts_max,
                  "Attempts of a forward step before the saga compensates")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  // The patient timings: compensations and the cancel saga, which give up only for an operator.
  command
      .add_option_function<int64_t>(
          "--must-finish-timeout-ms",
          [&timings](int64_t ms) { timings.must_finish.timeout_ms = ms; },
          "How long a compensation or cancel step waits for its reply before resending")
      ->check(CLI::Range(int64_t{1}, int64_t{3'600'000}))
      ->default_str(std::to_string(timings.must_finish.timeout_ms));
  command
      .add_option("--must-finish-attempts", timings.must_finish.attempts_max,
                  "Attempts of a compensation or cancel step before the saga gives up")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
}

Result<platform::ServiceConfig> FinishServiceConfig(ServiceFlags flags, const std::string& name) {
  platform::ServiceConfig config = std::move(flags.config);
  config.name = name;
  if (!flags.data_dir.empty()) config.db_url_template = "sqlite:" + flags.data_dir;
  if (auto valid = storage::ValidateDbUrlTemplate(config.db_url_template); !valid.ok())
    return MakeError(Errc::kInvalidRequest, "--db: " + valid.error().detail);
  const char* secret = std::getenv("TINYSAGA_INTERNAL_SECRET");
  if (secret == nullptr || std::string_view(secret).size() < 16) {
    return MakeError(
        Errc::kInvalidRequest,
        "set TINYSAGA_INTERNAL_SECRET (16+ characters) to the secret shared by the gateway and the "
        "services; `tinysaga up` sets it for its children");
  }
  config.internal_secret = secret;
  for (const auto& peer : flags.peers) {
    const auto equals = peer.find('=');
    if (equals == std::string::npos || equals == 0) {
      return MakeError(Errc::kInvalidRequest,
                       "--peer wants SERVICE=URL[,URL...], got '" + peer + "'");
    }
    std::vector<std::string> urls;
    for (size_t start = equals + 1; start <= peer.size();) {
      size_t end = peer.find(',', start);
      if (end == std::string::npos) end = peer.size();
      if (end > start) urls.push_back(peer.substr(start, end - start));
      start = end + 1;
    }
    config.peers.emplace_back(peer.substr(0, equals), std::move(urls));
  }
  return config;
}

}  // namespace

int Main(int argc, char** argv) {
  CLI::App app{"tiny-saga: the saga pattern for microservices, small enough to read"};
  app.require_subcommand(1);

  payment::PaymentOptions payment_options;
  orchestrator::OrchestratorOptions orchestrator_options;
  sagas::SagaTimings order_timings;  // choreography's deadlines come from these
  using ServiceRun = std::function<int(const platform::ServiceConfig&)>;
  const std::vector<std::tuple<std::string, std::string, ServiceRun>> services = {
      {"order", "Order service (Order DB)",
       [&](const platform::ServiceConfig& config) {
         return order::Run(config,
                           {.deadlines = order::DeadlinesOf(sagas::AllSagas(order_timings))});
       }},
      {"payment", "Payment service (Transaction DB)",
       [&](const platform::ServiceConfig& config) {
         return payment::Run(config, payment_options);
       }},
      {"wallet", "Wallet service (Wallet DB)", &wallet::Run},
      {"inventory", "Inventory service (Inventory DB)", &inventory::Run},
      {"orchestrator", "Orchestrator: drives the sagas (Saga DB)",
       [&](const platform::ServiceConfig& config) {
         return orchestrator::Run(config, orchestrator_options);
       }},
  };
  std::map<std::string, ServiceFlags> service_flags;
  std::map<std::string, CLI::App*> service_commands;
  for (const auto& [name, description, run] : services) {
    service_commands[name] = app.add_subcommand(name, description);
    AddServiceFlags(*service_commands[name], service_flags[name]);
  }
  AddPaymentFlags(*service_commands["payment"], payment_options);
  AddSagaTimingFlags(*service_commands["orchestrator"], orchestrator_options.timings);
  AddSagaTimingFlags(*service_commands["order"], order_timings);

  ServiceFlags gateway_flags;
  gateway::GatewayOptions gateway_options;
  gateway_options.web_dir = TINYSAGA_WEB_DIR;
  auto* gateway_command =
      app.add_subcommand("gateway", "API gateway: routing, auth, rate limits, web UI");
  AddServiceFlags(*gateway_command, gateway_flags);
  gateway_command->add_option("--web", gateway_options.web_dir, "Directory of the web UI")
      ->capture_default_str();
  AddRateLimitFlags(*gateway_command, gateway_options.rate_limit, "--rate-limit-per-second",
                    "Requests per second per user (or per address when anonymous)",
                    "--rate-limit-burst", "Burst per user");
  AddRateLimitFlags(*gateway_command, gateway_options.auth_failure_limit,
                    "--auth-failure-limit-per-second",
                    "Requests with a token that fails verification, per second per client "
                    "address (checked before the token)",
                    "--auth-failure-burst", "Burst of failed tokens per client address");

  UpOptions up_options;
  up_options.web_dir = TINYSAGA_WEB_DIR;
  bool no_demo = false;
  auto* up_command =
      app.add_subcommand("up", "Development supervisor: runs everything on one machine");
  up_command->add_option("--port", up_options.port, "Gateway port (0: any free port)")
      ->capture_default_str();
  up_command->add_option("--data", up_options.data_dir, "Directory for databases and logs")
      ->capture_default_str();
  up_command->add_option("--db", up_options.db_url_template,
                         "Database URL template (default: SQLite under --data)");
  up_command->add_flag("--no-demo", no_demo, "Do not seed demo users and products");
  up_command->add_option("--instances", up_options.instances, "Instances of each business service")
      ->check(CLI::Range(1, 8))
      ->capture_default_str();
  up_command
      ->add_option("--sqlite-synchronous", up_options.sqlite_synchronous,
                   "SQLite synchronous pragma")
      ->check(CLI::IsMember({"FULL", "NORMAL"}))
      ->capture_default_str();
  AddRateLimitFlags(*up_command, up_options.rate_limit, "--rate-limit-per-second",
                    "Gateway rate limit", "--rate-limit-burst", "Gateway burst");
  AddRateLimitFlags(*up_command, up_options.auth_failure_limit, "--auth-failure-limit-per-second",
                    "Gateway: failed tokens per second per client address", "--auth-failure-burst",
                    "Gateway: burst of failed tokens per client address");
  up_command->add_flag(
      "--production", up_options.production,
      "No dev-token endpoint, no fault switches, no demo data; TINYSAGA_JWT_SECRET "
      "required (32+ characters, not the development one)");
  up_command
      ->add_option("--listen", up_options.listen_address,
                   "Gateway address (IPv4); dev mode allows loopback only")
      ->capture_default_str();
  up_command->add_option("--web", up_options.web_dir, "Directory of the web UI")
      ->capture_default_str();
  AddSagaModeOption(*up_command, up_options.saga_mode);
  up_command->add_option("--service-arg", up_options.service_args,
                         "SERVICE=ARG: one more argument for every instance of SERVICE, e.g. "
                         "orchestrator=--must-finish-attempts=3 (repeatable)");
  up_command->add_option("--kafka", up_options.kafka,
                         "Kafka bootstrap servers (default: a development broker inside `up`)");

  kafka_broker::BrokerOptions broker_options;
  broker_options.topics = bus::WithDeadLetterTopics(contracts::AllTopics());
  std::string broker_bootstrap_file;
  auto* broker_command = app.add_subcommand(
      "broker", "Development only: a Kafka-protocol broker, everything in memory");
  broker_command->add_option("--partitions", broker_options.partitions, "Partitions per topic")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  broker_command->add_option("--bootstrap-file", broker_bootstrap_file,
                             "Also write the bootstrap address to this file");

  invariants::CheckOptions check_options;
  std::string check_data_dir;
  bool check_in_flight_ok = false;
  auto* check_command = app.add_subcommand(
      "check", "Verify the invariants over every service's database (exit 0 when all hold)");
  check_command->add_option("--data", check_data_dir, "Directory of the SQLite files (as given to up)");
  check_command->add_option("--db", check_options.db_url_template,
                            "Database URL template, as given to the services");
  check_command->add_flag("--in-flight-ok", check_in_flight_ok,
                          "The system is not quiescent: do not report sagas still running");
  check_command->add_option("--saga-grace-ms", check_options.saga_grace_ms,
                            "How far past its deadline a running saga may be")
      ->capture_default_str();

  std::string token_user;
  std::string token_role = "user";
  std::string token_secret;
  int64_t token_hours = 24;
  auto* token_command = app.add_subcommand("token", "Print a JWT for a user");
  token_command->add_option("--user", token_user, "User id")->required();
  token_command->add_option("--role", token_role, "user or admin")
      ->check(CLI::IsMember({"user", "admin"}));
  token_command->add_option("--secret", token_secret,
                            "HS256 secret (default: TINYSAGA_JWT_SECRET, else the dev secret)");
  token_command->add_option("--hours", token_hours, "Lifetime in hours")
      ->check(CLI::Range(1, 24 * 365));

  bench::BenchOptions bench_options;  // tinysaga bench (issue 4)
  auto* bench_command = bench::AddBenchCommand(app, bench_options);
  SagasOptions sagas_options;
  auto* sagas_command = AddSagasCommand(app, sagas_options);
  DlqOptions dlq_options;  // tinysaga dlq (issue 15)
  auto* dlq_command = AddDlqCommand(app, dlq_options);
  SimCommandOptions sim_options;  // tinysaga sim (issue 14)
  auto* sim_command = AddSimCommand(app, sim_options);

  CLI11_PARSE(app, argc, argv);

  if (bench_command->parsed()) return bench::RunBench(bench_options);  // tinysaga bench (issue 4)

  if (sagas_command->parsed()) return RunSagas(sagas_options);
  if (dlq_command->parsed()) return RunDlq(dlq_options);
  if (sim_command->parsed()) return RunSim(sim_options);

  if (up_command->parsed()) {
    up_options.demo = !no_demo;
    return RunUp(up_options);
  }
  if (broker_command->parsed()) {
    platform::ConfigureLogging("broker");  // RunBroker blocks and waits for the signals itself
    return kafka_broker::RunBroker(broker_options, broker_bootstrap_file);
  }
  if (check_command->parsed()) {
    if (!check_data_dir.empty()) check_options.db_url_template = "sqlite:" + check_data_dir;
    if (check_options.db_url_template.empty()) check_options.db_url_template = "sqlite:./data";
    if (auto valid = storage::ValidateDbUrlTemplate(check_options.db_url_template); !valid.ok()) {
      std::cerr << "check: --db: " << valid.error().detail << "\n";
      return 2;
    }
    check_options.settled = !check_in_flight_ok;
    return invariants::RunCheck(check_options, std::cout);
  }
  if (token_command->parsed()) {
    if (!IsValidName(token_user)) {
      std::cerr << "--user must match [A-Za-z0-9_-]{1,64}\n";
      return 2;
    }
    const std::string secret = token_secret.empty() ? JwtSecretFromEnvironment() : token_secret;
    auth::Identity identity{token_user,
                            token_role == "admin" ? auth::Role::kAdmin : auth::Role::kUser};
    std::cout << auth::IssueToken(identity, secret, SystemClock().NowMs(),
                                  std::chrono::hours(token_hours))
              << "\n";
    return 0;
  }
  if (gateway_command->parsed()) {
    const bool gateway_flags_production = gateway_flags.production;
    auto config = FinishServiceConfig(std::move(gateway_flags), "gateway");
    if (!config.ok()) {
      std::cerr << "gateway: " << config.error().detail << "\n";
      return 2;
    }
    if (gateway_flags_production) {
      if (const std::string problem = ProductionJwtSecretProblem(); !problem.empty()) {
        std::cerr << "gateway: " << problem << "\n";
        return 2;
      }
    }
    gateway_options.service = std::move(config).value();
    gateway_options.jwt_secret = JwtSecretFromEnvironment();
    if (gateway_options.jwt_secret == kDevJwtSecret && !gateway_options.service.dev_mode) {
      std::cerr << "gateway: set TINYSAGA_JWT_SECRET (the development secret is accepted only with "
                   "--dev)\n";
      return 2;
    }
    platform::BlockTerminationSignals();
    platform::ConfigureLogging("gateway");
    return gateway::Run(gateway_options);
  }
  for (const auto& [name, description, run] : services) {
    if (!app.got_subcommand(name)) continue;
    auto config = FinishServiceConfig(std::move(service_flags[name]), name);
    if (!config.ok()) {
      std::cerr << name << ": " << config.error().detail << "\n";
      return 2;
    }
    platform::BlockTerminationSignals();
    return run(*config);
  }
  return 2;
}

}  // namespace tinysaga::app

int main(int argc, char** argv) {
  // A write past RLIMIT_FSIZE (a file-size quota, or a test's stand-in for a full disk) sends
  // SIGXFSZ, whose default action kills the process. Ignored, the write fails with EFBIG
  // instead, which SQLite reports as an I/O error: the service answers 503 for what needs a
  // write, serves reads, and recovers by itself when space returns (no crash loop). Set before
  // anything starts; `up`'s children inherit it through exec as well.
  std::signal(SIGXFSZ, SIG_IGN);
  return tinysaga::app::Main(argc, argv);
}
