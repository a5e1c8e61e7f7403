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

}  // namespace tinysaga::bus
