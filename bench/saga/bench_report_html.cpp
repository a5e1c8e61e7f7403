#include "bench_report_html.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <optional>

#include "bench_compare.h"
#include "bench_svg.h"

namespace tinysaga::app::bench {
namespace {

// Inline, like everything else on the page: it must open the same with no network.
constexpr std::string_view kStyle =
    "body{font-family:sans-serif;margin:24px;color:#222;max-width:1000px}"
    "table{border-collapse:collapse;margin:12px 0}"
    "th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}"
    "th{background:#f2f2f2}td.text,th.text{text-align:left}"
    "svg.chart{display:block;margin:16px 0;font-size:12px}"
    "svg .title{font-size:15px;font-weight:bold}svg .label{font-size:13px}"
    "svg .grid{stroke:#e5e5e5}svg .axis{stroke:#444}"
    "svg .shade{fill:#f3f3f3}svg .note{fill:#777}"
    "p.note,li{color:#444}";

std::string Format(const char* format, auto... values) {
  char text[256];
  std::snprintf(text, sizeof text, format, values...);
  return text;
}

// "127.0.0.1:8080" for "http://127.0.0.1:8080": the page names the gateway, it links nowhere.
std::string HostOf(std::string_view url) {
  const size_t scheme = url.find("://");
  return std::string(scheme == std::string_view::npos ? url : url.substr(scheme + 3));
}

// One legend name per row: "C=16", and "C=16 (2)" for a level run a second time.
std::vector<std::string> RowNames(const std::vector<Report>& rows) {
  std::vector<std::string> names;
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto same =
        std::count_if(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(i),
                      [&](const Report& row) { return row.concurrency == rows[i].concurrency; });
    names.push_back("C=" + std::to_string(rows[i].concurrency) +
                    (same == 0 ? "" : " (" + std::to_string(same + 1) + ")"));
  }
  return names;
}

std::string SettingsHtml(const std::vector<Report>& rows) {
  if (rows.empty()) return "<p>No row was run.</p>\n";
  const Report& first = rows.front();
  return "<p>Gateway " + HtmlEscape(HostOf(first.url)) + ", mix " +
         HtmlEscape(first.mix.ToString()) + ", " + std::to_string(first.users) + " users and " +
         std::to_string(first.products) + " products seeded, each row " +
         Format("%.1f", first.warmup_seconds) + " s warmup then " +
         Format("%.1f", first.window_seconds) + " s measured, saga ends seen by " +
         HtmlEscape(first.wait_mode) + ".</p>\n";
}

std::string Cell(std::optional<double> value, const char* format) {
  return "<td>" + (value ? Format(format, *value) : std::string("-")) + "</td>";
}

std::string ComparisonTableHtml(const std::vector<Report>& rows) {
  std::string html =
      "<table>\n<tr><th>C</th><th>sagas/s</th><th>p50 ms</th><th>p90 ms</th><th>p99 ms</th>"
      "<th>placed/s</th><th>failed/s</th><th>CPU ms/saga</th><th>writes/saga</th>"
      "<th>Kafka msgs/saga</th><th class=\"text\">check</th></tr>\n";
  for (const Report& row : rows) {
    const ComparisonLine line = CompareRow(row);
    html += "<tr><td>" + std::to_string(line.concurrency) + "</td>" +
            Cell(line.sagas_per_second, "%.1f") + Cell(line.latency.p50_ms, "%.2f") +
            Cell(line.latency.p90_ms, "%.2f") + Cell(line.latency.p99_ms, "%.2f") +
            Cell(line.placed_per_second, "%.1f") + Cell(line.failed_per_second, "%.1f") +
            Cell(line.cpu_ms_per_saga, "%.3f") + Cell(line.write_syscalls_per_saga, "%.2f") +
            Cell(line.kafka_messages_per_saga, "%.2f") + "<td class=\"text\">" +
            HtmlEscape(line.check) + "</td></tr>\n";
  }
  return html + "</table>\n<p class=\"note\">" + HtmlEscape(kFsyncNote) + "</p>\n";
}

std::string ThroughputChart(const std::vector<Report>& rows,
                            const std::vector<std::string>& names) {
  LineChart chart{.title = "Sagas finished per second, per row",
                  .x_label = "seconds since the row's load began",
                  .y_label = "sagas/s",
                  .shaded_from = 0,
                  .shaded_to = rows.empty() ? 0 : rows.front().warmup_seconds,
                  .shaded_label = "warmup"};
  for (size_t i = 0; i < rows.size(); ++i) {
    LineSeries series{.name = names[i]};
    const auto& counts = rows[i].sagas_each_second;
    for (size_t second = 0; second < counts.size(); ++second) {
      // The count of second n covers (n-1, n]: drawn at its end, as the progress line says.
      series.points.emplace_back(static_cast<double>(second + 1),
                                 static_cast<double>(counts[second]));
    }
    chart.series.push_back(std::move(series));
  }
  return LineChartSvg(chart);
}

// p50, p90 and p99 per row of what `latency_of` picks: nullopt (n/a) when the row has none.
std::string LatencyChart(
    const std::string& title, const std::vector<Report>& rows,
    const std::vector<std::string>& names,
    const std::function<std::optional<LatencySummary>(const Report&)>& latency_of) {
  BarChart chart{.title = title,
                 .x_label = "virtual users (concurrency)",
                 .y_label = "latency, ms",
                 .series = {"p50", "p90", "p99"}};
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto latency = latency_of(rows[i]);
    if (!latency || latency->count == 0) {
      chart.groups.push_back(
          {.label = names[i], .values = {std::nullopt, std::nullopt, std::nullopt}});
      continue;
    }
    chart.groups.push_back(
        {.label = names[i], .values = {latency->p50_ms, latency->p90_ms, latency->p99_ms}});
  }
  return BarChartSvg(chart);
}

