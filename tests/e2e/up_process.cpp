#include "up_process.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <random>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace tinysaga::e2e {
namespace {

std::filesystem::path NewTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "tinysaga-e2e-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

}  // namespace

UpProcess::UpProcess(std::vector<std::string> extra_args) : data_dir_(NewTempDir()) {
  std::vector<std::string> args{TINYSAGA_BINARY, "up", "--port", "0", "--data", data_dir_.string()};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);

  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) {
    throw std::runtime_error("cannot start tinysaga up");
  }
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);

  // The ready line is the first line `up` prints on stdout.
  FILE* output = fdopen(out[0], "r");
  char line[1024];
  const std::string marker = "ready at http://127.0.0.1:";
  while (std::fgets(line, sizeof line, output) != nullptr) {
    std::string text(line);
    if (auto at = text.find(marker); at != std::string::npos) {
      gateway_ = http::Endpoint{"127.0.0.1", static_cast<uint16_t>(std::stoi(text.substr(at + marker.size())))};
      break;
    }
  }
  // Keep reading (and discarding) so `up` never blocks on a full pipe.
  std::thread([output] {
    char discarded[1024];
    while (std::fgets(discarded, sizeof discarded, output) != nullptr) {
    }
    std::fclose(output);
  }).detach();
  if (gateway_.port == 0) {
    throw std::runtime_error("tinysaga up exited before it was ready; logs in " + data_dir_.string() + "/logs");
  }
}

UpProcess::~UpProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  // TINYSAGA_KEEP_TEST_DATA=1 keeps the databases and logs of each run for a post-mortem.
  if (std::getenv("TINYSAGA_KEEP_TEST_DATA") == nullptr) {
    std::error_code ignored;
    std::filesystem::remove_all(data_dir_, ignored);
  }
}

nlohmann::json UpProcess::Status() const {
  std::ifstream input(data_dir_ / "up.json");
  return nlohmann::json::parse(input);
}

nlohmann::json UpProcess::Process(const std::string& name) const {
  const nlohmann::json status = Status();  // named: a temporary would die before the loop body
  for (const auto& process : status["processes"]) {
    if (process["name"] == name) return process;
  }
  throw std::runtime_error("no process " + name);
}

void Api::SignIn(const std::string& user_id, const std::string& role) {
  token_.clear();
  auto reply = Post("/api/auth/dev-token", {{"userId", user_id}, {"role", role}});
  if (reply.status != 201) throw std::runtime_error("dev-token failed: " + reply.raw);
  token_ = reply.body["token"];
}

Api::Reply Api::Send(http::Request request) const {
  if (!token_.empty()) request.headers.emplace_back("Authorization", "Bearer " + token_);
  auto result = client_.SendAndWait(gateway_, std::move(request), std::chrono::seconds(60));
  if (!result.ok()) throw std::runtime_error("request failed: " + result.error().detail);
  Reply reply{.status = result->status, .headers = result->headers, .raw = result->body};
  reply.body = nlohmann::json::parse(result->body, nullptr, /*allow_exceptions=*/false);
  if (reply.body.is_discarded()) reply.body = nullptr;
  return reply;
}

Api::Reply Api::Get(const std::string& target) const { return Send({.method = "GET", .target = target}); }

Api::Reply Api::Post(const std::string& target, const nlohmann::json& body, const std::string& idempotency_key) const {
  return PostRaw(target, body.dump(), idempotency_key);
}

Api::Reply Api::PostRaw(const std::string& target, std::string body, const std::string& idempotency_key) const {
  http::Request request{.method = "POST", .target = target, .body = std::move(body)};
  request.headers.emplace_back("Content-Type", "application/json");
  if (!idempotency_key.empty()) request.headers.emplace_back("Idempotency-Key", idempotency_key);
  return Send(std::move(request));
}

Api::Reply Api::Put(const std::string& target, const nlohmann::json& body) const {
  http::Request request{.method = "PUT", .target = target, .body = body.dump()};
  request.headers.emplace_back("Content-Type", "application/json");
  return Send(std::move(request));
}

std::string NewKey() {
  static std::atomic<uint64_t> counter{0};
  static const uint64_t run = std::random_device{}();
  return "key-" + std::to_string(run) + "-" + std::to_string(++counter);
}

bool Eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

CheckResult RunCheck(const std::filesystem::path& data_dir) {
  const std::string command =
      std::string(TINYSAGA_BINARY) + " check --data '" + data_dir.string() + "' 2>&1";
  CheckResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t read = 0;
  while ((read = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, read);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace tinysaga::e2e
