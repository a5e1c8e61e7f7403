#pragma once
// The inventory's one logger ("inventory"), created on first use; logs go to stderr.
// Thread-safe.

#include <spdlog/spdlog.h>

#include <memory>

namespace tinysaga::inventory {

std::shared_ptr<spdlog::logger> Log();

}  // namespace tinysaga::inventory
