#include "sim_command.h"

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <vector>

#include "tinysaga/core/saga_mode.h"
#include "tinysaga/sim/simulator.h"

namespace tinysaga::app {
namespace {

// "A..B" (inclusive, A <= B) into its bounds; false when malformed.
bool ParseSeedRange(const std::string& text, uint64_t& first, uint64_t& last) {
  const size_t dots = text.find("..");
  if (dots == std::string::npos || dots == 0 || dots + 2 >= text.size()) return false;
  try {
    size_t used = 0;
    first = std::stoull(text.substr(0, dots), &used);
    if (used != dots) return false;
    last = std::stoull(text.substr(dots + 2), &used);
    if (used != text.size() - dots - 2) return false;
  } catch (const std::exception&) {
    return false;
  }
  return first <= last;
}

}  // namespace

CLI::App* AddSimCommand(CLI::App& app, SimCommandOptions& options) {
  auto* command = app.add_subcommand(
      "sim", "Deterministic simulation: every service in one process, seeded faults, replayable");
  command->add_option("--seed", options.seed, "The seed of one run");
  command->add_option("--seeds", options.seeds, "A sweep of seeds, A..B inclusive");
  command->add_option("--sagas", options.sagas, "Orders placed per run")
      ->check(CLI::Range(1, 100'000));
  command->add_option("--mode", options.mode, "Saga mode: orchestration, choreography or both")
      ->check(CLI::IsMember({"orchestration", "choreography", "both"}));
  command->add_option("--faults", options.faults,
                      "all, none, or a list of fail-publish,drop,duplicate,delay,http,crash");
  command->add_option("--trace", options.trace, "Write every event of the run to FILE");
  command->add_option("--break", options.break_name,
                      "Switch a safety mechanism off on purpose (see --list-breaks)");
  command->add_flag("--list-breaks", options.list_breaks, "Print the --break names, one a line");
  return command;
}

int RunSim(const SimCommandOptions& options) {
  spdlog::set_level(spdlog::level::off);  // injected faults make the services log by design
  // The runs below are one after the other on this thread, and nothing else here uses SQLite.
  if (!sim::UseSqliteOnOneThreadOnly()) {
    std::cerr << "tinysaga sim: SQLite started before the simulator (runs slower)\n";
  }
  if (options.list_breaks) {
    for (const std::string& name : sim::ListBreaks()) std::cout << name << '\n';
    return 0;
  }
  auto faults = sim::ParseFaults(options.faults);
  if (!faults.ok()) {
    std::cerr << "tinysaga sim: " << faults.error().detail << '\n';
    return 2;
  }
  uint64_t first = options.seed;
  uint64_t last = options.seed;
  if (!options.seeds.empty() && !ParseSeedRange(options.seeds, first, last)) {
    std::cerr << "tinysaga sim: --seeds must be A..B with A <= B\n";
    return 2;
  }
  std::vector<SagaMode> modes = {SagaMode::kOrchestration, SagaMode::kChoreography};
  if (options.mode != "both") modes = {SagaModesByName().at(options.mode)};
  if (!options.trace.empty() && (first != last || modes.size() > 1)) {
    std::cerr << "tinysaga sim: --trace needs a single --seed and --mode\n";
    return 2;
  }
  const auto started = std::chrono::steady_clock::now();
  int failed = 0;
  uint64_t runs = 0;
  int64_t sagas_run = 0;
  for (uint64_t seed = first;; ++seed) {
    for (SagaMode mode : modes) {
      ++runs;
      sim::SimOptions run{.seed = seed,
                          .sagas = options.sagas,
                          .mode = mode,
                          .faults = *faults,
                          .trace_path = options.trace,
                          .break_name = options.break_name};
      auto result = sim::RunSimulation(run);
      if (!result.ok()) {
        std::cerr << "tinysaga sim: seed " << seed << ": " << result.error().detail << '\n';
        return 2;
      }
      std::cout << sim::SummaryLine(*result) << std::endl;
      sagas_run += result->sagas_run();
      if (!result->ok()) {
        ++failed;
        for (const std::string& violation : result->violations)
          std::cout << "  violation: " << violation << '\n';
        std::cout << "  events of the orders and sagas it names:\n";
        for (const std::string& line : result->trace_excerpt) std::cout << "    " << line << '\n';
        std::cout << "  databases kept in " << result->kept_dir << " (tinysaga check --data "
                  << result->kept_dir << ")\n"
                  << "  replay: " << sim::ReplayCommand(run) << std::endl;
      }
    }
    if (seed == last) break;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (runs > 1) {
    std::fprintf(
        stdout,
        "%llu runs, %d failed, %.1f s, %.1f runs/s, %.0f sagas/s (orders that left INITIATED)\n",
        static_cast<unsigned long long>(runs), failed, seconds, static_cast<double>(runs) / seconds,
        static_cast<double>(sagas_run) / seconds);
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace tinysaga::app
