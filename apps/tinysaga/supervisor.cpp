#include "supervisor.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "tinysaga/core/backoff.h"

namespace tinysaga::app {
namespace {

constexpr int kChildListenFd = 3;
// A child that keeps dying soon after its start waits longer before each restart.
const ExponentialBackoff kRestartBackoff{std::chrono::milliseconds(100), 2,
                                         std::chrono::milliseconds(5'000)};
constexpr auto kStableUptime = std::chrono::seconds(10);  // after this, a crash restarts at once

Result<int> OpenListeningSocket(const std::string& host, uint16_t port, uint16_t& bound_port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1)
    return MakeError(Errc::kInvalidRequest, "not an IPv4 address: '" + host + "'");
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return MakeError(Errc::kInternal, std::string("socket: ") + std::strerror(errno));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || listen(fd, 4096) != 0) {
    std::string reason = std::strerror(errno);
    close(fd);
    return MakeError(Errc::kUnavailable,
                     "cannot listen on " + host + ":" + std::to_string(port) + ": " + reason);
  }
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  bound_port = ntohs(address.sin_port);
  return fd;
}

}  // namespace

Supervisor::Supervisor(std::string executable, std::vector<std::pair<std::string, std::string>> environment)
    : executable_(std::move(executable)), environment_(std::move(environment)) {}

Supervisor::~Supervisor() {
  Stop();
  for (auto& child : children_) {
    if (child.listen_fd >= 0) close(child.listen_fd);
  }
}

Result<uint16_t> Supervisor::Add(ProcessSpec spec, uint16_t port, const std::string& address) {
  Child child;
  child.spec = std::move(spec);
  TS_ASSIGN_OR_RETURN(child.listen_fd, OpenListeningSocket(address, port, child.port));
  children_.push_back(std::move(child));
  return children_.back().port;
}

uint16_t Supervisor::PortOf(const std::string& name) const {
  for (const auto& child : children_) {
    if (child.spec.name == name) return child.port;
  }
  return 0;
}

void Supervisor::SetArgs(const std::string& name, std::vector<std::string> args) {
  for (auto& child : children_) {
    if (child.spec.name == name) child.spec.args = std::move(args);
  }
}

Result<void> Supervisor::Start() {
  for (auto& child : children_) TS_RETURN_IF_ERROR(Spawn(child));
  return Ok();
}

Result<void> Supervisor::Spawn(Child& child) {
  // Everything the child needs is built before fork: between fork and exec only
  // async-signal-safe calls are allowed (the parent has threads).
  std::vector<std::string> args{executable_};
  args.insert(args.end(), child.spec.args.begin(), child.spec.args.end());
  args.insert(args.end(), {"--listen-fd", std::to_string(kChildListenFd)});
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> environment_strings;
  // Ours replace inherited variables of the same name (a TINYSAGA_INTERNAL_SECRET exported in
  // the shell must not override the one `up` generated for this run).
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view inherited(*entry);
    const bool overridden = std::any_of(environment_.begin(), environment_.end(), [&](const auto& own) {
      return inherited.starts_with(own.first + "=");
    });
    if (!overridden) environment_strings.emplace_back(inherited);
  }
  for (const auto& [name, value] : environment_) environment_strings.push_back(name + "=" + value);
  std::vector<char*> envp;
  for (auto& entry : environment_strings) envp.push_back(entry.data());
  envp.push_back(nullptr);

  int log_fd = open(child.spec.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return MakeError(Errc::kInternal, "cannot open " + child.spec.log_path);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    return MakeError(Errc::kInternal, std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    // The child dies with the supervisor, even when the supervisor is killed with -9.
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) _exit(1);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    setpgid(0, 0);  // Ctrl-C in the terminal reaches the supervisor only; it stops the children in order
    if (child.listen_fd == kChildListenFd) {
      fcntl(kChildListenFd, F_SETFD, 0);  // dup2 onto itself would leave close-on-exec set
    } else {
      dup2(child.listen_fd, kChildListenFd);
    }
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    execve(executable_.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  close(log_fd);
  child.pid = pid;
  child.started_at = std::chrono::steady_clock::now();
  spdlog::info("up: started {} (pid {}, port {})", child.spec.name, pid, child.port);
  return Ok();
}

bool Supervisor::Poll() {
  bool changed = false;
  int status = 0;
  pid_t pid;
  while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    auto child = std::find_if(children_.begin(), children_.end(), [pid](const Child& c) { return c.pid == pid; });
    if (child == children_.end()) continue;
    const auto now = std::chrono::steady_clock::now();
    if (now - child->started_at > kStableUptime) child->quick_deaths = 0;
    const std::chrono::milliseconds delay = kRestartBackoff.Cap(++child->quick_deaths);
    const std::string how = WIFSIGNALED(status) ? "signal " + std::to_string(WTERMSIG(status))
                                                : "exit code " + std::to_string(WEXITSTATUS(status));
    spdlog::warn("up: {} (pid {}) died ({}); restarting in {} ms", child->spec.name, pid, how,
                 delay.count());
    child->pid = -1;
    child->restart_at = now + delay;
    changed = true;
  }
  const auto now = std::chrono::steady_clock::now();
  for (auto& child : children_) {
    if (child.pid >= 0 || now < child.restart_at) continue;
    ++child.restarts;
    if (auto spawned = Spawn(child); !spawned.ok()) {
      spdlog::error("up: cannot restart {}: {}", child.spec.name, spawned.error().detail);
      child.restart_at = now + kRestartBackoff.Cap(child.quick_deaths + 1);
    }
    changed = true;
  }
  return changed;
}

void Supervisor::Stop(std::chrono::milliseconds grace) {
  // Reverse order of start: the gateway (started last) stops accepting first.
  for (auto child = children_.rbegin(); child != children_.rend(); ++child) {
    if (child->pid > 0) kill(child->pid, SIGTERM);
  }
  const auto deadline = std::chrono::steady_clock::now() + grace;
  for (auto& child : children_) {
    while (child.pid > 0) {
      int status = 0;
      pid_t reaped = waitpid(child.pid, &status, WNOHANG);
      if (reaped == child.pid || reaped < 0) {
        child.pid = -1;
        break;
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        spdlog::warn("up: {} did not stop in time; killing it", child.spec.name);
        kill(child.pid, SIGKILL);
        waitpid(child.pid, &status, 0);
        child.pid = -1;
        break;
      }
      usleep(10'000);  // polling a child's exit during shutdown; no event to wait on per child
    }
  }
}

}  // namespace tinysaga::app
