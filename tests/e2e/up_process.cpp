#include "up_process.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

#include "tinysaga/storage/db.h"
#include "tinysaga/storage/provision.h"
#include "tinysaga/testing/postgres_schema.h"

extern char** environ;

namespace tinysaga::e2e {
namespace {

std::filesystem::path NewTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "tinysaga-e2e-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

}  // namespace

UpProcess::UpProcess(std::vector<std::string> extra_args, std::vector<std::string> extra_env)
    : data_dir_(NewTempDir()) {
  Start(std::move(extra_args), std::move(extra_env));
}

UpProcess::UpProcess(std::vector<std::string> extra_args, const UpProcess& stopped)
    : data_dir_(stopped.data_dir_), owns_data_dir_(false) {
  Start(std::move(extra_args), {});
}

void UpProcess::Start(std::vector<std::string> extra_args, std::vector<std::string> extra_env) {
  for (size_t i = 0; i + 1 < extra_args.size(); ++i) {
    if (extra_args[i] == "--db") db_template_ = extra_args[i + 1];
  }
  std::vector<std::string> args{TINYSAGA_BINARY, "up", "--port", "0", "--data", data_dir_.string()};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  // Built before fork: only async-signal-safe calls may run between fork and exec.
  std::vector<char*> envp;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view name(*entry, std::string_view(*entry).find('='));
    const bool replaced =
        std::any_of(extra_env.begin(), extra_env.end(), [&](const std::string& extra) {
          return extra.starts_with(name) && extra.size() > name.size() && extra[name.size()] == '=';
        });
    if (!replaced) envp.push_back(*entry);
  }
  for (auto& entry : extra_env) envp.push_back(entry.data());
  envp.push_back(nullptr);

  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe failed");
  const pid_t parent = getpid();
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("cannot start tinysaga up: fork failed");
  if (pid_ == 0) {
    // `up` ends with the test process, however that ends (an abort included): otherwise it
    // would live on holding ctest's output pipe, and the failure would show as a timeout.
    // Only async-signal-safe calls until exec.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(127);
    dup2(out[1], STDOUT_FILENO);
    close(out[0]);
    close(out[1]);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(out[1]);

  // The ready line is the first line `up` prints on stdout.
  FILE* output = fdopen(out[0], "r");
  char line[1024];
  const std::string marker = "ready at http://127.0.0.1:";
  while (std::fgets(line, sizeof line, output) != nullptr) {
    std::string text(line);
    if (auto at = text.find(marker); at != std::string::npos) {
      gateway_ = http::Endpoint{"127.0.0.1",
                                static_cast<uint16_t>(std::stoi(text.substr(at + marker.size())))};
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
    throw std::runtime_error("tinysaga up exited before it was ready; logs in " +
                             data_dir_.string() + "/logs");
  }
}

int UpProcess::Stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

UpProcess::~UpProcess() {
  Stop();
  // TINYSAGA_KEEP_TEST_DATA=1 keeps the databases and logs of each run for a post-mortem.
  if (owns_data_dir_ && std::getenv("TINYSAGA_KEEP_TEST_DATA") == nullptr) {
    std::error_code ignored;
    std::filesystem::remove_all(data_dir_, ignored);
  }
}

std::string UpProcess::db_template() const {
  return db_template_.empty() ? "sqlite:" + data_dir_.string() : db_template_;
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

Api::Reply Api::Get(const std::string& target) const {
  return Send({.method = "GET", .target = target});
}

Api::Reply Api::Post(const std::string& target, const nlohmann::json& body,
                     const std::string& idempotency_key) const {
  return PostRaw(target, body.dump(), idempotency_key);
}

Api::Reply Api::PostRaw(const std::string& target, std::string body,
                        const std::string& idempotency_key) const {
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

RawConnection::RawConnection(const http::Endpoint& endpoint, const std::string& source_address)
    : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
  if (fd_ < 0) throw std::runtime_error("socket failed");
  timeval timeout{10, 0};
  setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (!source_address.empty()) {
    sockaddr_in source{};
    source.sin_family = AF_INET;
    inet_pton(AF_INET, source_address.c_str(), &source.sin_addr);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&source), sizeof source) != 0) {
      close(fd_);
      throw std::runtime_error("cannot bind to " + source_address);
    }
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(endpoint.port);
  inet_pton(AF_INET, endpoint.host.c_str(), &address.sin_addr);
  if (connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd_);
    throw std::runtime_error("connect failed");
  }
}

