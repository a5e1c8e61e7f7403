#include "bench_process.h"

#include <sstream>

namespace tinysaga::crash {

std::vector<std::string> BenchArgs(uint16_t gateway_port, const BenchLoad& load) {
  return {TINYSAGA_BINARY, "bench", "--port", std::to_string(gateway_port), "-c",
          std::to_string(load.concurrency), "--mix", load.mix, "--warmup", "0", "--seconds",
          std::to_string(load.seconds_max),
          // Outcomes other than the flow's are expected; SIGTERM ends the load.
          "--faults",
          // Each saga's end is seen on its event stream at once. Polling (the default) spaces
          // the polls by the median settle time of recent sagas, which the stalls after each
          // fault stretch to seconds: the virtual users would mostly wait, not load.
          "--wait", "sse", "--terminal-timeout-ms", std::to_string(load.terminal_timeout_ms),
          // The test checks the invariants itself, once the system has settled.
          "--no-check", "--breakdown", "0",
          // A few products are seeded in a moment; the faults do not care how many.
          "--products", "10"};
}

std::string SagasPerSecond(const std::string& progress) {
  std::istringstream lines(progress);
  std::string line, rates;
  while (std::getline(lines, line)) {
    const auto per_second = line.find("/s  errors");
    if (!line.starts_with("[") || per_second == std::string::npos) continue;
    const auto start = line.find_last_of(' ', per_second) + 1;
    rates += (rates.empty() ? "" : " ") + line.substr(start, per_second - start);
  }
  return rates;
}


}  // namespace tinysaga::crash
