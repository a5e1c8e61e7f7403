#pragma once
// A sweep: many seeded runs (seeds, and modes within a seed), run one after the other or in
// worker processes, their reports handed back in run order either way. What `tinysaga sim`
// prints; docs/simulation.md.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tinysaga/core/saga_mode.h"
#include "tinysaga/sim/simulator.h"

namespace tinysaga::sim {

// One run's outcome, as a sweep prints it.
struct RunReport {
  enum class Kind { kPassed, kFailed, kError };
  Kind kind = Kind::kPassed;
  int64_t sagas_run = 0;
  // The summary line and, for a failure, what it found and how to replay it; for kError, why
  // the world could not be built (or the run's process died).
  std::string text;
};

// Runs `run` on this thread.
RunReport RunOne(const SimOptions& run);

// The runs of a sweep, seed by seed and, within a seed, mode by mode.
struct Sweep {
  SimOptions base;  // everything but the seed and the mode
  uint64_t first_seed = 0;
  uint64_t seeds = 0;
  std::vector<SagaMode> modes;

  size_t size() const { return static_cast<size_t>(seeds) * modes.size(); }
  SimOptions At(size_t i) const;
};

// Runs every run of `sweep` and hands each report to `print`, in run order, until `print`
// returns false (the caller stops at a kError). With `jobs` > 1 the runs go to that many worker
// processes: run i to worker i % jobs, which runs its share one after the other and writes
// each report to its pipe; reading the pipes round-robin is then reading in run order.
// Processes, not threads: the runs share nothing, the simulator keeps SQLite single-threaded
// for speed (UseSqliteOnOneThreadOnly), and a run that crashes takes only its worker with it
// (reported as a kError naming its seed). Each run is as deterministic as alone: its seed is
// all it depends on. When no worker can be started, the runs happen on this thread.
void RunSweep(const Sweep& sweep, size_t jobs, const std::function<bool(const RunReport&)>& print);

}  // namespace tinysaga::sim
