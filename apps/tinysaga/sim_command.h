#pragma once
// `tinysaga sim`: the deterministic simulator (sim/, docs/simulation.md).
//
//   tinysaga sim [--seed N | --seeds A..B] [--sagas N] [--mode orchestration]
//                [--faults LIST] [--break NAME] [--trace FILE] [--jobs N]
//   tinysaga sim --list-breaks
//
// One line per seed (seed, orders by status, faults injected by kind, simulated time, hashes of
// the final state and of the event trace). On a violation: the violations, the last events of
// the trace, the directory holding the databases and the command that replays the seed.
// Exit codes: 0 every seed passed; 1 a seed found a violation; 2 bad arguments, or the world
// could not be built.

#include <cstdint>
#include <string>

namespace CLI {
class App;
}

namespace tinysaga::app {

struct SimCommandOptions {
  uint64_t seed = 1;
  std::string seeds;  // "A..B": a sweep; wins over seed
  int sagas = 100;
  std::string mode = "orchestration";
  std::string faults = "all";
  std::string trace;
  std::string break_name;
  bool list_breaks = false;
  int jobs = 0;  // runs of a sweep at once; 0: one per core
};

CLI::App* AddSimCommand(CLI::App& app, SimCommandOptions& options);
int RunSim(const SimCommandOptions& options);

}  // namespace tinysaga::app
