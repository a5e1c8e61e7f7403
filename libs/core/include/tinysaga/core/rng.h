#pragma once
// Randomness comes in through an Rng so that tests and the simulator replay it from a seed.

#include <cstdint>
#include <mutex>
#include <random>
#include <string>
#include <string_view>

namespace tinysaga {

class Rng {
 public:
  virtual ~Rng() = default;
  virtual uint64_t Next() = 0;

  // Uniform in [0, bound); bound > 0.
  uint64_t Below(uint64_t bound);
};

// A seeded generator; the same seed gives the same sequence. Thread-safe.
class SeededRng final : public Rng {
 public:
  explicit SeededRng(uint64_t seed) : engine_(seed) {}
  uint64_t Next() override;

 private:
  std::mutex mutex_;
  std::mt19937_64 engine_;
};

// Seeded once from the operating system. Thread-safe.
class SystemRng final : public Rng {
 public:
  SystemRng();
  uint64_t Next() override;

 private:
  std::mutex mutex_;
  std::mt19937_64 engine_;
};

// A new id: prefix, '_', 20 lowercase hex digits (80 random bits), e.g. "ord_3f9a...".
std::string NewId(std::string_view prefix, Rng& rng);

}  // namespace tinysaga
