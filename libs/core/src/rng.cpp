#include "tinysaga/core/rng.h"

#include <algorithm>
#include <cassert>

#include "tinysaga/core/hex.h"

namespace tinysaga {

uint64_t Rng::Below(uint64_t bound) {
  assert(bound > 0);
  // Rejection sampling keeps the distribution uniform.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  uint64_t value = Next();
  while (value >= limit) value = Next();
  return value % bound;
}

uint64_t Rng::NextIdSequence() {
  std::lock_guard lock(id_mutex_);
  if (!id_started_) {
    id_next_ = Next();
    id_started_ = true;
  }
  return id_next_++;
}

uint64_t SeededRng::Next() {
  std::lock_guard lock(mutex_);
  return engine_();
}

SystemRng::SystemRng() {
  std::random_device device;
  std::seed_seq seed{device(), device(), device(), device()};
  engine_.seed(seed);
}

uint64_t SystemRng::Next() {
  std::lock_guard lock(mutex_);
  return engine_();
}

std::string NewId(std::string_view prefix, Rng& rng) {
  std::string id(prefix);
  id += '_';
  AppendHex(id, rng.NextIdSequence(), 16);
  AppendHex(id, rng.Next(), 4);
  return id;
}

std::string RandomHex(Rng& rng, size_t digits) {
  std::string hex;
  hex.reserve(digits);
  while (hex.size() < digits)
    AppendHex(hex, rng.Next(), static_cast<int>(std::min<size_t>(16, digits - hex.size())));
  return hex;
}

}  // namespace tinysaga
