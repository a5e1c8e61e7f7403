#pragma once
// The orchestrator's one logger ("orchestrator"), created on first use; logs go to stderr.
// Thread-safe.

#include <spdlog/spdlog.h>

#include <memory>

namespace tinysaga::orchestrator {

std::shared_ptr<spdlog::logger> Log();

}  // namespace tinysaga::orchestrator
