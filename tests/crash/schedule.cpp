#include "schedule.h"

#include <cstdio>
#include <random>
#include <utility>

namespace tinysaga::crash {
namespace {

// A draw in [0, bound): the modulo's bias is far below anything a schedule could show.
uint64_t Below(std::mt19937_64& random, uint64_t bound) { return random() % bound; }

}  // namespace

std::vector<PlannedKill> PlanKills(uint64_t seed, const std::vector<std::string>& processes,
                                   const ScheduleOptions& options) {
  std::vector<PlannedKill> kills;
  for (int round = 0; round < options.kills_each; ++round) {
    for (const auto& process : processes) kills.push_back({process, {}});
  }
  std::mt19937_64 random(seed);
  // Fisher-Yates.
  for (size_t i = kills.size(); i > 1; --i) std::swap(kills[i - 1], kills[Below(random, i)]);
  const auto span = static_cast<uint64_t>((options.gap_max - options.gap_min).count()) + 1;
  for (auto& kill : kills) {
    kill.gap = options.gap_min + std::chrono::milliseconds(Below(random, span));
  }
  return kills;
}

std::string Describe(const std::vector<PlannedKill>& kills) {
  std::string text;
  for (const auto& kill : kills) {
    char gap[32];
    std::snprintf(gap, sizeof gap, " +%.3fs", static_cast<double>(kill.gap.count()) / 1000.0);
    text += (text.empty() ? "" : ", ") + kill.process + gap;
  }
  return text;
}

}  // namespace tinysaga::crash
