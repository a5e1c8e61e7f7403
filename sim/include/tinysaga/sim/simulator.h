#pragma once
// The deterministic simulator (issue 14, docs/simulation.md): the services' real handlers,
// repositories (SQLite in a temporary directory, synchronous=OFF), outbox relays, inbox
// consumers and the orchestrator, in one thread, on the in-memory bus, an in-process HTTP
// transport and a simulated clock that jumps to the next event. One seed drives the
// workload and the faults; after the run the invariants of `tinysaga check` are evaluated,
// plus liveness (everything at rest within a simulated bound once the faults stopped).
// The same seed gives the same hashes of the final state and of the event trace.
//
// Thread safety: RunSimulation may run in several threads at once (each run owns its world),
// except a run with a break in the services' code (ListBreaks), which is process-wide.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tinysaga/core/result.h"
#include "tinysaga/core/saga_mode.h"

namespace tinysaga::sim {

// Which kinds of fault a run may inject. Each is drawn from the seed.
struct FaultSet {
  bool fail_publish = false;  // the broker refuses a publish (the outbox publishes it again)
  bool drop = false;          // the broker loses acknowledged messages (recovered when the
                              // faults stop, as after a broker change: outboxes republished)
  bool duplicate = false;     // a message stored twice
  bool delay = false;         // a message overtaken by later ones of other keys
  bool http = false;          // a peer unreachable, or its answer lost after it acted
  bool crash = false;         // a service process killed at a step boundary and restarted
                              // from its database; consumer offset commits lost before it
  bool hang = false;          // a service stops answering and consuming past the timeouts,
                              // then resumes (and handles the requests it held)
  bool clock_jump = false;    // a service's clock jumps forward, or steps back a little
  bool db_busy = false;       // a write transaction fails: busy at BEGIN, or its COMMIT fails
                              // with an I/O error and is rolled back
  bool broker_loses_log = false;  // the broker loses every topic at once (the outboxes are
                                  // published again, the consumers start over)
  bool operator==(const FaultSet&) const = default;
};

// "all", "none", or a comma-separated list of: fail-publish, drop, duplicate, delay, http,
// crash, hang, clock-jump, db-busy, broker-loses-log. kInvalidRequest names an unknown one.
Result<FaultSet> ParseFaults(std::string_view list);
std::string FaultsName(const FaultSet& faults);  // the canonical list, for replay commands

struct SimOptions {
  uint64_t seed = 1;
  int sagas = 100;  // orders placed by the workload
  SagaMode mode = SagaMode::kOrchestration;
  FaultSet faults = ParseFaults("all").value();
  std::string trace_path;  // when set, every traced event as one line
  // Where a failing run's databases are written (a fresh directory is made under it, removed
  // after a passing run and kept after a failing one, for `tinysaga check --data DIR`). The
  // databases themselves are in memory.
  std::string work_dir;  // empty: the temporary directory
  // A safety mechanism switched off on purpose (ListBreaks()); empty: none.
  std::string break_name;
};

struct SimResult {
  uint64_t seed = 0;
  int sagas = 0;
  SagaMode mode = SagaMode::kOrchestration;
  std::map<std::string, int64_t> faults;  // injected, by kind
  std::map<std::string, int64_t> orders;  // final orders by status
  int64_t simulated_ms = 0;               // from the first request to rest
  int64_t requests_given_up = 0;          // customers' requests failing after every attempt
  uint64_t state_hash = 0;                // every table of every database at the end
  uint64_t trace_hash = 0;                // every delivery, call and step, in order
  std::vector<std::string> violations;    // empty: the run passed
  // After a violation: the traced events of the orders and sagas it names, with the crashes
  // and the end of the faults, in order (the last 60).
  std::vector<std::string> trace_excerpt;
  std::string kept_dir;  // the databases, kept after a violation
  bool ok() const { return violations.empty(); }
  // The orders that left INITIATED, each through an order saga: what a run really simulated
  // (`sagas` planned orders, of which some are refused at creation or never paid).
  int64_t sagas_run() const {
    int64_t run = 0;
    for (const auto& [status, count] : orders) {
      if (status != "INITIATED") run += count;
    }
    return run;
  }
};

// The names --break takes, one per safety mechanism the simulator can switch off:
//   debit-id-per-attempt  Payment's retries of a wallet debit each under an operation id of
//                         their own, so an attempt the wallet applied unseen is not recognised
//                         (emulated by the in-process network)
// and, switched in the services' code for the run (libs/core breaks.h):
//   inbox-dedup-off       the inbox consumer applies a message it already applied again
//   outbox-outside-tx     outbox rows written after the state's commit, in a transaction of
//                         their own; with crash faults a process may die in between
//   stale-reply-check-off a saga takes a reply to an earlier attempt or step as the answer to
//                         the command it awaits
//   void-of-unseen-debit-skipped  Payment does not void a debit it never saw answered
// A run with one of the latter must not overlap other runs in the same process (they are
// process-wide).
const std::vector<std::string>& ListBreaks();

// One seeded run. An error only when the world cannot be built (disk, schema): a violation is
// a result, not an error.
Result<SimResult> RunSimulation(const SimOptions& options);

// For a process whose runs all happen on one thread and that uses SQLite nowhere else (the
// `tinysaga sim` command): SQLite then takes none of its mutexes, and keeps no memory
// statistics, which cost ~6% of a run's instructions (~750,000 lock and unlock pairs a seed of
// 100 orders, both modes), and the connections to one database share one page cache (a
// reader no longer reads again what the writer changed: 85% fewer pread calls). Nothing a run
// computes changes. Call it before anything opens a database; false when SQLite had already
// started (then nothing changed).
bool UseSqliteOnOneThreadOnly();

// "seed=7 sagas=100 faults=drop:2,duplicate:5 sim_ms=61234 state=0123abcd... trace=..."
std::string SummaryLine(const SimResult& result);
// The command that replays `options`' seed exactly (its break included).
std::string ReplayCommand(const SimOptions& options);

}  // namespace tinysaga::sim
