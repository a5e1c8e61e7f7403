#pragma once
// Inline SVG charts for `tinysaga bench --report`: a line chart and a grouped bar chart,
// drawn in C++ so that the page needs no script, no library and no network to show them.
// Pure: text in, text out (tests/bench_report_html_test.cpp). Every text is escaped, and
// values that are not finite are left out rather than drawn at a made-up place.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tinysaga::app::bench {

// The text with & < > " ' replaced by entities: safe in an element and in an attribute.
std::string HtmlEscape(std::string_view text);

// Tick values from 0 up to at least `max`, spaced by a round step (1, 2 or 5 times a power
// of ten) chosen so that there are about `count` intervals. {0, 1} when `max` is not > 0.
std::vector<double> AxisTicks(double max, int count);

struct LineSeries {
  std::string name;
  std::vector<std::pair<double, double>> points;  // (x, y), x increasing
};

struct LineChart {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::vector<LineSeries> series;
  // A stretch of x shaded and labelled (the warmup); none when shaded_to <= shaded_from.
  double shaded_from = 0;
  double shaded_to = 0;
  std::string shaded_label;
};

// One <svg> with the axes from 0, their labels, a polyline per series and a legend.
std::string LineChartSvg(const LineChart& chart);

struct BarGroup {
  std::string label;                          // under the group, e.g. "C=16"
  std::vector<std::optional<double>> values;  // one per series; nullopt: "n/a", no bar
};

struct BarChart {
  std::string title;
  std::string x_label;
  std::string y_label;
  std::vector<std::string> series;  // the legend, one colour each
  std::vector<BarGroup> groups;
};

// One <svg> with a group of bars per BarGroup, each bar carrying its value as a tooltip.
std::string BarChartSvg(const BarChart& chart);

}  // namespace tinysaga::app::bench
