#include "bench_svg.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <numbers>

namespace tinysaga::app::bench {
namespace {

// The chart's size and the plot area's margins, in pixels: the legend goes on the right. Bar
// labels too long for their group are turned, and the chart grows downwards to hold them.
constexpr double kWidth = 760;
constexpr double kHeight = 320;
constexpr double kLeft = 72;
constexpr double kRight = 170;
constexpr double kTop = 40;
constexpr double kBottom = 60;
constexpr int kTicks = 5;
constexpr double kPlotHeight = kHeight - kTop - kBottom;
constexpr double kCharWidth = 6.5;  // an average character of the 12 px sans-serif labels
constexpr double kLabelTurnDegrees = 35;

// Colours that stay apart for the eye (the usual categorical palette), reused after ten.
constexpr std::array<const char*, 10> kColours = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                                  "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                                                  "#bcbd22", "#17becf"};

const char* Colour(size_t index) { return kColours[index % kColours.size()]; }

std::string Format(const char* format, auto... values) {
  char text[512];
  std::snprintf(text, sizeof text, format, values...);
  return text;
}

std::string Px(double value) { return Format("%.1f", value); }
std::string TickLabel(double value) { return Format("%g", value); }

// Maps values from 0..x_max and 0..y_max onto the plot area.
struct Frame {
  double x_max = 1;
  double y_max = 1;
  double extra_bottom = 0;  // room for turned labels under the x axis
  double X(double value) const { return kLeft + value / x_max * (kWidth - kLeft - kRight); }
  double Y(double value) const { return kTop + kPlotHeight - value / y_max * kPlotHeight; }
  double height() const { return kHeight + extra_bottom; }
};

constexpr double kBase = kTop + kPlotHeight;  // the x axis' y

std::string SvgOpen(const Frame& frame, const std::string& title) {
  const std::string height = Px(frame.height());
  return "<svg class=\"chart\" width=\"" + Px(kWidth) + "\" height=\"" + height +
         "\" viewBox=\"0 0 " + Px(kWidth) + " " + height + "\" role=\"img\" aria-label=\"" +
         HtmlEscape(title) + "\">\n<title>" + HtmlEscape(title) + "</title>\n<text x=\"" +
         Px(kWidth / 2) + "\" y=\"22\" text-anchor=\"middle\" class=\"title\">" +
         HtmlEscape(title) + "</text>\n";
}

std::string Text(double x, double y, const std::string& text, const char* anchor,
                 const std::string& extra = "") {
  return "<text x=\"" + Px(x) + "\" y=\"" + Px(y) + "\" text-anchor=\"" + anchor + "\"" + extra +
         ">" + HtmlEscape(text) + "</text>\n";
}

// Horizontal grid lines with their values, the y axis and its label (turned upright).
std::string YAxis(const Frame& frame, const std::vector<double>& ticks, const std::string& label) {
  std::string svg;
  for (double tick : ticks) {
    const std::string y = Px(frame.Y(tick));
    svg += "<line x1=\"" + Px(kLeft) + "\" y1=\"" + y + "\" x2=\"" + Px(kWidth - kRight) +
           "\" y2=\"" + y + "\" class=\"grid\"/>\n";
    svg += Text(kLeft - 6, frame.Y(tick) + 4, TickLabel(tick), "end");
  }
  const double middle = kTop + kPlotHeight / 2;
  svg += Text(18, middle, label, "middle",
              " transform=\"rotate(-90 18 " + Px(middle) + ")\" class=\"label\"");
  svg += "<line x1=\"" + Px(kLeft) + "\" y1=\"" + Px(kTop) + "\" x2=\"" + Px(kLeft) + "\" y2=\"" +
         Px(kBase) + "\" class=\"axis\"/>\n";
  return svg;
}

std::string XAxisLine(const Frame& frame, const std::string& label) {
  return "<line x1=\"" + Px(kLeft) + "\" y1=\"" + Px(kBase) + "\" x2=\"" + Px(kWidth - kRight) +
         "\" y2=\"" + Px(kBase) + "\" class=\"axis\"/>\n" +
         Text((kLeft + kWidth - kRight) / 2, frame.height() - 14, label, "middle",
              " class=\"label\"");
}

// Under a bar group: level, or turned (ending under the group's middle) when `turned`.
std::string GroupLabel(double x, const std::string& label, bool turned) {
  if (!turned) return Text(x, kBase + 16, label, "middle");
  return Text(
      x, kBase + 14, label, "end",
      " transform=\"rotate(-" + Px(kLabelTurnDegrees) + " " + Px(x) + " " + Px(kBase + 14) + ")\"");
}

std::string Legend(const std::vector<std::string>& names) {
  std::string svg;
  for (size_t i = 0; i < names.size(); ++i) {
    const double y = kTop + 18.0 * static_cast<double>(i);
    svg += "<rect x=\"" + Px(kWidth - kRight + 16) + "\" y=\"" + Px(y) +
           "\" width=\"12\" height=\"12\" fill=\"" + Colour(i) + "\"/>\n";
    svg += Text(kWidth - kRight + 34, y + 10, names[i], "start");
  }
  return svg;
}

bool Finite(double value) { return std::isfinite(value); }

// The bars of group `g`, side by side in the middle 80 % of its width; "n/a" for a value
// that is unknown or not finite. Each bar carries its value as a tooltip (<title>).
std::string Bars(const Frame& frame, const BarChart& chart, size_t g, double group_left,
                 double group_width) {
  const BarGroup& group = chart.groups[g];
  const double bar_width =
      group_width * 0.8 / static_cast<double>(std::max<size_t>(chart.series.size(), 1));
  std::string svg;
  for (size_t s = 0; s < group.values.size() && s < chart.series.size(); ++s) {
    const double x = group_left + group_width * 0.1 + bar_width * static_cast<double>(s);
    if (!group.values[s] || !Finite(*group.values[s])) {
      svg += Text(x + bar_width / 2, kBase - 4, "n/a", "middle", " class=\"note\"");
      continue;
    }
    const double value = *group.values[s];
    svg += "<rect x=\"" + Px(x) + "\" y=\"" + Px(frame.Y(value)) + "\" width=\"" +
           Px(bar_width * 0.9) + "\" height=\"" + Px(frame.Y(0) - frame.Y(value)) + "\" fill=\"" +
           Colour(s) + "\"><title>" +
           HtmlEscape(group.label + ", " + chart.series[s] + ": " + Format("%.3g", value)) +
           "</title></rect>\n";
  }
  return svg;
}

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      case '\'':
        escaped += "&#39;";
        break;
      default:
        escaped += c;
    }
  }
  return escaped;
}

