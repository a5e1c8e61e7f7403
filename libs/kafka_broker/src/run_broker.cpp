#include <pthread.h>
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <system_error>

#include "log.h"
#include "tinysaga/kafka_broker/broker.h"

namespace tinysaga::kafka_broker {
namespace {

// Written to a temporary file and renamed, so a reader never sees half an address.
Result<void> WriteBootstrapFile(const std::string& path, const std::string& bootstrap) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << bootstrap << '\n';
    if (!out.flush()) return MakeError(Errc::kInternal, "cannot write " + temporary);
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) return MakeError(Errc::kInternal, "cannot rename to " + path + ": " + error.message());
  return Ok();
}

int Serve(const BrokerOptions& options, const std::string& bootstrap_file,
          const sigset_t& signals) {
  auto broker = Broker::Start(options);
  if (!broker.ok()) {
    Log()->error("tinysaga broker: {}", broker.error().detail);
    return 1;
  }
  const std::string& bootstrap = (*broker)->bootstrap_servers();
  if (!bootstrap_file.empty()) {
    if (auto written = WriteBootstrapFile(bootstrap_file, bootstrap); !written.ok()) {
      Log()->error("tinysaga broker: {}", written.error().detail);
      return 1;
    }
  }
  std::cout << "tinysaga broker: bootstrap=" << bootstrap
            << std::endl;  // flushed: a parent reads it
  Log()->info("broker running: {} topics of {} partitions", options.topics.size(),
              options.partitions);
  int received = 0;
  sigwait(&signals, &received);
  Log()->info("broker stopping on signal {}", received);
  broker->reset();
  if (!bootstrap_file.empty()) {
    std::error_code ignored;
    std::filesystem::remove(bootstrap_file, ignored);
  }
  return 0;
}

}  // namespace

int RunBroker(const BrokerOptions& options, const std::string& bootstrap_file) {
  // Blocked before the network thread starts, so only sigwait receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigset_t previous;
  pthread_sigmask(SIG_BLOCK, &signals, &previous);
  const int code = Serve(options, bootstrap_file, signals);
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return code;
}

}  // namespace tinysaga::kafka_broker
