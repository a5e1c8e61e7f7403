// `tinysaga bench --report`: the page is self-contained (no script, nothing fetched, no link),
// holds one <svg> per chart, escapes every text it did not write itself, and its charts
// leave out what cannot be drawn.

#include "bench_report_html.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>

#include "bench_svg.h"

namespace tinysaga::app::bench {
namespace {

size_t Count(const std::string& text, std::string_view what) {
  size_t count = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++count;
  return count;
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

Report Row(int concurrency, uint64_t completed) {
  Report report;
  report.url = "http://127.0.0.1:8080";
  report.concurrency = concurrency;
  report.users = 256;
  report.products = 1'000;
  report.warmup_seconds = 2;
  report.wait_mode = "poll";
  report.mix = *ParseMix("placed=90,insufficient=5,out-of-stock=5");
  report.window_seconds = 3;
  report.completed = completed;
  report.latency = {.count = completed, .p50_ms = 8.5, .p90_ms = 12, .p99_ms = 20.25};
  report.phases = {{"create", {.count = completed, .p50_ms = 1}},
                   {"pay", {.count = completed, .p50_ms = 2}},
                   {"settle", {.count = completed, .p50_ms = 4}},
                   {"detect", {.count = completed, .p50_ms = 0.5}}};
  report.sagas_each_second = {0, 3, 40, 41, 39};
  report.processes = {{.name = "order-1", .cpu_ms = 500}, {.name = "bench", .cpu_ms = 100}};
  report.check_ran = true;
  report.check_passed = true;
  return report;
}

// ---- The page ------------------------------------------------------------------------------

TEST(HtmlReportTest, IsOneWellFormedPageWithAnSvgPerChart) {
  const std::string html = HtmlReport({Row(1, 50), Row(16, 400)});
  EXPECT_TRUE(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">")) << html.substr(0, 80);
  EXPECT_TRUE(html.ends_with("</body>\n</html>\n"));
  // Throughput, latency of all flows and of each of the four phases, CPU.
  EXPECT_EQ(Count(html, "<svg "), 7u);
  EXPECT_EQ(Count(html, "</svg>"), 7u);
  for (const char* element : {"html", "head", "body", "table", "style", "ul", "h1"}) {
    EXPECT_EQ(Count(html, "<" + std::string(element) + ">") +
                  Count(html, "<" + std::string(element) + " "),
              Count(html, "</" + std::string(element) + ">"))
        << element;
  }
  for (const char* expected :
       {"Sagas finished per second", "Latency of the settle phase", "CPU per saga, per process",
        "C=1", "C=16", "order-1", "system total", "fsyncs per saga are not measured", "warmup",
        "256 users and 1000 products seeded"}) {
    EXPECT_NE(html.find(expected), std::string::npos) << expected;
  }
}

TEST(HtmlReportTest, NeedsNothingFromElsewhere) {
  const std::string html = Lower(HtmlReport({Row(1, 50), Row(16, 400)}));
  // The gateway is named by host and port: no scheme, so no URL at all.
  EXPECT_EQ(html.find("http"), std::string::npos);
  EXPECT_NE(html.find("127.0.0.1:8080"), std::string::npos);
  for (const char* forbidden :
       {"<script", "src=", "href=", "@import", "url(", "<link", "<iframe"}) {
    EXPECT_EQ(html.find(forbidden), std::string::npos) << forbidden;
  }
}

TEST(HtmlReportTest, EscapesTheTextsItShows) {
  Report row = Row(4, 10);
  row.processes.push_back({.name = "<script>alert('x')</script> & \"co\"", .cpu_ms = 1});
  row.notes = {"order-1: /metrics did not answer (<refused>)"};
  const std::string html = HtmlReport({row});
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;co&quot;"),
            std::string::npos);
  EXPECT_NE(html.find("(&lt;refused&gt;)"), std::string::npos);
}

TEST(HtmlReportTest, ALevelRunTwiceIsNamedApartAndNoRowsIsStillAPage) {
  const std::string html = HtmlReport({Row(16, 10), Row(16, 12)});
  EXPECT_NE(html.find("C=16 (2)"), std::string::npos);
  const std::string empty = HtmlReport({});
  EXPECT_NE(empty.find("No row was run."), std::string::npos);
  EXPECT_TRUE(empty.ends_with("</html>\n"));
}

TEST(HtmlReportTest, WhatARowDidNotMeasureIsMarkedNotDrawnAsZero) {
  Report unmeasured = Row(64, 0);  // no saga completed: no latency, no CPU per saga
  unmeasured.latency = {};
  const std::string html = HtmlReport({Row(1, 50), unmeasured});
  EXPECT_GE(Count(html, ">n/a</text>"), 3u);
  EXPECT_EQ(html.find("nan"), std::string::npos);
  EXPECT_EQ(html.find("inf"), std::string::npos);
}

// ---- The charts ----------------------------------------------------------------------------

TEST(SvgTest, EscapesTheFiveCharacters) {
  EXPECT_EQ(HtmlEscape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  EXPECT_EQ(HtmlEscape("plain"), "plain");
}

TEST(SvgTest, AxisTicksAreRoundAndCoverTheMaximum) {
  EXPECT_EQ(AxisTicks(100, 5), (std::vector<double>{0, 20, 40, 60, 80, 100}));
  EXPECT_EQ(AxisTicks(101, 5), (std::vector<double>{0, 50, 100, 150}));
  EXPECT_EQ(AxisTicks(7, 5), (std::vector<double>{0, 2, 4, 6, 8}));
  EXPECT_EQ(AxisTicks(0.3, 5), (std::vector<double>{0, 0.1, 0.2, 0.30000000000000004}));
  EXPECT_EQ(AxisTicks(0, 5), (std::vector<double>{0, 1}));
  EXPECT_EQ(AxisTicks(NAN, 5), (std::vector<double>{0, 1}));
  EXPECT_EQ(AxisTicks(INFINITY, 5), (std::vector<double>{0, 1}));
}

TEST(SvgTest, ALineChartHasItsLabelsAPolylinePerSeriesAndSkipsWhatIsNotFinite) {
  const std::string svg =
      LineChartSvg({.title = "Throughput",
                    .x_label = "seconds",
                    .y_label = "sagas/s",
                    .series = {{.name = "C=1", .points = {{1, 10}, {2, NAN}, {3, 12}}},
                               {.name = "C=16", .points = {{1, 50}}}},
                    .shaded_from = 0,
                    .shaded_to = 2,
                    .shaded_label = "warmup"});
  EXPECT_TRUE(svg.starts_with("<svg "));
  EXPECT_TRUE(svg.ends_with("</svg>\n"));
  EXPECT_EQ(Count(svg, "<polyline"), 2u);
  for (const char* text : {">Throughput<", ">seconds<", ">sagas/s<", ">C=1<", ">C=16<", ">warmup<"})
    EXPECT_NE(svg.find(text), std::string::npos) << text;
  EXPECT_EQ(Lower(svg).find("nan"), std::string::npos);
}

TEST(SvgTest, ABarChartHasABarPerKnownValueWithItsValueAsTooltip) {
  const std::string svg =
      BarChartSvg({.title = "Latency",
                   .x_label = "concurrency",
                   .y_label = "ms",
                   .series = {"p50", "p99"},
                   .groups = {{.label = "C=1", .values = {1.5, 9.0}},
                              {.label = "C=16", .values = {std::nullopt, 20.0}}}});
  EXPECT_EQ(Count(svg, "<rect x="), 3u + 2u);  // three bars, two legend swatches
  EXPECT_EQ(Count(svg, ">n/a</text>"), 1u);
  EXPECT_NE(svg.find("<title>C=16, p99: 20</title>"), std::string::npos) << svg;
  EXPECT_NE(svg.find("<title>C=1, p50: 1.5</title>"), std::string::npos) << svg;
}

TEST(SvgTest, LabelsTooLongForTheirGroupAreTurnedAndTheChartGrowsToHoldThem) {
  BarChart chart{.title = "CPU", .x_label = "process", .y_label = "ms", .series = {"C=1"}};
  chart.groups.push_back({.label = "gateway-1", .values = {1.0}});
  const std::string level = BarChartSvg(chart);
  EXPECT_EQ(level.find("rotate(-35"), std::string::npos);
  EXPECT_NE(level.find("height=\"320.0\""), std::string::npos);
  for (int i = 0; i < 9; ++i) chart.groups.push_back({.label = "orchestrator-1", .values = {1.0}});
  const std::string turned = BarChartSvg(chart);
  EXPECT_NE(turned.find("rotate(-35"), std::string::npos);
  EXPECT_EQ(turned.find("height=\"320.0\""), std::string::npos);
}

}  // namespace
}  // namespace tinysaga::app::bench
