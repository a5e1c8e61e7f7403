// Issue 15, item 4: Prometheus for real. deploy/prometheus.yml, checked by Debian's promtool,
// runs in Debian's prometheus against a real `up` (file-based discovery from the
// prometheus-targets.json that `up` writes), and the saga metrics are found through
// Prometheus's query API: sagas by state, the step latency histogram, retries, the outbox
// backlog, consumer lag and dead letters, each from the processes that own them. Every
// expression of deploy/grafana-dashboard.json is then evaluated by the same Prometheus.
//
// The prometheus started here is the test's own: a free loopback port, its storage in a
// temporary directory, its configuration written by the test. Without prometheus or promtool
// the test fails (scripts/install-deps installs them), it does not skip.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include "saga_flows.h"
#include "up_process.h"

namespace tinysaga::e2e {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

const std::filesystem::path kDeployDir = TINYSAGA_DEPLOY_DIR;
// What `up` runs (orchestration mode, one instance each), as Prometheus jobs.
const std::set<std::string> kEveryJob = {"gateway",      "inventory", "order",
                                         "orchestrator", "payment",   "wallet"};
const std::set<std::string> kWithBroker = {"inventory", "order", "orchestrator", "payment",
                                           "wallet"};
const std::set<std::string> kConsumers = {"inventory", "order", "orchestrator", "payment"};
// The consumers that a placed or failed order gives messages (Payment consumes only refunds).
const std::set<std::string> kBusyConsumers = {"inventory", "order", "orchestrator"};
const std::set<std::string> kOrchestrator = {"orchestrator"};

// The program's path in PATH; empty when it is not there.
std::string FindProgram(const std::string& name) {
  std::istringstream path(std::getenv("PATH") != nullptr ? std::getenv("PATH") : "");
  for (std::string directory; std::getline(path, directory, ':');) {
    const std::filesystem::path candidate = std::filesystem::path(directory) / name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return "";
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream input(path);
  return {std::istreambuf_iterator<char>(input), std::istreambuf_iterator<char>()};
}

// A loopback port nobody listens on right now (bound, read, closed). Another process could take
// it before Prometheus does; Prometheus then exits at once and the test reports its log.
uint16_t FreeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("cannot find a free loopback port");
  }
  close(fd);
  return ntohs(address.sin_port);
}

// Prometheus as a child process of the test: started by the constructor, stopped (SIGTERM,
// waited for) by the destructor, and ended with the test however that ends (PDEATHSIG).
class PrometheusProcess {
 public:
  PrometheusProcess(const std::string& binary, const std::filesystem::path& config,
                    const std::filesystem::path& directory)
      : endpoint_{"127.0.0.1", FreeLoopbackPort()}, log_path_(directory / "prometheus.log") {
    std::vector<std::string> args{
        binary, "--config.file=" + config.string(),
        "--storage.tsdb.path=" + (directory / "tsdb").string(),
        "--web.listen-address=127.0.0.1:" + std::to_string(endpoint_.port), "--log.level=warn"};
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    const int log = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (log < 0) throw std::runtime_error("cannot create " + log_path_.string());
    const pid_t parent = getpid();
    pid_ = fork();
    if (pid_ < 0) throw std::runtime_error("cannot start prometheus: fork failed");
    if (pid_ == 0) {  // only async-signal-safe calls until exec
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (getppid() != parent) _exit(127);
      dup2(log, STDOUT_FILENO);
      dup2(log, STDERR_FILENO);
      execv(argv[0], argv.data());
      _exit(127);
    }
    close(log);
  }
  ~PrometheusProcess() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  PrometheusProcess(const PrometheusProcess&) = delete;
  PrometheusProcess& operator=(const PrometheusProcess&) = delete;

  const http::Endpoint& endpoint() const { return endpoint_; }
  bool Running() const { return waitpid(pid_, nullptr, WNOHANG) == 0; }
  std::string Log() const { return ReadFile(log_path_); }

