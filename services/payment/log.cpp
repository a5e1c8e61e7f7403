#include "payment/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace tinysaga::payment {

std::shared_ptr<spdlog::logger> Log() {
  static const std::shared_ptr<spdlog::logger> logger = [] {
    if (auto existing = spdlog::get("payment")) return existing;
    return spdlog::stderr_color_mt("payment");
  }();
  return logger;
}

}  // namespace tinysaga::payment
