#include "orchestrator/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace tinysaga::orchestrator {

std::shared_ptr<spdlog::logger> Log() {
  static const std::shared_ptr<spdlog::logger> logger = [] {
    if (auto existing = spdlog::get("orchestrator")) return existing;
    return spdlog::stderr_color_mt("orchestrator");
  }();
  return logger;
}

}  // namespace tinysaga::orchestrator
