#include "broker_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <stdexcept>
#include <vector>

#include "up_process.h"

extern char** environ;

namespace tinysaga::crash {

BrokerProcess::BrokerProcess(std::filesystem::path bootstrap_file,
                             const std::filesystem::path& log_file,
                             std::chrono::milliseconds ready_bound)
    : bootstrap_file_(std::move(bootstrap_file)) {
  std::vector<std::string> args{TINYSAGA_BINARY, "broker", "--bootstrap-file",
                                bootstrap_file_.string()};
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_file.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  const int spawned = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    pid_ = -1;
    throw std::runtime_error("cannot start tinysaga broker");
  }
  // The broker writes the file once it listens (to a temporary file, then renamed).
  const bool written = e2e::Eventually(
      [&] {
        std::ifstream input(bootstrap_file_);
        return static_cast<bool>(std::getline(input, address_)) && !address_.empty();
      },
      ready_bound);
  if (!written) {
    KillNine();
    throw std::runtime_error("tinysaga broker wrote no address to " + bootstrap_file_.string());
  }
}

BrokerProcess::~BrokerProcess() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  waitpid(pid_, nullptr, 0);
}

void BrokerProcess::KillNine() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

}  // namespace tinysaga::crash