std::vector<double> AxisTicks(double max, int count) {
  if (!(max > 0) || !Finite(max) || count < 1) return {0, 1};
  const double rough = max / count;
  const double power = std::pow(10.0, std::floor(std::log10(rough)));
  double step = power * 10;
  for (double factor : {1.0, 2.0, 5.0}) {
    if (power * factor >= rough) {
      step = power * factor;
      break;
    }
  }
  std::vector<double> ticks;
  for (int i = 0; ticks.empty() || ticks.back() < max; ++i) ticks.push_back(step * i);
  return ticks;
}

std::string LineChartSvg(const LineChart& chart) {
  double x_max = 0, y_max = 0;
  for (const auto& series : chart.series) {
    for (const auto& [x, y] : series.points) {
      if (!Finite(x) || !Finite(y)) continue;
      x_max = std::max(x_max, x);
      y_max = std::max(y_max, y);
    }
  }
  if (chart.shaded_to > chart.shaded_from && Finite(chart.shaded_to))
    x_max = std::max(x_max, chart.shaded_to);
  const auto x_ticks = AxisTicks(x_max, kTicks * 2);
  const auto y_ticks = AxisTicks(y_max, kTicks);
  const Frame frame{.x_max = x_ticks.back(), .y_max = y_ticks.back()};
  std::string svg = SvgOpen(frame, chart.title);
  if (chart.shaded_to > chart.shaded_from && Finite(chart.shaded_from) && Finite(chart.shaded_to)) {
    const double from = frame.X(chart.shaded_from), to = frame.X(chart.shaded_to);
    svg += "<rect x=\"" + Px(from) + "\" y=\"" + Px(kTop) + "\" width=\"" + Px(to - from) +
           "\" height=\"" + Px(kPlotHeight) + "\" class=\"shade\"/>\n";
    svg += Text((from + to) / 2, kTop + 14, chart.shaded_label, "middle", " class=\"note\"");
  }
  svg += YAxis(frame, y_ticks, chart.y_label);
  for (double tick : x_ticks) svg += Text(frame.X(tick), kBase + 16, TickLabel(tick), "middle");
  svg += XAxisLine(frame, chart.x_label);
  std::vector<std::string> names;
  for (size_t i = 0; i < chart.series.size(); ++i) {
    names.push_back(chart.series[i].name);
    std::string points;
    for (const auto& [x, y] : chart.series[i].points) {
      if (!Finite(x) || !Finite(y)) continue;
      points += (points.empty() ? "" : " ") + Px(frame.X(x)) + "," + Px(frame.Y(y));
    }
    svg += "<polyline fill=\"none\" stroke-width=\"2\" stroke=\"" + std::string(Colour(i)) +
           "\" points=\"" + points + "\"/>\n";
  }
  return svg + Legend(names) + "</svg>\n";
}

std::string BarChartSvg(const BarChart& chart) {
  double y_max = 0;
  size_t label_chars_max = 0;
  for (const auto& group : chart.groups) {
    label_chars_max = std::max(label_chars_max, group.label.size());
    for (const auto& value : group.values) {
      if (value && Finite(*value)) y_max = std::max(y_max, *value);
    }
  }
  const double group_width =
      (kWidth - kLeft - kRight) / static_cast<double>(std::max<size_t>(chart.groups.size(), 1));
  const double label_width = static_cast<double>(label_chars_max) * kCharWidth;
  const bool turned = label_width > group_width - 6;
  const auto y_ticks = AxisTicks(y_max, kTicks);
  const Frame frame{
      .x_max = 1,
      .y_max = y_ticks.back(),
      .extra_bottom =
          turned ? std::max(0.0,
                            label_width * std::sin(kLabelTurnDegrees * std::numbers::pi / 180) - 8)
                 : 0};
  std::string svg = SvgOpen(frame, chart.title) + YAxis(frame, y_ticks, chart.y_label);
  for (size_t g = 0; g < chart.groups.size(); ++g) {
    svg += Bars(frame, chart, g, kLeft + group_width * static_cast<double>(g), group_width);
    svg += GroupLabel(kLeft + group_width * (static_cast<double>(g) + 0.5), chart.groups[g].label,
                      turned);
  }
  return svg + XAxisLine(frame, chart.x_label) + Legend(chart.series) + "</svg>\n";
}

}  // namespace tinysaga::app::bench
