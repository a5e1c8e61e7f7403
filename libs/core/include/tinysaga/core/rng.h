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

  // The sortable part of the next NewId: consecutive numbers from a random start (the first
  // Next()). Thread-safe.
  uint64_t NextIdSequence();

 private:
  std::mutex id_mutex_;
  bool id_started_ = false;
  uint64_t id_next_ = 0;
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

// A new id: prefix, '_', 20 lowercase hex digits, e.g. "ord_3f9a...": 16 from
// rng.NextIdSequence(), then 4 random ones. The ids one Rng makes (a service has one) sort in
// the order they were made, so the tables and indexes keyed by them grow at their end, as with
// UUIDv7. With random ids every saga's rows landed on random pages of every B-tree, and each
// WAL checkpoint wrote back that many more pages: write syscalls per saga halved with this
// (bench, issue 10). Unique within one Rng by the sequence; between two, their random 64-bit
// starts would have to come within the number of ids made. Not secret: an id one has seen
// gives away its neighbours but for the 4 random digits (every request's access is checked
// anyway); secrets come from RandomHex.
std::string NewId(std::string_view prefix, Rng& rng);

// `digits` random lowercase hex digits (4 random bits each), for secrets.
std::string RandomHex(Rng& rng, size_t digits);

}  // namespace tinysaga
