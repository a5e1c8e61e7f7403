#pragma once
// The storage library's one logger ("storage"), created on first use. Logs go to stderr so
// that stdout stays free for commands that print results. Thread-safe.

#include <spdlog/spdlog.h>

#include <memory>

namespace tinysaga::storage {

std::shared_ptr<spdlog::logger> Log();

}  // namespace tinysaga::storage
