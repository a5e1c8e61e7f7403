#include "tinysaga/bus/bus.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include "log.h"

namespace tinysaga::bus {

std::shared_ptr<spdlog::logger> Log() {
  static const std::shared_ptr<spdlog::logger> logger = [] {
    if (auto existing = spdlog::get("bus")) return existing;
    return spdlog::stderr_color_mt("bus");
  }();
  return logger;
}

std::string DeadLetterTopic(std::string_view topic) { return std::string(topic) + ".dlq"; }

std::vector<std::string> WithDeadLetterTopics(const std::vector<std::string>& topics) {
  std::vector<std::string> all = topics;
  for (const std::string& topic : topics) all.push_back(DeadLetterTopic(topic));
  return all;
}

}  // namespace tinysaga::bus