RawConnection::~RawConnection() { close(fd_); }

void RawConnection::Send(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t sent = send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent <= 0) return;  // the server closed; what it answered is still readable
    bytes.remove_prefix(static_cast<size_t>(sent));
  }
}

std::string RawConnection::ReadHead() {
  char chunk[4096];
  size_t end = std::string::npos;
  while ((end = buffer_.find("\r\n\r\n")) == std::string::npos) {
    const ssize_t received = recv(fd_, chunk, sizeof chunk, 0);
    if (received <= 0) return std::exchange(buffer_, std::string());
    buffer_.append(chunk, static_cast<size_t>(received));
  }
  std::string head = buffer_.substr(0, end + 4);
  buffer_.erase(0, end + 4);
  return head;
}

std::string RawConnection::ReadUntilClosed() {
  char chunk[4096];
  ssize_t received = 0;
  while ((received = recv(fd_, chunk, sizeof chunk, 0)) > 0)
    buffer_.append(chunk, static_cast<size_t>(received));
  return std::exchange(buffer_, std::string());
}

std::string RawExchange(const http::Endpoint& endpoint, std::string_view bytes,
                        const std::string& source_address) {
  RawConnection connection(endpoint, source_address);
  connection.Send(bytes);
  return connection.ReadUntilClosed();
}

std::vector<std::string> ListeningAddresses(uint16_t port) {
  std::vector<std::string> addresses;
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream input(table);
    std::string line;
    std::getline(input, line);  // the column names
    while (std::getline(input, line)) {
      // "  0: 0100007F:1F90 00000000:0000 0A ...": local address:port, remote, state (0A: LISTEN)
      std::istringstream fields(line);
      std::string slot, local, remote, state;
      fields >> slot >> local >> remote >> state;
      const size_t colon = local.find(':');
      if (state != "0A" || colon == std::string::npos) continue;
      if (std::stoul(local.substr(colon + 1), nullptr, 16) != port) continue;
      const std::string hex = local.substr(0, colon);
      if (hex.size() == 8) {  // IPv4, in host byte order on a little-endian machine
        in_addr ipv4{static_cast<in_addr_t>(std::stoul(hex, nullptr, 16))};
        char text[INET_ADDRSTRLEN];
        addresses.emplace_back(inet_ntop(AF_INET, &ipv4, text, sizeof text));
      } else {
        addresses.push_back("ipv6:" + hex);
      }
    }
  }
  return addresses;
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
  return RunTinysaga({"check", "--data", data_dir.string()});
}

CheckResult RunCheckOn(const std::string& db_template) {
  return RunTinysaga({"check", "--db", db_template});
}

CheckResult AwaitCheckPasses(const std::string& db_template, std::chrono::milliseconds bound) {
  CheckResult check;
  Eventually(
      [&] {
        check = RunCheckOn(db_template);
        return check.exit_code == 0;
      },
      bound);
  return check;
}

CheckResult RunTinysaga(const std::vector<std::string>& args) {
  return RunProgram(TINYSAGA_BINARY, args);
}

CheckResult RunProgram(const std::string& program, const std::vector<std::string>& args) {
  // Each argument in single quotes for the shell (a quote inside as '\'').
  std::string command = program;
  for (const std::string& arg : args) {
    command += " '";
    for (char c : arg) command += c == '\'' ? std::string("'\\''") : std::string(1, c);
    command += "'";
  }
  command += " 2>&1";
  CheckResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t read = 0;
  while ((read = std::fread(buffer, 1, sizeof buffer, pipe)) > 0)
    result.output.append(buffer, read);
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string NewPostgresTemplate(const std::string& prefix) {
  const char* url = tinysaga::testing::PostgresTestUrl();
  if (url == nullptr) return "";
  return tinysaga::testing::WithDatabase(
      url, tinysaga::testing::UniqueSchemaName(prefix) + "_{service}");
}

std::string DropPostgresDatabases(const std::string& db_template,
                                  const std::vector<std::string>& services) {
  std::string errors;
  for (const std::string& service : services) {
    auto dropped = storage::DropPostgresDatabase(storage::DbUrlFor(db_template, service));
    if (!dropped.ok()) errors += dropped.error().detail + "\n";
  }
  return errors;
}

}  // namespace tinysaga::e2e
