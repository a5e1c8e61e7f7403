#pragma once
// The run's event trace: every message applied, HTTP call and fault, in order, with the
// simulated time. Folded into a hash (the run's fingerprint: the same seed gives the same
// hash), optionally written to a file, and kept to show the events behind a violation.
//
// Not thread-safe: one run, one thread.

#include <cstdint>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "tinysaga/core/clock.h"

namespace tinysaga::sim {

// FNV-1a, 64 bits: stable across machines and builds (std::hash is not).
inline uint64_t Fnv1a(std::string_view text, uint64_t hash = 0xcbf29ce484222325ULL) {
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

class Trace {
 public:
  Trace(const Clock& clock, const std::string& path) : clock_(clock) {
    if (!path.empty()) file_.open(path, std::ios::out | std::ios::trunc);
  }

  void Add(std::string_view what) {
    std::string line = std::to_string(clock_.NowMs() - start_ms_) + " " + std::string(what);
    hash_ = Fnv1a("\n", Fnv1a(line, hash_));  // the line and its newline, without a copy
    if (file_.is_open()) file_ << line << '\n';
    lines_.push_back(std::move(line));
  }
  void StartAt(TimestampMs start_ms) { start_ms_ = start_ms; }

  uint64_t hash() const { return hash_; }
  // The events that mention any of `ids` (an order's requests, messages and faults), with the
  // crashes, restarts, hangs, clock jumps, the broker's loss and the end of the faults around
  // them; the last `max_lines` of them.
  std::vector<std::string> Excerpt(const std::vector<std::string>& ids, size_t max_lines) const {
    std::vector<std::string> excerpt;
    for (const std::string& line : lines_) {
      bool wanted = false;
      for (const char* context : {" crash ", " restart ", " faults-stop", " hang ", " resume ",
                                  " clock-jump ", " broker-lost-log", " republish "}) {
        wanted = wanted || line.find(context) != std::string::npos;
      }
      for (const std::string& id : ids) wanted = wanted || line.find(id) != std::string::npos;
      if (wanted) excerpt.push_back(line);
    }
    if (excerpt.size() > max_lines) excerpt.erase(excerpt.begin(), excerpt.end() - max_lines);
    return excerpt;
  }

 private:
  const Clock& clock_;
  TimestampMs start_ms_ = 0;
  uint64_t hash_ = 0xcbf29ce484222325ULL;
  std::ofstream file_;
  std::vector<std::string> lines_;
};

}  // namespace tinysaga::sim
