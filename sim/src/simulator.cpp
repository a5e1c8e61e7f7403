#include "tinysaga/sim/simulator.h"

#include <sqlite3.h>
#include <stdlib.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <utility>

#include "memory_databases.h"
#include "processes.h"
#include "tinysaga/bus/memory/memory_bus.h"
#include "tinysaga/bus/outbox_break.h"
#include "tinysaga/core/breaks.h"
#include "tinysaga/invariants/invariants.h"
#include "tinysaga/invariants/loader.h"
#include "tinysaga/storage/write_faults.h"
#include "trace.h"
#include "transport.h"
#include "workload.h"

namespace tinysaga::sim {
namespace {

// Once the faults stop, everything must be at rest within this much simulated time: the
// longest chain is a payment left PENDING (the reconciler resolves it after 60 s) whose saga
// then refunds with the wallet's retries.
constexpr int64_t kLivenessBoundMs = 15 * 60 * 1000;
// How often (simulated) a settling run is checked for rest: first after 5 s, then doubling.
constexpr int64_t kSettleCheckMs = 5'000;
constexpr int64_t kSettleCheckMaxMs = 80'000;

// Violations that only say the system is still moving: past the bound, a liveness failure.
// The order and saga ids a violation names ("ord_...", "sag_..."), to find their events.
std::vector<std::string> IdsIn(const std::vector<std::string>& violations) {
  std::vector<std::string> ids;
  for (const std::string& violation : violations) {
    for (const char* prefix : {"ord_", "sag_"}) {
      for (size_t at = violation.find(prefix); at != std::string::npos;
           at = violation.find(prefix, at + 1)) {
        size_t end = at;
        while (
            end < violation.size() &&
            (std::isalnum(static_cast<unsigned char>(violation[end])) || violation[end] == '_')) {
          ++end;
        }
        ids.push_back(violation.substr(at, end - at));
      }
    }
  }
  return ids;
}

bool NotAtRest(const invariants::Report& report) {
  return std::any_of(report.violations.begin(), report.violations.end(),
                     [](const invariants::Violation& violation) {
                       return violation.kind == invariants::ViolationKind::kInFlight ||
                              violation.kind == invariants::ViolationKind::kSagaOverdue ||
                              violation.kind == invariants::ViolationKind::kOutboxNotDrained ||
                              violation.kind == invariants::ViolationKind::kSagaMissing;
                     });
}

// Independent streams from one seed: the services', the workload's and the faults' draws
// do not shift each other when one of them changes.
uint64_t StreamSeed(uint64_t seed, uint64_t stream) {
  uint64_t mixed = seed * 0x9E3779B97F4A7C15ULL + stream * 0xD1B54A32D192ED03ULL;
  mixed ^= mixed >> 31;
  return mixed;
}

// The run's directory: its databases are in memory (MemoryDatabases), under this directory's
// unique name, and are written into it only if the run fails.
Result<std::string> MakeRunDir(const SimOptions& options) {
  // Absolute: the path also names the databases in memory, and only a name that starts with
  // '/' is one database shared by its connections (storage's "sqlite-memory:").
  std::error_code ignored;
  std::filesystem::path base =
      std::filesystem::absolute(!options.work_dir.empty() ? std::filesystem::path(options.work_dir)
                                                          : std::filesystem::temp_directory_path(),
                                ignored);
  std::string pattern = (base / ("tinysaga-sim-" + std::to_string(options.seed) + "-XXXXXX"));
  if (mkdtemp(pattern.data()) == nullptr) {
    return MakeError(Errc::kUnavailable, "cannot create a directory under " + base.string());
  }
  return pattern;
}

std::string Hex(uint64_t value) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
  return text;
}

struct Crash {
  TimestampMs at_ms = 0;
  std::string service;
  bool restart = false;  // false: the process dies; true: it starts again
};

// --break outbox-outside-tx with crash faults: of the relays' writes of set-aside outbox rows,
// this many per million find their process dead first (Run::CrashAtTheOutboxGap).
constexpr uint32_t kOutboxGapCrashPpm = 20'000;

// 1 to 3 crashes of random services during the workload, each down for up to 5 s.
std::vector<Crash> PlanCrashes(Rng& rng, const std::vector<std::string>& services,
                               TimestampMs from_ms, TimestampMs to_ms) {
  std::vector<Crash> plan;
  const int count = 1 + static_cast<int>(rng.Below(3));
  const auto span = static_cast<uint64_t>(std::max<int64_t>(1, to_ms - from_ms));
  for (int i = 0; i < count; ++i) {
    const TimestampMs at_ms = from_ms + static_cast<int64_t>(rng.Below(span));
    const std::string& service = services[rng.Below(services.size())];
    plan.push_back({at_ms, service, false});
    plan.push_back({at_ms + 1 + static_cast<int64_t>(rng.Below(5'000)), service, true});
  }
  std::stable_sort(plan.begin(), plan.end(),
                   [](const Crash& a, const Crash& b) { return a.at_ms < b.at_ms; });
  return plan;
}

// The faults that happen at a planned moment of the run, besides crashes.
struct PlannedFault {
  enum class Kind { kHang, kResume, kClockJump, kLoseLog };
  TimestampMs at_ms = 0;
  Kind kind = Kind::kHang;
  std::string service;   // none for kLoseLog
  int64_t delta_ms = 0;  // kClockJump: how far the service's clock moves
};

// Longer than a saga step's reply timeout (10 s) and Payment's wallet retries (3 attempts of
// 3 s), shorter than the choreography's give-up deadlines for a paid order (30 s) some of
// the time and longer other times.
constexpr int64_t kHangMinMs = 12'000;
constexpr int64_t kHangMaxMs = 45'000;

std::vector<PlannedFault> PlanFaults(Rng& rng, const FaultSet& faults,
                                     const std::vector<std::string>& services, TimestampMs from_ms,
                                     TimestampMs to_ms) {
  std::vector<PlannedFault> plan;
  const auto span = static_cast<uint64_t>(std::max<int64_t>(1, to_ms - from_ms));
  auto at = [&] { return from_ms + static_cast<int64_t>(rng.Below(span)); };
  auto service = [&]() -> const std::string& { return services[rng.Below(services.size())]; };
  using Kind = PlannedFault::Kind;
  if (faults.hang) {  // 1 or 2 hangs
    for (int i = 0, count = 1 + static_cast<int>(rng.Below(2)); i < count; ++i) {
      const TimestampMs from = at();
      const std::string& name = service();
      const int64_t length =
          kHangMinMs + static_cast<int64_t>(rng.Below(kHangMaxMs - kHangMinMs + 1));
      plan.push_back({from, Kind::kHang, name});
      plan.push_back({from + length, Kind::kResume, name});
    }
  }
  if (faults.clock_jump) {  // 1 to 3 jumps: two in three forward 1 s to 3 min, else back 0.2-2 s
    for (int i = 0, count = 1 + static_cast<int>(rng.Below(3)); i < count; ++i) {
      const TimestampMs when = at();
      const std::string& name = service();
      const int64_t delta = rng.Below(3) == 0 ? -(200 + static_cast<int64_t>(rng.Below(1'801)))
                                              : 1'000 + static_cast<int64_t>(rng.Below(179'001));
      plan.push_back({when, Kind::kClockJump, name, delta});
    }
  }
  if (faults.broker_loses_log && rng.Below(3) == 0) plan.push_back({at(), Kind::kLoseLog, ""});
  std::stable_sort(plan.begin(), plan.end(),
                   [](const PlannedFault& a, const PlannedFault& b) { return a.at_ms < b.at_ms; });
  return plan;
}

// db-busy, per write transaction: SQLITE_BUSY at BEGIN (another connection holds the write
// lock past the busy timeout; Db retries it), or the COMMIT failing with SQLITE_IOERR_FSYNC
// (the disk; rolled back, and the service must cope: Db does not retry an outcome it cannot
// know), or the same error AFTER the commit took effect (the flush failed once the commit
// record was on disk): the service is told it failed although it happened. Busy is rarer: Db's
// retry of it sleeps on the wall clock (2 ms), which only slows the run down.
constexpr uint32_t kDbBusyPpm = 300;
constexpr uint32_t kDbCommitFailedPpm = 2'000;
constexpr uint32_t kDbCommittedButFailedPpm = 1'000;

class Run {
 public:
  Run(const SimOptions& options, std::string dir)
      : options_(options),
        dir_(std::move(dir)),
        databases_(dir_),
        service_rng_(StreamSeed(options.seed, 1)),
        workload_rng_(StreamSeed(options.seed, 2)),
        fault_rng_(StreamSeed(options.seed, 3)),
        bus_rng_(StreamSeed(options.seed, 4)),
        plan_rng_(StreamSeed(options.seed, 5)),
        db_rng_(StreamSeed(options.seed, 6)),
        trace_(clock_, options.trace_path),
        bus_(std::make_shared<bus::MemoryBus>()),
        network_(clock_, fault_rng_, trace_),
        env_{databases_, options.mode, clock_, service_rng_, fault_rng_, bus_, network_, trace_} {
    trace_.StartAt(clock_.NowMs());
    if (options.break_name == "debit-id-per-attempt") network_.BreakDebitIds();
    if (IsBroken(Break::kOutboxOutsideTransaction)) {
      bus::SetOutboxGapCrashForSimulation([this](const std::string& db_file, size_t rows) {
        return CrashAtTheOutboxGap(db_file, rows);
      });
    }
  }
  ~Run() {
    bus::SetOutboxGapCrashForSimulation({});
    bus::ForgetAllSetAsideOutboxForSimulation();
  }
  Run(const Run&) = delete;
  Run& operator=(const Run&) = delete;

  Result<SimResult> Go() {
    for (const std::string& name : ServiceNames(options_.mode)) {
      TS_ASSIGN_OR_RETURN(processes_[name], StartProcess(env_, name));
    }
    const TimestampMs start_ms = clock_.NowMs();
    Workload workload(workload_rng_, network_, options_.sagas, start_ms + 1);
    TS_RETURN_IF_ERROR(workload.Seed());
    trace_.Add("seeded");
    StartFaults();
    if (options_.faults.crash) {
      TimestampMs last_ms = start_ms + 40LL * options_.sagas / 2 + 1;
      crashes_ = PlanCrashes(fault_rng_, ServiceNames(options_.mode), start_ms, last_ms);
    }
    planned_ = PlanFaults(plan_rng_, options_.faults, ServiceNames(options_.mode), start_ms,
                          start_ms + 40LL * options_.sagas / 2 + 1);

    SimResult result;
    result.seed = options_.seed;
    result.sagas = options_.sagas;
    result.mode = options_.mode;
    std::optional<invariants::Report> report;
    TimestampMs settled_check_ms = 0;
    int64_t check_interval_ms = kSettleCheckMs;
    for (;;) {
      const TimestampMs now_ms = clock_.NowMs();
      size_t done = workload.RunDue(now_ms);
      TS_RETURN_IF_ERROR(ApplyCrashes(now_ms));
      TS_RETURN_IF_ERROR(ApplyPlanned(now_ms));
      for (const std::string& name : ServiceNames(options_.mode)) {
        auto& process = processes_[name];
        if (process && !network_.hung(name)) done += process->Step(now_ms);
        if (crashed_at_outbox_gap_ == name) DieAtTheOutboxGap(now_ms);
      }
      if (done > 0) {
        clock_.AdvanceMs(1);
        continue;
      }
      if (bus_->DelayedCount() > 0) {  // nothing else moves: the held-back messages go now
        trace_.Add("release-delayed " + std::to_string(bus_->DelayedCount()));
        bus_->ReleaseDelayed();
        continue;
      }
      if (faults_on_ && workload.done() && crashes_.empty() && planned_.empty()) {
        TS_RETURN_IF_ERROR(StopFaults());
        continue;
      }
      if (!faults_on_ && now_ms >= settled_check_ms) {
        TS_ASSIGN_OR_RETURN(report, Evaluate(now_ms));
        if (report->ok()) break;
        // Checked again later, less often the longer it takes (a refund's backoff, the
        // reconciler's minute), so that a violation that stays costs few evaluations.
        settled_check_ms = now_ms + check_interval_ms;
        check_interval_ms = std::min<int64_t>(2 * check_interval_ms, kSettleCheckMaxMs);
      }
      if (!faults_on_ && now_ms - faults_stopped_ms_ > kLivenessBoundMs) {
        if (report && NotAtRest(*report)) {
          result.violations.push_back("liveness: not at rest " +
                                      std::to_string(kLivenessBoundMs / 1000) +
                                      " s (simulated) after the faults stopped");
        }
        break;
      }
      clock_.SetMs(std::max(now_ms + 1, NextEvent(workload, settled_check_ms)));
    }

    result.simulated_ms = clock_.NowMs() - start_ms;
    result.requests_given_up = workload.given_up();
    if (report) {
      for (const auto& [status, count] : report->summary.orders_by_status) {
        result.orders[status] = count;
      }
      for (const invariants::Violation& violation : report->violations) {
        result.violations.push_back(std::string(invariants::ViolationKindName(violation.kind)) +
                                    " " + violation.subject + ": " + violation.message);
      }
    }
    result.faults = FaultCounts();
    storage::SetWriteFaultHookForThisThread({});
    result.trace_hash = trace_.hash();
    // Printed only with a violation: a passing run does not scan its trace for it.
    if (!result.violations.empty()) {
      result.trace_excerpt = trace_.Excerpt(IdsIn(result.violations), 60);
    }
    processes_.clear();  // as at the end of a deployment: every connection but the kept one
    TS_ASSIGN_OR_RETURN(result.state_hash, databases_.Hash(ServiceNames(options_.mode)));
    if (!result.ok()) TS_RETURN_IF_ERROR(databases_.SaveTo(dir_));  // RunSimulation keeps dir_
    return result;
  }

 private:
  void StartFaults() {
    const FaultSet& faults = options_.faults;
    bus::RandomFaultOptions bus_faults{.fail_publish_ppm = faults.fail_publish ? 20'000u : 0u,
                                       .drop_ppm = faults.drop ? 5'000u : 0u,
                                       .duplicate_ppm = faults.duplicate ? 30'000u : 0u,
                                       .delay_ppm = faults.delay ? 50'000u : 0u,
                                       .delay_messages_max = 8};
    bus::FaultHook random = bus::RandomFaults(bus_faults, bus_rng_);
    bus_->SetFaultHook([random = std::move(random), &trace = trace_](const bus::Message& message) {
      bus::Fault fault = random(message);
      if (fault.kind != bus::FaultKind::kNone) {
        static constexpr const char* kNames[] = {"none", "fail-publish", "drop", "duplicate",
                                                 "delay"};
        trace.Add(std::string("fault ") + kNames[static_cast<int>(fault.kind)] + " " +
                  message.topic + " " + message.key + " " + message.id);
      }
      return fault;
    });
    if (faults.http) network_.SetFaults({.unreachable_ppm = 20'000, .answer_lost_ppm = 10'000});
    if (faults.crash) env_.lost_commit_ppm = 20'000;
    if (faults.db_busy) {
      storage::SetWriteFaultHookForThisThread(
          [this](const std::string& db_file, storage::WritePoint point) {
            return DbFault(db_file, point);
          });
    }
    faults_on_ = true;
  }

  // db-busy's draw for one write transaction of the service whose database is `db_file`.
  int DbFault(const std::string& db_file, storage::WritePoint point) {
    if (!faults_on_ || env_.db_faults_paused) return 0;
    struct Kind {
      uint32_t ppm;
      const char* name;
      int64_t* count;
      int code;
    };
    const Kind kind =
        point == storage::WritePoint::kBegin ? Kind{kDbBusyPpm, "db-busy", &db_busy_, SQLITE_BUSY}
        : point == storage::WritePoint::kCommit
            ? Kind{kDbCommitFailedPpm, "db-commit-failed", &db_commits_failed_, SQLITE_IOERR_FSYNC}
            : Kind{kDbCommittedButFailedPpm, "db-committed-but-failed", &db_committed_but_failed_,
                   SQLITE_IOERR_FSYNC};
    if (db_rng_.Below(1'000'000) >= kind.ppm) return 0;
    const std::string service = std::filesystem::path(db_file).stem().string();
    trace_.Add(std::string("fault ") + kind.name + " " + service);
    ++*kind.count;
    return kind.code;
  }

  // The faults stop: no more injected, every process up, and if the broker lost messages,
  // every outbox published again (as a service does when it finds a new broker).
  Result<void> StopFaults() {
    bus_->SetFaultHook({});
    network_.SetFaults({});
    env_.lost_commit_ppm = 0;
    storage::SetWriteFaultHookForThisThread({});
    faults_on_ = false;
    faults_stopped_ms_ = clock_.NowMs();
    trace_.Add("faults-stop");
    if (bus_->counters().dropped > 0 || !republish_.empty()) {
      republish_.clear();
      for (const std::string& name : ServiceNames(options_.mode)) {
        TS_ASSIGN_OR_RETURN(size_t republished, processes_[name]->Republish());
        trace_.Add("republish " + name + " " + std::to_string(republished));
      }
    }
    return Ok();
  }

  Result<void> ApplyCrashes(TimestampMs now_ms) {
    while (!crashes_.empty() && crashes_.front().at_ms <= now_ms) {
      const Crash crash = crashes_.front();
      crashes_.erase(crashes_.begin());
      auto& process = processes_[crash.service];
      if (!crash.restart && process) {
        trace_.Add("crash " + crash.service);
        // What it held in memory dies with it (--break outbox-outside-tx's set-aside rows).
        if (IsBroken(Break::kOutboxOutsideTransaction)) {
          bus::ForgetSetAsideOutboxForSimulation(process->db());
        }
        process.reset();
        ++crashes_applied_;
      } else if (crash.restart && !process) {
        trace_.Add("restart " + crash.service);
        TS_ASSIGN_OR_RETURN(process, StartProcess(env_, crash.service));
        TS_RETURN_IF_ERROR(RepublishIfOwed(crash.service));
      }
    }
    return Ok();
  }

  // --break outbox-outside-tx, with crashes: a process about to write the outbox rows it set
  // aside after its state's commit dies there (kOutboxGapCrashPpm of those writes), and they
  // are lost. The relay that asks runs in its own process's step, which ends at once
  // (RelayOnce fails); DieAtTheOutboxGap() then takes the process down, restarted later as
  // after a planned crash.
  bool CrashAtTheOutboxGap(const std::string& db_file, size_t rows) {
    if (!faults_on_ || !options_.faults.crash) return false;
    if (break_rng_.Below(1'000'000) >= kOutboxGapCrashPpm) return false;
    crashed_at_outbox_gap_ = std::filesystem::path(db_file).stem().string();
    trace_.Add("crash " + crashed_at_outbox_gap_ + " after a commit, before its outbox rows (" +
               std::to_string(rows) + " lost)");
    return true;
  }

  void DieAtTheOutboxGap(TimestampMs now_ms) {
    const std::string service = std::exchange(crashed_at_outbox_gap_, std::string());
    processes_[service].reset();
    ++crashes_applied_;
    const Crash restart{now_ms + 1 + static_cast<int64_t>(break_rng_.Below(5'000)), service, true};
    crashes_.insert(
        std::upper_bound(crashes_.begin(), crashes_.end(), restart,
                         [](const Crash& a, const Crash& b) { return a.at_ms < b.at_ms; }),
        restart);
  }

  // A process that was down or hung when the broker lost its log publishes its outbox again
  // when it comes back, as a service starting on a new broker does (Messaging::UseBroker).
  Result<void> RepublishIfOwed(const std::string& service) {
    auto& process = processes_[service];
    if (!republish_.contains(service) || !process || network_.hung(service)) return Ok();
    republish_.erase(service);
    TS_ASSIGN_OR_RETURN(size_t republished, process->Republish());
    trace_.Add("republish " + service + " " + std::to_string(republished));
    return Ok();
  }

  Result<void> ApplyPlanned(TimestampMs now_ms) {
    while (!planned_.empty() && planned_.front().at_ms <= now_ms) {
      const PlannedFault fault = planned_.front();
      planned_.erase(planned_.begin());
      switch (fault.kind) {
        case PlannedFault::Kind::kHang:
          if (processes_[fault.service] && !network_.hung(fault.service)) {
            trace_.Add("hang " + fault.service);
            network_.Hang(fault.service);
            ++hangs_;
          }
          break;
        case PlannedFault::Kind::kResume:
          if (network_.hung(fault.service)) {
            trace_.Add("resume " + fault.service);
            const size_t backlog = network_.Resume(fault.service);
            trace_.Add("resumed " + fault.service + " backlog " + std::to_string(backlog));
            TS_RETURN_IF_ERROR(RepublishIfOwed(fault.service));
          }
          break;
        case PlannedFault::Kind::kClockJump:
          env_.clock_offset_ms[fault.service] += fault.delta_ms;
          trace_.Add("clock-jump " + fault.service + " " + (fault.delta_ms > 0 ? "+" : "") +
                     std::to_string(fault.delta_ms) + " ms");
          ++clock_jumps_;
          break;
        case PlannedFault::Kind::kLoseLog:
          trace_.Add("broker-lost-log");
          bus_->LoseEverything();
          ++logs_lost_;
          for (const std::string& name : ServiceNames(options_.mode)) {
            republish_.insert(name);
            TS_RETURN_IF_ERROR(RepublishIfOwed(name));
          }
          break;
      }
    }
    return Ok();
  }

  TimestampMs NextEvent(const Workload& workload, TimestampMs settled_check_ms) {
    std::optional<TimestampMs> next = workload.NextAt();
    auto consider = [&next](std::optional<TimestampMs> at_ms) {
      if (at_ms && (!next || *at_ms < *next)) next = at_ms;
    };
    if (!crashes_.empty()) consider(crashes_.front().at_ms);
    if (!planned_.empty()) consider(planned_.front().at_ms);
    for (const std::string& name : ServiceNames(options_.mode)) {
      auto& process = processes_[name];
      if (process && !network_.hung(name)) consider(process->NextWakeup());
    }
    if (!faults_on_) consider(settled_check_ms);
    return next.value_or(clock_.NowMs() + 1);
  }

  Result<invariants::Report> Evaluate(TimestampMs now_ms) {
    TS_ASSIGN_OR_RETURN(invariants::Snapshot snapshot,
                        invariants::LoadSnapshot(databases_.url_template()));
    return invariants::Evaluate(snapshot, invariants::Rules{.settled = true, .now_ms = now_ms});
  }

  std::map<std::string, int64_t> FaultCounts() const {
    const bus::MemoryBusCounters bus = bus_->counters();
    std::map<std::string, int64_t> counts = {
        {"fail-publish", static_cast<int64_t>(bus.failed)},
        {"drop", static_cast<int64_t>(bus.dropped)},
        {"duplicate", static_cast<int64_t>(bus.duplicated)},
        {"delay", static_cast<int64_t>(bus.delayed)},
        {"http-unreachable", static_cast<int64_t>(network_.unreachable())},
        {"http-answer-lost", static_cast<int64_t>(network_.answers_lost())},
        {"crash", crashes_applied_},
        {"lost-commit", static_cast<int64_t>(env_.lost_commits)},
        {"hang", hangs_},
        {"http-hung", static_cast<int64_t>(network_.unanswered_hung())},
        {"clock-jump", clock_jumps_},
        {"db-busy", db_busy_},
        {"db-commit-failed", db_commits_failed_},
        {"db-committed-but-failed", db_committed_but_failed_},
        {"broker-lost-log", logs_lost_}};
    std::erase_if(counts, [](const auto& entry) { return entry.second == 0; });
    return counts;
  }

  const SimOptions options_;
  const std::string dir_;  // the databases of a failing run are saved here
  MemoryDatabases databases_;
  ManualClock clock_;
  SeededRng service_rng_;
  SeededRng workload_rng_;
  SeededRng fault_rng_;
  SeededRng bus_rng_;
  SeededRng plan_rng_;  // hangs, clock jumps, the broker's loss
  SeededRng db_rng_;    // db-busy, drawn per write transaction
  Trace trace_;
  std::shared_ptr<bus::MemoryBus> bus_;
  InProcessNetwork network_;
  SimEnv env_;
  std::map<std::string, std::unique_ptr<Process>> processes_;
  std::vector<Crash> crashes_;
  int64_t crashes_applied_ = 0;
  std::string crashed_at_outbox_gap_;  // the service CrashAtTheOutboxGap() chose, until it dies
  SeededRng break_rng_{StreamSeed(options_.seed, 7)};  // the breaks' own draws
  std::vector<PlannedFault> planned_;
  std::set<std::string> republish_;  // owe a republish since the broker lost its log
  int64_t hangs_ = 0;
  int64_t clock_jumps_ = 0;
  int64_t db_busy_ = 0;
  int64_t db_commits_failed_ = 0;
  int64_t db_committed_but_failed_ = 0;
  int64_t logs_lost_ = 0;
  bool faults_on_ = false;
  TimestampMs faults_stopped_ms_ = 0;
};

}  // namespace

Result<FaultSet> ParseFaults(std::string_view list) {
  FaultSet faults;
  if (list == "none" || list.empty()) return faults;
  if (list == "all") {
    return FaultSet{true, true, true, true, true, true, true, true, true, true};
  }
  std::stringstream items{std::string(list)};
  std::string item;
  while (std::getline(items, item, ',')) {
    if (item == "fail-publish")
      faults.fail_publish = true;
    else if (item == "drop")
      faults.drop = true;
    else if (item == "duplicate")
      faults.duplicate = true;
    else if (item == "delay")
      faults.delay = true;
    else if (item == "http")
      faults.http = true;
    else if (item == "crash")
      faults.crash = true;
    else if (item == "hang")
      faults.hang = true;
    else if (item == "clock-jump")
      faults.clock_jump = true;
    else if (item == "db-busy")
      faults.db_busy = true;
    else if (item == "broker-loses-log")
      faults.broker_loses_log = true;
    else
      return MakeError(Errc::kInvalidRequest,
                       "unknown fault '" + item +
                           "' (all, none, fail-publish, drop, duplicate, delay, http, crash, "
                           "hang, clock-jump, db-busy, broker-loses-log)");
  }
  return faults;
}

std::string FaultsName(const FaultSet& faults) {
  if (faults == ParseFaults("all").value()) return "all";
  std::string names;
  auto add = [&names](bool on, const char* name) {
    if (!on) return;
    if (!names.empty()) names += ',';
    names += name;
  };
  add(faults.fail_publish, "fail-publish");
  add(faults.drop, "drop");
  add(faults.duplicate, "duplicate");
  add(faults.delay, "delay");
  add(faults.http, "http");
  add(faults.crash, "crash");
  add(faults.hang, "hang");
  add(faults.clock_jump, "clock-jump");
  add(faults.db_busy, "db-busy");
  add(faults.broker_loses_log, "broker-loses-log");
  return names.empty() ? "none" : names;
}

const std::vector<std::string>& ListBreaks() {
  static const std::vector<std::string> breaks = [] {
    std::vector<std::string> names = {"debit-id-per-attempt"};  // emulated here (transport)
    for (Break which : AllBreaks()) names.emplace_back(BreakName(which));  // in the services
    return names;
  }();
  return breaks;
}

Result<SimResult> RunSimulation(const SimOptions& options) {
  if (options.sagas < 1) return MakeError(Errc::kInvalidRequest, "--sagas must be at least 1");
  if (!options.break_name.empty() && std::find(ListBreaks().begin(), ListBreaks().end(),
                                               options.break_name) == ListBreaks().end()) {
    return MakeError(Errc::kInvalidRequest,
                     "unknown break '" + options.break_name + "' (tinysaga sim --list-breaks)");
  }
  TS_ASSIGN_OR_RETURN(std::string dir, MakeRunDir(options));
  Result<SimResult> result = [&] {
    // In the services' code for this run only: the next run (tests run several in one process)
    // starts with every mechanism on.
    const ScopedBreakForSimulation broken(BreakNamed(options.break_name));
    return Run(options, dir).Go();
  }();
  std::error_code ignored;
  if (result.ok() && !result->ok()) {
    result->kept_dir = dir;  // for `tinysaga check --data DIR`
  } else {
    std::filesystem::remove_all(dir, ignored);
  }
  return result;
}

bool UseSqliteOnOneThreadOnly() {
  // Both fail with SQLITE_MISUSE once SQLite is initialised: the settings are fixed by then.
  if (sqlite3_config(SQLITE_CONFIG_SINGLETHREAD) != SQLITE_OK ||
      sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK) {
    return false;
  }
  // A process's two connections (its writer and its one reader) then share one page cache:
  // otherwise every commit of the writer made the reader drop its cache and read the pages
  // again from the WAL file. The runs never read while a write is open (a shared cache would
  // answer such a read SQLITE_LOCKED), so nothing they do changes.
  return sqlite3_enable_shared_cache(1) == SQLITE_OK;
}

std::string SummaryLine(const SimResult& result) {
  auto join = [](const std::map<std::string, int64_t>& counts) {
    std::string text;
    for (const auto& [name, count] : counts) {
      if (!text.empty()) text += ',';
      text += name + ":" + std::to_string(count);
    }
    return text.empty() ? std::string("none") : text;
  };
  return "seed=" + std::to_string(result.seed) + " mode=" + std::string(SagaModeName(result.mode)) +
         " sagas=" + std::to_string(result.sagas) + " orders=" + join(result.orders) +
         " faults=" + join(result.faults) + " sim_ms=" + std::to_string(result.simulated_ms) +
         " state=" + Hex(result.state_hash) + " trace=" + Hex(result.trace_hash) +
         (result.ok() ? " ok" : " VIOLATION");
}

std::string ReplayCommand(const SimOptions& options) {
  return "tinysaga sim --seed " + std::to_string(options.seed) + " --mode " +
         std::string(SagaModeName(options.mode)) + " --sagas " + std::to_string(options.sagas) +
         " --faults " + FaultsName(options.faults) +
         (options.break_name.empty() ? "" : " --break " + options.break_name) + " --trace sim-" +
         std::to_string(options.seed) + ".trace";
}

}  // namespace tinysaga::sim
