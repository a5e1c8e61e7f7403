#include "sim_command.h"

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>
#include <vector>

#include "tinysaga/core/saga_mode.h"
#include "tinysaga/sim/simulator.h"
#include "tinysaga/sim/sweep.h"

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
  command
      ->add_option("--jobs", options.jobs,
                   "Runs of a sweep at once, each in a process of its own (default: the "
                   "number of cores)")
      ->check(CLI::Range(1, 256));
  return command;
}

int RunSim(const SimCommandOptions& options) {
  spdlog::set_level(spdlog::level::off);  // injected faults make the services log by design
  // Each process runs its runs one after the other on one thread, and nothing else here uses
  // SQLite (a sweep's workers are processes: sim::RunSweep).
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
  const sim::Sweep runs{.base = sim::SimOptions{.seed = first,
                                                .sagas = options.sagas,
                                                .mode = modes.front(),
                                                .faults = *faults,
                                                .trace_path = options.trace,
                                                .break_name = options.break_name},
                        .first_seed = first,
                        .seeds = last - first + 1,
                        .modes = modes};
  const auto started = std::chrono::steady_clock::now();
  int failed = 0;
  bool error = false;
  int64_t sagas_run = 0;
  const auto print = [&](const sim::RunReport& report) {
    if (report.kind == sim::RunReport::Kind::kError) {
      std::cerr << "tinysaga sim: " << report.text << '\n';
      error = true;
      return false;
    }
    std::cout << report.text << std::flush;
    sagas_run += report.sagas_run;
    if (report.kind == sim::RunReport::Kind::kFailed) ++failed;
    return true;
  };
  const size_t jobs = std::min<size_t>(
      runs.size(), options.jobs > 0 ? static_cast<size_t>(options.jobs)
                                    : std::max(1U, std::thread::hardware_concurrency()));
  sim::RunSweep(runs, jobs, print);
  if (error) return 2;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (runs.size() > 1) {
    std::fprintf(
        stdout,
        "%llu runs, %d failed, %.1f s, %.1f runs/s, %.0f sagas/s (orders that left INITIATED)\n",
        static_cast<unsigned long long>(runs.size()), failed, seconds,
        static_cast<double>(runs.size()) / seconds, static_cast<double>(sagas_run) / seconds);
  }
  return failed == 0 ? 0 : 1;
}

}  // namespace tinysaga::app
