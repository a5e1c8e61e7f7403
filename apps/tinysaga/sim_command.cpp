#include "sim_command.h"

#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <functional>
#include <iostream>
#include <optional>
#include <sstream>
#include <thread>
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

// One run's outcome, as the sweep prints it.
struct RunReport {
  enum class Kind { kPassed, kFailed, kError };
  Kind kind = Kind::kPassed;
  int64_t sagas_run = 0;
  // The summary line and, for a failure, what it found and how to replay it; for kError, why
  // the world could not be built.
  std::string text;
};

RunReport RunOne(const sim::SimOptions& run) {
  auto result = sim::RunSimulation(run);
  if (!result.ok()) {
    return RunReport{.kind = RunReport::Kind::kError,
                     .sagas_run = 0,
                     .text = "seed " + std::to_string(run.seed) + ": " + result.error().detail};
  }
  std::ostringstream out;
  out << sim::SummaryLine(*result) << '\n';
  if (!result->ok()) {
    for (const std::string& violation : result->violations)
      out << "  violation: " << violation << '\n';
    out << "  events of the orders and sagas it names:\n";
    for (const std::string& line : result->trace_excerpt) out << "    " << line << '\n';
    out << "  databases kept in " << result->kept_dir << " (tinysaga check --data "
        << result->kept_dir << ")\n"
        << "  replay: " << sim::ReplayCommand(run) << '\n';
  }
  return RunReport{.kind = result->ok() ? RunReport::Kind::kPassed : RunReport::Kind::kFailed,
                   .sagas_run = result->sagas_run(),
                   .text = out.str()};
}

// A report over a pipe: "KIND SAGAS LENGTH\n" then LENGTH bytes of text.
void WriteReport(std::FILE* out, const RunReport& report) {
  std::fprintf(out, "%d %lld %zu\n", static_cast<int>(report.kind),
               static_cast<long long>(report.sagas_run), report.text.size());
  std::fwrite(report.text.data(), 1, report.text.size(), out);
  std::fflush(out);
}

// The next report on `in`; nullopt when the worker ended without one (it died).
std::optional<RunReport> ReadReport(std::FILE* in) {
  int kind = 0;
  long long sagas_run = 0;
  size_t length = 0;
  if (std::fscanf(in, "%d %lld %zu", &kind, &sagas_run, &length) != 3 || std::fgetc(in) != '\n')
    return std::nullopt;
  std::string text(length, '\0');
  if (std::fread(text.data(), 1, length, in) != length) return std::nullopt;
  return RunReport{static_cast<RunReport::Kind>(kind), sagas_run, std::move(text)};
}

// The runs of a sweep, seed by seed and, within a seed, mode by mode.
struct Sweep {
  sim::SimOptions base;  // everything but the seed and the mode
  uint64_t first_seed = 0;
  uint64_t seeds = 0;
  std::vector<SagaMode> modes;

  size_t size() const { return static_cast<size_t>(seeds) * modes.size(); }
  sim::SimOptions At(size_t i) const {
    sim::SimOptions run = base;
    run.seed = first_seed + i / modes.size();
    run.mode = modes[i % modes.size()];
    return run;
  }
};

// Runs `runs` in `jobs` worker processes and hands their reports to `print` in run order. Run i
// goes to worker i % jobs, which runs its share one after the other and writes each report to
// its pipe as it ends; reading the pipes round-robin is then reading in run order. Processes,
// not threads: the runs share nothing, the simulator keeps SQLite single-threaded for speed
// (UseSqliteOnOneThreadOnly), and a run that crashes takes only its worker with it. Each run
// is as deterministic as alone: the seed is all it depends on.
// Returns false when a worker died (reported as a failure of the run it was on).
bool RunInWorkers(const Sweep& runs, size_t jobs,
                  const std::function<bool(const RunReport&)>& print) {
  struct Worker {
    pid_t pid = -1;
    std::FILE* reports = nullptr;
  };
  std::vector<Worker> workers;
  const auto stop = [&workers] {
    for (const Worker& worker : workers) {
      kill(worker.pid, SIGTERM);
      std::fclose(worker.reports);
      waitpid(worker.pid, nullptr, 0);
    }
  };
  std::fflush(nullptr);  // nothing buffered is written twice by the children
  for (size_t w = 0; w < jobs; ++w) {
    int fds[2];
    if (pipe(fds) != 0) {
      stop();
      return false;
    }
    const pid_t pid = fork();
    if (pid == 0) {
      close(fds[0]);
      for (const Worker& other : workers) std::fclose(other.reports);
      std::FILE* out = fdopen(fds[1], "w");
      for (size_t i = w; i < runs.size(); i += jobs) {
        const RunReport report = RunOne(runs.At(i));
        WriteReport(out, report);
        if (report.kind == RunReport::Kind::kError) break;
      }
      std::fclose(out);
      _exit(0);  // no exit handlers: they belong to the parent
    }
    close(fds[1]);
    if (pid < 0) {
      close(fds[0]);
      stop();
      return false;
    }
    workers.push_back(Worker{pid, fdopen(fds[0], "r")});
  }
  bool go_on = true;
  for (size_t i = 0; go_on && i < runs.size(); ++i) {
    std::optional<RunReport> report = ReadReport(workers[i % jobs].reports);
    if (!report) {
      report =
          RunReport{.kind = RunReport::Kind::kError,
                    .sagas_run = 0,
                    .text = "seed " + std::to_string(runs.At(i).seed) +
                            ": the run's process died; replay: " + sim::ReplayCommand(runs.At(i))};
    }
    go_on = print(*report);
  }
  if (!go_on) {
    stop();  // an error ends the sweep
    return true;
  }
  for (const Worker& worker : workers) {
    std::fclose(worker.reports);
    waitpid(worker.pid, nullptr, 0);
  }
  return true;
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
  // SQLite (a sweep's workers are processes: RunInWorkers).
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
  const Sweep runs{.base = sim::SimOptions{.seed = first,
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
  const auto print = [&](const RunReport& report) {
    if (report.kind == RunReport::Kind::kError) {
      std::cerr << "tinysaga sim: " << report.text << '\n';
      error = true;
      return false;
    }
    std::cout << report.text << std::flush;
    sagas_run += report.sagas_run;
    if (report.kind == RunReport::Kind::kFailed) ++failed;
    return true;
  };
  const size_t jobs = std::min<size_t>(
      runs.size(), options.jobs > 0 ? static_cast<size_t>(options.jobs)
                                    : std::max(1U, std::thread::hardware_concurrency()));
  if (jobs <= 1 || !RunInWorkers(runs, jobs, print)) {
    for (size_t i = 0; i < runs.size(); ++i) {
      if (!print(RunOne(runs.At(i)))) break;
    }
  }
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