 private:
  http::Endpoint endpoint_;
  std::filesystem::path log_path_;
  pid_t pid_ = -1;
};

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  for (const unsigned char c : text) {
    if (std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      encoded += static_cast<char>(c);
    } else {
      encoded += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return encoded;
}

// An instant query through /api/v1/query: the "data" of a successful answer, else null with
// the reason in `error`.
json Query(http::Client& client, const http::Endpoint& prometheus, const std::string& promql,
           std::string* error = nullptr) {
  auto answer = client.SendAndWait(
      prometheus, {.method = "GET", .target = "/api/v1/query?query=" + PercentEncode(promql)},
      seconds(5));
  if (!answer.ok()) {
    if (error != nullptr) *error = answer.error().detail;
    return nullptr;
  }
  const json body = json::parse(answer->body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || body.value("status", "") != "success") {
    if (error != nullptr) *error = answer->body;
    return nullptr;
  }
  return body["data"];
}

// The jobs with at least one series in the answer to `promql`.
std::set<std::string> JobsOf(http::Client& client, const http::Endpoint& prometheus,
                             const std::string& promql) {
  std::set<std::string> jobs;
  const json data = Query(client, prometheus, promql);
  if (data.is_null()) return jobs;
  for (const json& series : data.value("result", json::array())) {
    jobs.insert(series["metric"].value("job", ""));
  }
  return jobs;
}

std::string Join(const std::set<std::string>& words) {
  std::string joined;
  for (const std::string& word : words) joined += (joined.empty() ? "" : " ") + word;
  return joined;
}

// deploy/prometheus.yml for this test's `up`: its data directory instead of ../data/, and a
// scrape every second instead of every 15 s. Everything else is the file as shipped.
std::string ConfigFor(const std::filesystem::path& data_dir) {
  std::string config = ReadFile(kDeployDir / "prometheus.yml");
  const auto replace_all = [&](const std::string& from, const std::string& to) {
    size_t count = 0;
    for (size_t at = config.find(from); at != std::string::npos; at = config.find(from, at)) {
      config.replace(at, from.size(), to);
      at += to.size();
      ++count;
    }
    return count;
  };
  EXPECT_EQ(replace_all("../data/", data_dir.string() + "/"), 3u)
      << "deploy/prometheus.yml names data/ three times: the targets twice, the token once";
  EXPECT_EQ(replace_all("scrape_interval: 15s", "scrape_interval: 1s"), 1u);
  return config;
}

// The metric names (tinysaga_*, and Prometheus's own `up`) in a PromQL expression: its words
// made of [a-z0-9_]. (No std::regex: g++ 12 warns inside it in the sanitizer build.)
std::set<std::string> MetricNames(const std::string& expression) {
  std::set<std::string> names;
  std::string word;
  for (size_t i = 0; i <= expression.size(); ++i) {
    const char c = i < expression.size() ? expression[i] : ' ';
    if (std::islower(static_cast<unsigned char>(c)) ||
        std::isdigit(static_cast<unsigned char>(c)) || c == '_') {
      word += c;
      continue;
    }
    if (word.starts_with("tinysaga_") || word == "up") names.insert(word);
    word.clear();
  }
  return names;
}

// `text` with every `from` replaced by `to`.
std::string ReplaceAll(std::string text, std::string_view from, std::string_view to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// The tests share one `up`.
class PrometheusTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    up_ = new UpProcess();
    client_ = new http::Client();
  }
  static void TearDownTestSuite() {
    delete client_;
    delete up_;
    client_ = nullptr;
    up_ = nullptr;
  }

  static Api As(const std::string& user_id, const std::string& role = "user") {
    Api api(*client_, up_->gateway());
    api.SignIn(user_id, role);
    return api;
  }

  // Two orders placed and one refused for want of money: sagas completed and failed, steps
  // answered, messages consumed by every busy consumer.
  static void RunOrders() {
    const Api admin = As("admin", "admin");
    const std::string product = NewProduct(admin, 1'000, 10);
    const Api rich = As(NewUser(admin, 100'000));
    for (int i = 0; i < 2; ++i) {
      const std::string order_id = CreateOrder(rich, product, 1);
      EXPECT_EQ(Pay(rich, order_id).status, 200);
      WaitForStatus(rich, order_id, "PLACED");
    }
    const Api poor = As(NewUser(admin, 10));
    const std::string order_id = CreateOrder(poor, product, 1);
    EXPECT_EQ(Pay(poor, order_id).status, 402);
    WaitForStatus(poor, order_id, "FAILED");
  }

  // Waits until `promql` has a series from each of `jobs` (others may answer too).
  static void ExpectJobs(const http::Endpoint& prometheus, const std::string& promql,
                         const std::set<std::string>& jobs) {
    std::set<std::string> found;
    const bool all = Eventually(
        [&] {
          found = JobsOf(*client_, prometheus, promql);
          return std::includes(found.begin(), found.end(), jobs.begin(), jobs.end());
        },
        seconds(30));
    EXPECT_TRUE(all) << promql << ": series from {" << Join(found) << "}, expected {" << Join(jobs)
                     << "}";
  }

  static UpProcess* up_;
  static http::Client* client_;
};

UpProcess* PrometheusTest::up_ = nullptr;
http::Client* PrometheusTest::client_ = nullptr;

TEST_F(PrometheusTest, UpWritesOneScrapeTargetPerProcess) {
  const json targets = json::parse(ReadFile(up_->data_dir() / "prometheus-targets.json"));
  std::set<std::string> instances;
  const json status = up_->Status();
  for (const json& process : status["processes"]) {
    const std::string name = process["name"];
    instances.insert(name);
    const std::string target = "127.0.0.1:" + std::to_string(process["port"].get<int>());
    const bool listed = std::any_of(targets.begin(), targets.end(), [&](const json& group) {
      return group["targets"] == json::array({target}) &&
             group["labels"] == json{{"job", name.substr(0, name.rfind('-'))}, {"instance", name}};
    });
    EXPECT_TRUE(listed) << name << " at " << target << " in " << targets.dump();
  }
  EXPECT_EQ(targets.size(), instances.size());
}

TEST_F(PrometheusTest, ScrapesTheSagaMetricsOfEveryProcessAndTheDashboardsQueries) {
  const std::string prometheus_binary = FindProgram("prometheus");
  const std::string promtool = FindProgram("promtool");
  ASSERT_FALSE(prometheus_binary.empty() || promtool.empty())
      << "Debian's prometheus (with promtool) is not installed: run scripts/install-deps";
  const std::filesystem::path directory = up_->data_dir() / "prometheus";
  std::filesystem::create_directories(directory);
  // The gateway's /metrics wants an admin token; dev mode signs `tinysaga token` as `up` does.
  const CheckResult token =
      RunTinysaga({"token", "--user", "prometheus", "--role", "admin", "--hours", "1"});
  ASSERT_EQ(token.exit_code, 0) << token.output;
  std::ofstream(up_->data_dir() / "prometheus-token") << token.output;
  const std::filesystem::path config = directory / "prometheus.yml";
  std::ofstream(config) << ConfigFor(up_->data_dir());

  const CheckResult checked = RunProgram(promtool, {"check", "config", config.string()});
  ASSERT_EQ(checked.exit_code, 0) << checked.output;
  EXPECT_EQ(checked.output.find("WARNING"), std::string::npos) << checked.output;

  RunOrders();
  PrometheusProcess prometheus(prometheus_binary, config, directory);
  const http::Endpoint& at = prometheus.endpoint();
  ASSERT_TRUE(Eventually(
      [&] {
        if (!prometheus.Running()) return true;  // reported below
        auto ready = client_->SendAndWait(at, {.method = "GET", .target = "/-/ready"}, seconds(1));
        return ready.ok() && ready->status == 200;
      },
      seconds(30)));
  ASSERT_TRUE(prometheus.Running()) << "prometheus exited:\n" << prometheus.Log();

  // Every process is scraped, the gateway with its token.
  ExpectJobs(at, "up == 1", kEveryJob);
  // Sagas by state: the unfinished ones right now, the finished ones counted.
  ExpectJobs(at, "tinysaga_sagas_unfinished{state=\"RUNNING\"}", kOrchestrator);
  ExpectJobs(at, "tinysaga_sagas_unfinished{state=\"COMPENSATING\"}", kOrchestrator);
  ExpectJobs(at, "tinysaga_sagas_completed_total{type=\"order\"} == 2", kOrchestrator);
  ExpectJobs(at, "tinysaga_sagas_failed_total{type=\"order\"} == 1", kOrchestrator);
  // The step latency histogram: the steps answered (two placed orders: ReserveStock and
  // MarkPlaced each, one failed order: its MarkFailed).
  ExpectJobs(at, "tinysaga_saga_step_duration_seconds_bucket{le=\"+Inf\"} > 0", kOrchestrator);
  ExpectJobs(at, "sum by (job) (tinysaga_saga_step_duration_seconds_count) >= 5", kOrchestrator);
  // Retries: the saga's command retries and the consumers' handler retries (none here).
  ExpectJobs(at, "tinysaga_saga_command_retries_total{type=\"order\"}", kOrchestrator);
  ExpectJobs(at, "tinysaga_messages_consumed_total{outcome=\"retried\"}", kConsumers);
  ExpectJobs(at, "tinysaga_outbox_backlog", kWithBroker);
  // Consumer lag: every consumer group has its histogram; the busy ones observed messages.
  ExpectJobs(at, "tinysaga_consumer_lag_seconds_count", kConsumers);
  ExpectJobs(at, "tinysaga_consumer_lag_seconds_count > 0", kBusyConsumers);
  ExpectJobs(at, "tinysaga_messages_consumed_total{outcome=\"dead_lettered\"} == 0", kConsumers);

  const json dashboard = json::parse(ReadFile(kDeployDir / "grafana-dashboard.json"));
  EXPECT_GE(dashboard.value("schemaVersion", 0), 36);
  const json variables = dashboard["templating"]["list"];
  EXPECT_TRUE(std::any_of(variables.begin(), variables.end(), [](const json& variable) {
    return variable.value("type", "") == "datasource" &&
           variable.value("query", "") == "prometheus";
  })) << "a Prometheus datasource variable";
  for (const json& panel : dashboard["panels"]) {
    ASSERT_FALSE(panel["targets"].empty()) << panel.dump();
    for (const json& target : panel["targets"]) {
      std::string expression = target.value("expr", "");
      const std::set<std::string> names = MetricNames(expression);
      EXPECT_FALSE(names.empty()) << "no metric in " << expression;
      for (const std::string& name : names) {
        EXPECT_FALSE(JobsOf(*client_, at, name).empty()) << name << " (" << expression << ")";
      }
      // Grafana's interval, as Grafana would give it for 1 s scrapes.
      expression = ReplaceAll(expression, "$__rate_interval", "1m");
      std::string error;
      json data;
      EXPECT_TRUE(Eventually(
          [&] {
            data = Query(*client_, at, expression, &error);
            return !data.is_null() && !data.value("result", json::array()).empty();
          },
          seconds(30)))
          << panel.value("title", "") << ": " << expression << " gave " << data.dump() << " "
          << error;
    }
  }
}

}  // namespace
}  // namespace tinysaga::e2e
