#pragma once
// `tinysaga broker --bootstrap-file F` as a child process of the test: a standalone
// development broker (libs/kafka_broker, everything in memory) that the test can kill
// with -9 like a crashed Kafka. Each one listens on a new random port and starts empty.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>

namespace tinysaga::crash {

class BrokerProcess {
 public:
  // Starts the broker, its output appended to `log_file`, and returns once it wrote its
  // address to `bootstrap_file` (bounded: throws if it did not within `ready_bound`).
  BrokerProcess(std::filesystem::path bootstrap_file, const std::filesystem::path& log_file,
                std::chrono::milliseconds ready_bound = std::chrono::seconds(30));
  // Stops a broker still running (SIGTERM) and reaps it.
  ~BrokerProcess();
  BrokerProcess(const BrokerProcess&) = delete;
  BrokerProcess& operator=(const BrokerProcess&) = delete;

  const std::string& address() const { return address_; }  // "127.0.0.1:PORT"
  pid_t pid() const { return pid_; }

  // SIGKILL, and reaps it: the broker and all it held are gone at once.
  void KillNine();

 private:
  std::filesystem::path bootstrap_file_;
  std::string address_;
  pid_t pid_ = -1;
};

}  // namespace tinysaga::crash
