#pragma once
// The crash test's schedule (issue 4): which process of `tinysaga up` is killed with -9, in
// which order, and how long after the previous restart was ready. Pure: one seed gives one
// schedule, so a failing run's schedule is replayed by its seed. (The instants the kills land
// at, relative to what the services are doing then, still vary with timing: the schedule is
// the test's input, the system's answer to it is what the test checks.)

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace tinysaga::crash {

struct PlannedKill {
  std::string process;  // a name of up.json, e.g. "payment-1"
  // The pause before this kill: after sagas flow under the load (the first kill), else after
  // the previous kill's process was restarted and ready again.
  std::chrono::milliseconds gap{0};
};

struct ScheduleOptions {
  int kills_each = 2;  // every process is killed this many times
  std::chrono::milliseconds gap_min{200};
  std::chrono::milliseconds gap_max{2'500};
};

// Every process `kills_each` times, in an order shuffled by the seed, each with a gap drawn
// uniformly from [gap_min, gap_max] (millisecond steps). The draws are taken straight from
// std::mt19937_64 (whose sequence the standard fixes), not from std::shuffle or the
// distributions, whose results differ between standard libraries.
std::vector<PlannedKill> PlanKills(uint64_t seed, const std::vector<std::string>& processes,
                                   const ScheduleOptions& options = {});

// "payment-1 +1.234s, order-1 +0.301s, ..."
std::string Describe(const std::vector<PlannedKill>& kills);

}  // namespace tinysaga::crash
