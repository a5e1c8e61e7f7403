#pragma once
// The payment's one logger ("payment"), created on first use; logs go to stderr.
// Thread-safe.

#include <spdlog/spdlog.h>

#include <memory>

namespace tinysaga::payment {

std::shared_ptr<spdlog::logger> Log();

}  // namespace tinysaga::payment
