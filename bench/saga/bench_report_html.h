#pragma once
// `tinysaga bench --report FILE`: one self-contained HTML page for a run's rows, to compare
// concurrency levels at a glance. No script, no stylesheet or font from elsewhere, no link:
// the charts are inline SVG drawn by bench_svg.h, so the file can be mailed or archived and
// opens the same offline. Pure (tests/bench_report_html_test.cpp).
//
// The page: the run's settings, the comparison table (bench_compare.h), sagas per second
// over time per row, latency percentiles per concurrency for all flows and per saga phase,
// CPU ms per saga per process per concurrency, and what could not be measured.

#include <string>
#include <vector>

#include "bench_stats.h"

namespace tinysaga::app::bench {

std::string HtmlReport(const std::vector<Report>& rows);

}  // namespace tinysaga::app::bench
