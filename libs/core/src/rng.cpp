#include "tinysaga/core/rng.h"

#include <cassert>

namespace tinysaga {

uint64_t Rng::Below(uint64_t bound) {
  assert(bound > 0);
  // Rejection sampling keeps the distribution uniform.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % bound;
  uint64_t value = Next();
  while (value >= limit) value = Next();
  return value % bound;
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
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(prefix);
  id += '_';
  uint64_t high = rng.Next();
  uint64_t low = rng.Next();
  for (int i = 0; i < 16; ++i) id += kHex[(high >> (60 - 4 * i)) & 0xF];
  for (int i = 0; i < 4; ++i) id += kHex[(low >> (60 - 4 * i)) & 0xF];
  return id;
}

}  // namespace tinysaga
