#pragma once
// How long this machine's disk takes to make a small write durable, measured where the
// databases live. Every durable commit waits for one such sync (SQLite synchronous=FULL), and a
// placed order's path waits for about nine in a row (API calls, saga steps), so the figure says
// how much of a saga's latency the disk alone takes on the machine at hand. Shared machines
// vary by 3x from day to day: the bench prints it beside its rows so that runs compare.

#include <string>

#include "bench_stats.h"
#include "tinysaga/core/result.h"

namespace tinysaga::app::bench {

// `samples` times: write 4 KiB at the start of a scratch file in `directory`, then fdatasync
// it. The file is removed afterwards. kUnavailable when the directory cannot take it.
Result<LatencySummary> ProbeDiskSync(const std::string& directory, int samples);

}  // namespace tinysaga::app::bench
