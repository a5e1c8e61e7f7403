#include "wallet/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace tinysaga::wallet {

std::shared_ptr<spdlog::logger> Log() {
  static const std::shared_ptr<spdlog::logger> logger = [] {
    if (auto existing = spdlog::get("wallet")) return existing;
    return spdlog::stderr_color_mt("wallet");
  }();
  return logger;
}

}  // namespace tinysaga::wallet
