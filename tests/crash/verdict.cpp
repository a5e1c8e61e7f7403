#include "verdict.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace tinysaga::crash {

using std::chrono::milliseconds;

double SecondsBetween(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

uint64_t SeedFromEnvironment() {
  if (const char* text = std::getenv("TINYSAGA_CRASH_SEED"); text != nullptr && *text != '\0') {
    char* end = nullptr;
    const uint64_t seed = std::strtoull(text, &end, 10);
    if (*end != '\0')
      throw std::invalid_argument("TINYSAGA_CRASH_SEED is not a number: " + std::string(text));
    return seed;
  }
  std::random_device device;
  return (static_cast<uint64_t>(device()) << 32) ^ device();
}

std::string ReplayCommand(uint64_t seed, const std::string& ctest_name, const std::string& prefix) {
  std::string pattern;
  for (char c : ctest_name) pattern += c == '.' ? std::string("\\.") : std::string(1, c);
  return "TINYSAGA_CRASH_SEED=" + std::to_string(seed) + (prefix.empty() ? "" : " " + prefix) +
         " ctest --test-dir " + TINYSAGA_BUILD_DIR + " -R '^" + pattern + "$' --output-on-failure";
}

SeededRun AnnounceSeed(const std::string& title, const std::string& ctest_name,
                       const std::string& replay_prefix) {
  SeededRun run;
  run.seed = SeedFromEnvironment();
  run.replay = ReplayCommand(run.seed, ctest_name, replay_prefix);
  run.trace = "seed " + std::to_string(run.seed) + "; replay: " + run.replay;
  std::printf("%s: seed %llu\nreplay: %s\n", title.c_str(),
              static_cast<unsigned long long>(run.seed), run.replay.c_str());
  std::fflush(stdout);
  return run;
}

std::string Cents(int64_t cents) {
  char text[64];
  const unsigned long long magnitude = cents < 0 ? 0ULL - static_cast<unsigned long long>(cents)
                                                 : static_cast<unsigned long long>(cents);
  std::snprintf(text, sizeof text, "%s$%llu.%02llu", cents < 0 ? "-" : "", magnitude / 100,
                magnitude % 100);
  return text;
}

std::string Join(const std::map<std::string, int64_t>& counts) {
  std::string text;
  for (const auto& [what, count] : counts) {
    text += (text.empty() ? "" : ", ") + what + " " + std::to_string(count);
  }
  return text.empty() ? "none" : text;
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream input(path);
  std::stringstream text;
  text << input.rdbuf();
  return text.str();
}

bool AwaitFinishedOrders(Books& books, int64_t finished, milliseconds bound) {
  return e2e::Eventually(
      [&] {
        auto count = books.CountFinishedOrders();
        return count.ok() && *count >= finished;
      },
      bound);
}

void ExpectNoRestarts(const e2e::UpProcess& up, const std::string& when) {
  const nlohmann::json status = up.Status();  // named: a temporary would die before the loop
  for (const auto& process : status.at("processes")) {
    EXPECT_EQ(process.at("restarts").get<int>(), 0)
        << process.at("name").get<std::string>() << " died " << when << ": see its log";
  }
}

std::string AwaitAtRest(Books& books, Clock::time_point deadline) {
  Unsettled last;
  std::string error;
  const bool settled = e2e::Eventually(
      [&] {
        auto unsettled = books.ReadUnsettled();
        if (!unsettled.ok()) error = unsettled.error().detail;
        if (unsettled.ok()) last = *unsettled;
        return unsettled.ok() && unsettled->settled();
      },
      std::chrono::duration_cast<milliseconds>(
          std::max(deadline - Clock::now(), Clock::duration::zero())));
  if (settled) return "";
  auto orders = books.DescribeUnsettledOrders();
  return last.ToString() + " " + error + "\n" + (orders.ok() ? *orders : orders.error().detail) +
         "(their services' logs tell why)";
}

void ExpectBooksBalance(const Totals& totals) {
  EXPECT_EQ(totals.taken_from_wallets_cents(), totals.placed_value_cents)
      << "the wallets gave " << Cents(totals.taken_from_wallets_cents())
      << " (deposits - withdrawals - balances), the orders placed are worth "
      << Cents(totals.placed_value_cents);
  EXPECT_EQ(totals.completed_payments_cents, totals.placed_value_cents)
      << "the Transaction DB kept " << Cents(totals.completed_payments_cents);
  for (const ProductStock& product : totals.stock) {
    EXPECT_TRUE(product.balanced())
        << product.product_id << ": supplied " << product.supplied << " != available "
        << product.available << " + held by placed orders " << product.placed_units;
  }
  // The load did something of each kind.
  EXPECT_GT(totals.placed_orders, 0);
  EXPECT_GT(totals.orders - totals.placed_orders - totals.abandoned - totals.initiated_rejected, 0)
      << "no order failed: " << Join(totals.outcomes);
}

}  // namespace tinysaga::crash
