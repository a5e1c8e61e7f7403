#pragma once
// `tinysaga bench`: a closed-loop load generator for the order saga, through the gateway
// (issue 4). C virtual users each repeat: create an order -> pay -> wait for the order's
// terminal state, for a warmup and then a measured window, with a mix of flows that must end
// PLACED (placed), FAILED for insufficient funds (insufficient) and FAILED with a refund
// because the stock went between the order and the payment (out-of-stock). The bench seeds
// its own users and products first, and checks the invariants after the system has settled.
//
// `-c 1,16,64` runs one row per level, one after another against the same running system:
// seeded once (for the largest level), then each row has its own warmup, measured window,
// report and settled invariant check; a comparison table of the rows comes last, and
// --json / --report write every row. Per row and process it measures CPU time and write
// syscalls (/proc/<pid>/io) and the Kafka messages published (the services' /metrics).
// fsyncs are not measured: Linux counts them nowhere per process (bench_compare.h).
// bench_stats.h, bench_compare.h and bench_report_html.h hold the pure parts.
//
// Exit codes: 0 all good; 1 a saga ended otherwise than its flow expects (not with --faults),
// or the check failed; 2 the bench could not run (bad flags, gateway unreachable, seeding
// failed).

#include <cstdint>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace tinysaga::app::bench {

struct BenchOptions {
  // Where the gateway is: --url, else --port on 127.0.0.1, else the "url" of DATA_DIR/up.json,
  // else http://127.0.0.1:8080.
  std::string url;
  uint16_t port = 0;
  // `tinysaga up`'s --data: its up.json names the processes whose CPU time is measured, and
  // the invariant check reads its SQLite files.
  std::string data_dir;
  bool check = true;  // --no-check: skip the invariant check

  // Virtual users, each with at most one saga in flight: one row per level, in this order.
  std::vector<int> concurrency_levels = {16};
  int users = 0;        // 0: max(4 * the largest level, 64)
  // Products with a huge stock each, which the placed flow's sagas spread over: as many as
  // the issue-10 comparison of the peers used.
  int products = 1000;
  double seconds = 15;  // the measured window
  // Not measured. A freshly started `up` stalls sagas for seconds while its consumer groups
  // form, for about 25 s with the development broker: give it a longer warmup then.
  double warmup_seconds = 5;
  std::string mix = "placed=90,insufficient=5,out-of-stock=5";
  std::string json_path;    // also write every row's report and the comparison as JSON here
  std::string report_path;  // also write them as one self-contained HTML page here

  // Tokens: minted here with this HS256 secret, else asked of the gateway's dev-mode
  // POST /api/auth/dev-token.
  std::string secret;

  // How the terminal state is seen: "long-poll", "poll" or "sse" (bench.cpp, Driver).
  std::string wait = "long-poll";
  int poll_interval_ms = 2;   // the shortest pause between two polls of one order (bench.cpp)
  int terminal_timeout_ms = 30'000;  // a saga not terminal by then counts as a timeout error
  int settle_timeout_seconds = 60;   // how long the check may wait for the system to settle
  int io_threads = 1;                // the HTTP client's threads (callbacks run on them)
  // After the load: how many sagas of each flow to ask the services about (their order
  // history and saga steps), to show where the time went. 0: none.
  int breakdown_samples = 100;
  // --faults: something is crashing the system meanwhile (tests/crash kills its processes),
  // so outcomes other than the flow's are reported but do not fail the exit code, and SIGINT
  // or SIGTERM ends the load early: the window closes there, the sagas in hand are waited
  // for as usual, the report is printed (its rates count the sagas finished after the signal
  // too), and the rows not yet run are skipped.
  bool faults = false;
};

// Adds the `bench` subcommand and its flags, bound to `options`.
CLI::App* AddBenchCommand(CLI::App& app, BenchOptions& options);

int RunBench(const BenchOptions& options);

}  // namespace tinysaga::app::bench
