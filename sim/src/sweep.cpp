#include "tinysaga/sim/sweep.h"

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <optional>
#include <sstream>

namespace tinysaga::sim {
namespace {

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

// RunSweep with workers; false, having run nothing, when they cannot be started.
bool RunInWorkers(const Sweep& runs, size_t jobs,
                  const std::function<bool(const RunReport&)>& print) {
  struct Worker {
    pid_t pid = -1;
    std::FILE* reports = nullptr;
  };
  std::vector<Worker> workers;
  // Waits for every worker to end; `stop_them` first asks them to (an error ends the sweep).
  const auto end_workers = [&workers](bool stop_them) {
    for (const Worker& worker : workers) {
      if (stop_them) kill(worker.pid, SIGTERM);
      std::fclose(worker.reports);
      waitpid(worker.pid, nullptr, 0);
    }
  };
  std::fflush(nullptr);  // nothing buffered is written twice by the children
  for (size_t w = 0; w < jobs; ++w) {
    int fds[2];
    if (pipe(fds) != 0) {
      end_workers(/*stop_them=*/true);
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
      end_workers(/*stop_them=*/true);
      return false;
    }
    workers.push_back(Worker{pid, fdopen(fds[0], "r")});
  }
  bool go_on = true;
  for (size_t i = 0; go_on && i < runs.size(); ++i) {
    std::optional<RunReport> report = ReadReport(workers[i % jobs].reports);
    if (!report) {
      report = RunReport{.kind = RunReport::Kind::kError,
                         .sagas_run = 0,
                         .text = "seed " + std::to_string(runs.At(i).seed) +
                                 ": the run's process died; replay: " + ReplayCommand(runs.At(i))};
    }
    go_on = print(*report);
  }
  end_workers(/*stop_them=*/!go_on);
  return true;
}

}  // namespace

RunReport RunOne(const SimOptions& run) {
  auto result = RunSimulation(run);
  if (!result.ok()) {
    return RunReport{.kind = RunReport::Kind::kError,
                     .sagas_run = 0,
                     .text = "seed " + std::to_string(run.seed) + ": " + result.error().detail};
  }
  std::ostringstream out;
  out << SummaryLine(*result) << '\n';
  if (!result->ok()) {
    for (const std::string& violation : result->violations)
      out << "  violation: " << violation << '\n';
    out << "  events of the orders and sagas it names:\n";
    for (const std::string& line : result->trace_excerpt) out << "    " << line << '\n';
    out << "  databases kept in " << result->kept_dir << " (tinysaga check --data "
        << result->kept_dir << ")\n"
        << "  replay: " << ReplayCommand(run) << '\n';
  }
  return RunReport{.kind = result->ok() ? RunReport::Kind::kPassed : RunReport::Kind::kFailed,
                   .sagas_run = result->sagas_run(),
                   .text = out.str()};
}

SimOptions Sweep::At(size_t i) const {
  SimOptions run = base;
  run.seed = first_seed + i / modes.size();
  run.mode = modes[i % modes.size()];
  return run;
}

void RunSweep(const Sweep& sweep, size_t jobs, const std::function<bool(const RunReport&)>& print) {
  if (jobs > 1 && RunInWorkers(sweep, jobs, print)) return;
  for (size_t i = 0; i < sweep.size(); ++i) {
    if (!print(RunOne(sweep.At(i)))) return;
  }
}

}  // namespace tinysaga::sim