// The phases as the rows name them, in first-seen order.
std::vector<std::string> PhaseNames(const std::vector<Report>& rows) {
  std::vector<std::string> names;
  for (const Report& row : rows) {
    for (const auto& [name, latency] : row.phases) {
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
  }
  return names;
}

std::string LatencyCharts(const std::vector<Report>& rows, const std::vector<std::string>& names) {
  std::string html = LatencyChart("Latency, all flows: order request to terminal status", rows,
                                  names, [](const Report& row) { return row.latency; });
  for (const std::string& phase : PhaseNames(rows)) {
    html += LatencyChart("Latency of the " + phase + " phase", rows, names,
                         [&](const Report& row) -> std::optional<LatencySummary> {
                           for (const auto& [name, latency] : row.phases) {
                             if (name == phase) return latency;
                           }
                           return std::nullopt;
                         });
  }
  return html;
}

// Grouped by process, one bar per row, and the system's total (the bench's own left out).
std::string CpuChart(const std::vector<Report>& rows, const std::vector<std::string>& names) {
  BarChart chart{.title = "CPU per saga, per process",
                 .x_label = "process (system total leaves the bench out)",
                 .y_label = "CPU ms per saga",
                 .series = names};
  for (const Report& row : rows) {
    for (const auto& process : row.processes) {
      const bool known =
          std::any_of(chart.groups.begin(), chart.groups.end(),
                      [&](const BarGroup& group) { return group.label == process.name; });
      if (!known) chart.groups.push_back({.label = process.name, .values = {}});
    }
  }
  chart.groups.push_back({.label = "system total", .values = {}});
  for (BarGroup& group : chart.groups) {
    for (const Report& row : rows) {
      const ComparisonLine line = CompareRow(row);
      std::optional<double> value =
          group.label == "system total" ? line.cpu_ms_per_saga : std::nullopt;
      for (const auto& process : row.processes) {
        if (process.name == group.label && row.completed > 0)
          value = process.cpu_ms / static_cast<double>(row.completed);
      }
      group.values.push_back(value);
    }
  }
  return BarChartSvg(chart);
}

std::string NotesHtml(const std::vector<Report>& rows, const std::vector<std::string>& names) {
  std::string html = "<h2>Notes</h2>\n<ul>\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    const Report& row = rows[i];
    html += "<li>" + HtmlEscape(names[i]) + ": " + std::to_string(row.completed) +
            " sagas in the window, " + std::to_string(row.mismatches_total()) +
            " mismatched outcomes, " + std::to_string(row.errors_total()) + " errors, check " +
            HtmlEscape(CompareRow(row).check) + "</li>\n";
    for (const auto& note : row.notes)
      html += "<li>" + HtmlEscape(names[i] + ": " + note) + "</li>\n";
  }
  return html + "</ul>\n";
}

}  // namespace

std::string HtmlReport(const std::vector<Report>& rows) {
  const std::vector<std::string> names = RowNames(rows);
  std::string html =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<title>tinysaga bench</title>\n<style>" +
      std::string(kStyle) + "</style>\n</head>\n<body>\n<h1>tinysaga bench</h1>\n";
  html += SettingsHtml(rows);
  html += "<h2>Comparison</h2>\n" + ComparisonTableHtml(rows);
  html += "<h2>Throughput</h2>\n" + ThroughputChart(rows, names);
  html += "<h2>Latency</h2>\n" + LatencyCharts(rows, names);
  html += "<h2>CPU</h2>\n" + CpuChart(rows, names);
  html += NotesHtml(rows, names);
  return html + "</body>\n</html>\n";
}

}  // namespace tinysaga::app::bench
