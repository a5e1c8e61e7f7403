#pragma once
// `tinysaga bench --faults` as a child process, the load of the crash and fault tests
// (tests/crash): virtual users through the gateway until the test ends the load with SIGTERM.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace tinysaga::crash {

using std::chrono::milliseconds;

// What the virtual users do.
struct BenchLoad {
  int concurrency = 8;
  std::string mix = "placed=70,insufficient=15,out-of-stock=15";
  // A cap only: the test ends the load with SIGTERM (bench --faults).
  int seconds_max = 300;
  // How long one virtual user waits for its saga before it counts a timeout and moves on.
  int terminal_timeout_ms = 20'000;
};

// The bench's command line against the gateway on `gateway_port`, until the test ends it.
std::vector<std::string> BenchArgs(uint16_t gateway_port, const BenchLoad& load = {});

// `tinysaga bench --faults` as a child process. Its stderr (progress lines) is read by a
// thread that notes when the load has begun (the "run ..." line that follows seeding); its
// stdout (the report) goes to a file. The destructor kills a bench still running and reaps it.
class BenchProcess {
 public:
  BenchProcess(std::vector<std::string> args, const std::filesystem::path& report_path) {
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    int err[2];
    if (pipe2(err, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, report_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, err[1], STDERR_FILENO);  // clears O_CLOEXEC
    const int spawned = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(err[1]);
    if (spawned != 0) {
      close(err[0]);
      throw std::runtime_error("cannot start tinysaga bench");
    }
    reader_ = std::thread([this, fd = err[0]] { ReadStderr(fd); });
  }

  ~BenchProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    reader_.join();
  }

  // True once the bench has seeded and started its virtual users; false if it ended first.
  bool WaitLoadStarted(milliseconds timeout) {
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, timeout, [this] { return load_started_ || ended_; });
    return load_started_;
  }

  bool Running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) != pid_) return true;
    pid_ = -1;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return false;
  }

  // Ends the load (SIGTERM), waits for the bench to finish its report; its exit code.
  int Stop() {
    if (Running()) {
      kill(pid_, SIGTERM);
      int status = 0;
      waitpid(pid_, &status, 0);
      pid_ = -1;
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    }
    return exit_code_;
  }

  std::string Stderr() {
    std::lock_guard lock(mutex_);
    return stderr_;
  }

 private:
  void ReadStderr(int fd) {
    FILE* input = fdopen(fd, "r");
    char line[4096];
    while (std::fgets(line, sizeof line, input) != nullptr) {
      std::lock_guard lock(mutex_);
      stderr_ += line;
      if (std::string_view(line).starts_with("run ")) load_started_ = true;
      changed_.notify_all();
    }
    std::fclose(input);
    std::lock_guard lock(mutex_);
    ended_ = true;
    changed_.notify_all();
  }

  pid_t pid_ = -1;
  int exit_code_ = -1;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::string stderr_;
  bool load_started_ = false;
  bool ended_ = false;
  std::thread reader_;  // last: it uses the members above
};

// The sagas the bench finished each second, from its progress lines on stderr
// ("[   12 s measure] sagas      345      41/s  errors 0  mismatched 0"): "0 0 12 41 ...".
std::string SagasPerSecond(const std::string& progress);

}  // namespace tinysaga::crash
