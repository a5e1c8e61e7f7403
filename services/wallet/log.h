#pragma once
// The wallet's one logger ("wallet"), created on first use; logs go to stderr.
// Thread-safe.

#include <spdlog/spdlog.h>

#include <memory>

namespace tinysaga::wallet {

std::shared_ptr<spdlog::logger> Log();

}  // namespace tinysaga::wallet
