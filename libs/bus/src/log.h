#pragma once
// The bus library's one logger ("bus"), created on first use. Logs go to stderr so that stdout
// stays free for commands that print results (the broker prints its bootstrap line there).
// Thread-safe.

#include <spdlog/spdlog.h>

#include <memory>

namespace tinysaga::bus {

std::shared_ptr<spdlog::logger> Log();

}  // namespace tinysaga::bus
