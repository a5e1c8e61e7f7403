#include "inventory/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace tinysaga::inventory {

std::shared_ptr<spdlog::logger> Log() {
  static const std::shared_ptr<spdlog::logger> logger = [] {
    if (auto existing = spdlog::get("inventory")) return existing;
    return spdlog::stderr_color_mt("inventory");
  }();
  return logger;
}

}  // namespace tinysaga::inventory
