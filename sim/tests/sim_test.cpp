// The simulator's own checks: a sweep of seeds with every fault passes the invariants and
// liveness, faults are really injected, a run is a function of its seed, and the fault list
// parses as documented.

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <cstdint>
#include <filesystem>
#include <iostream>
#include <map>
#include <set>
#include <string>

#include "tinysaga/sim/simulator.h"

namespace tinysaga::sim {
namespace {

class SimTest : public ::testing::Test {
 protected:
  void SetUp() override { spdlog::set_level(spdlog::level::off); }
};

// Runs and removes the databases a violation kept (the replay command rebuilds them).
SimResult MustRun(const SimOptions& options) {
  auto result = RunSimulation(options);
  EXPECT_TRUE(result.ok()) << (result.ok() ? "" : result.error().detail);
  if (!result.ok()) return SimResult{};
  if (!result->kept_dir.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(result->kept_dir, ignored);
  }
  return *result;
}

std::string Explain(const SimResult& result) {
  std::string text = SummaryLine(result);
  for (const auto& violation : result.violations) text += "\n  " + violation;
  for (const auto& line : result.trace_excerpt) text += "\n    " + line;
  return text;
}

TEST_F(SimTest, SweepWithEveryFaultPasses) {
  std::map<std::string, int64_t> faults_total;
  std::map<std::string, int64_t> orders_total;
  for (uint64_t seed = 1; seed <= 24; ++seed) {
    const SimResult result = MustRun({.seed = seed, .sagas = 40});
    EXPECT_TRUE(result.ok()) << Explain(result);
    // Customers retry long enough to outlast a crash and a hang: no order is abandoned.
    EXPECT_EQ(result.requests_given_up, 0) << SummaryLine(result);
    for (const auto& [kind, count] : result.faults) faults_total[kind] += count;
    for (const auto& [status, count] : result.orders) orders_total[status] += count;
  }
  // The sweep exercises every fault kind and every way an order ends.
  for (const char* kind :
       {"fail-publish", "drop", "duplicate", "delay", "http-unreachable", "http-answer-lost",
        "crash", "lost-commit", "hang", "http-hung", "clock-jump", "db-busy", "db-commit-failed",
        "db-committed-but-failed", "broker-lost-log"}) {
    EXPECT_GT(faults_total[kind], 0) << kind;
  }
  for (const char* status : {"PLACED", "FAILED", "CANCELED"}) {
    EXPECT_GT(orders_total[status], 0) << status;
  }
}

TEST_F(SimTest, ChoreographySweepWithEveryFaultPasses) {
  std::map<std::string, int64_t> orders_total;
  for (uint64_t seed = 1; seed <= 16; ++seed) {
    const SimResult result = MustRun({.seed = seed, .sagas = 40, .mode = SagaMode::kChoreography});
    EXPECT_TRUE(result.ok()) << Explain(result);
    EXPECT_EQ(result.requests_given_up, 0) << SummaryLine(result);
    EXPECT_FALSE(result.faults.empty()) << SummaryLine(result);
    for (const auto& [status, count] : result.orders) orders_total[status] += count;
  }
  for (const char* status : {"PLACED", "FAILED", "CANCELED"}) {
    EXPECT_GT(orders_total[status], 0) << status;
  }
}

TEST_F(SimTest, ModesRunTheSameWorkloadDifferently) {
  const SimResult orchestrated = MustRun({.seed = 5, .sagas = 30, .faults = FaultSet{}});
  const SimResult choreographed =
      MustRun({.seed = 5, .sagas = 30, .mode = SagaMode::kChoreography, .faults = FaultSet{}});
  EXPECT_TRUE(orchestrated.ok()) << Explain(orchestrated);
  EXPECT_TRUE(choreographed.ok()) << Explain(choreographed);
  // Without faults the customers' orders end the same way; the messages that got them there
  // differ.
  EXPECT_EQ(orchestrated.orders, choreographed.orders);
  EXPECT_NE(orchestrated.trace_hash, choreographed.trace_hash);
}

TEST_F(SimTest, WithoutFaultsEveryPaidOrderEnds) {
  const SimResult result = MustRun({.seed = 3, .sagas = 60, .faults = FaultSet{}});
  EXPECT_TRUE(result.ok()) << Explain(result);
  EXPECT_TRUE(result.faults.empty()) << SummaryLine(result);
  EXPECT_EQ(result.orders.count("PAYMENT_PENDING"), 0u) << SummaryLine(result);
}

TEST_F(SimTest, SameSeedSameRunOtherSeedOtherRun) {
  const SimResult first = MustRun({.seed = 42, .sagas = 30});
  const SimResult again = MustRun({.seed = 42, .sagas = 30});
  const SimResult other = MustRun({.seed = 43, .sagas = 30});
  EXPECT_EQ(first.state_hash, again.state_hash);
  EXPECT_EQ(first.trace_hash, again.trace_hash);
  EXPECT_EQ(SummaryLine(first), SummaryLine(again));
  EXPECT_NE(first.trace_hash, other.trace_hash);
  EXPECT_NE(first.state_hash, other.state_hash);
}

// Breaks the simulator does not find: the safety they remove is duplicated by the handlers'
// own idempotency, so switching it off changes the runs (BrokenSwitchesChangeTheRun) but
// breaks no invariant. Redelivered messages (inbox-dedup-off) meet handlers keyed by order,
// by operation id and by the saga's awaited command; a stale reply (stale-reply-check-off)
// answers a command of the same participant and type whose own answer, still coming, is the
// same, since the participants answer the same order the same way (an earlier attempt's
// StockReserved or "Order status changed" taken for the resent ReserveStock's or MarkPlaced's,
// which is applied the same way anyway; ChargeWallet, whose attempts can be answered
// differently, is never sent: Payment's event decides the charge, and Order follows that event
// itself). Checked: 50 seeds of 40 orders and 12 seeds of 300, both modes.
// Defence in depth, not a gap of the simulator; it would find them once a handler relied on
// them alone. Their unit tests show the switches at work (libs/bus, libs/saga).
const std::set<std::string> kMaskedBreaks = {"inbox-dedup-off", "stale-reply-check-off"};

// Proof that the simulator has teeth: with each safety mechanism switched off, some seed
// among the first 50 finds a violation. Found (40 orders, every fault; the first seed and
// mode that finds it when this was written; the test prints them):
// - debit-id-per-attempt: seed 1, orchestration, order-inconsistent (CANCELED but paid);
// - outbox-outside-tx: seed 1, choreography, order-inconsistent (PLACED but its payment
//   FAILED: a PaymentCompleted set aside by a transaction whose commit then failed was still
//   sent, a message without its state); seed 4, orchestration, liveness (an
//   OrderCancelRequested lost by a crash between the order's commit and its outbox's);
// - void-of-unseen-debit-skipped: seed 5, choreography, net-charge (a FAILED payment whose
//   debit went through unseen is kept) and money-not-conserved.
TEST_F(SimTest, EveryBreakIsFoundWithin50Seeds) {
  ASSERT_FALSE(ListBreaks().empty());
  for (const std::string& name : ListBreaks()) {
    if (kMaskedBreaks.contains(name)) continue;
    std::string found;
    for (uint64_t seed = 1; seed <= 50 && found.empty(); ++seed) {
      for (SagaMode mode : {SagaMode::kOrchestration, SagaMode::kChoreography}) {
        const SimResult result =
            MustRun({.seed = seed, .sagas = 40, .mode = mode, .break_name = name});
        if (!result.ok()) {
          found = SummaryLine(result) + "\n  " + result.violations.front();
          break;
        }
      }
    }
    EXPECT_FALSE(found.empty()) << "--break " << name << " went unnoticed for 50 seeds";
    std::cout << "--break " << name << " found: " << found << '\n';
  }
}

// A break is a real switch in the services' code: some run of the first seeds goes
// differently with it (for the masked ones too).
TEST_F(SimTest, BrokenSwitchesChangeTheRun) {
  for (const std::string& name : ListBreaks()) {
    bool changed = false;
    for (uint64_t seed = 1; seed <= 50 && !changed; ++seed) {
      const SimResult plain = MustRun({.seed = seed, .sagas = 40});
      const SimResult broken = MustRun({.seed = seed, .sagas = 40, .break_name = name});
      changed = plain.trace_hash != broken.trace_hash;
    }
    EXPECT_TRUE(changed) << "--break " << name << " changed no run of 50 seeds";
  }
}

// The services' breaks are process-wide: a run with one leaves none to the next run.
TEST_F(SimTest, ABreakEndsWithItsRun) {
  const SimResult before = MustRun({.seed = 4, .sagas = 40, .mode = SagaMode::kChoreography});
  for (const std::string& name : ListBreaks()) {
    MustRun({.seed = 4, .sagas = 40, .mode = SagaMode::kChoreography, .break_name = name});
    const SimResult after = MustRun({.seed = 4, .sagas = 40, .mode = SagaMode::kChoreography});
    EXPECT_TRUE(after.ok()) << name << ": " << Explain(after);
    EXPECT_EQ(after.trace_hash, before.trace_hash) << name;
    EXPECT_EQ(after.state_hash, before.state_hash) << name;
  }
}

TEST(SimFaultsTest, UnknownBreakIsRefused) {
  auto result = RunSimulation({.seed = 1, .sagas = 1, .break_name = "seatbelts-off"});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::kInvalidRequest);
}

TEST(SimFaultsTest, ParsesListsAndRefusesUnknownNames) {
  EXPECT_EQ(FaultsName(ParseFaults("all").value()), "all");
  EXPECT_EQ(FaultsName(ParseFaults("none").value()), "none");
  auto some = ParseFaults("drop,crash");
  ASSERT_TRUE(some.ok());
  EXPECT_TRUE(some->drop);
  EXPECT_TRUE(some->crash);
  EXPECT_FALSE(some->duplicate);
  EXPECT_EQ(FaultsName(*some), "drop,crash");
  EXPECT_FALSE(ParseFaults("drop,meteor").ok());
}

TEST(SimFaultsTest, ReplayCommandNamesTheSeedAndTheRun) {
  const std::string command =
      ReplayCommand({.seed = 7, .sagas = 25, .faults = ParseFaults("drop").value()});
  EXPECT_EQ(command,
            "tinysaga sim --seed 7 --mode orchestration --sagas 25 --faults drop --trace "
            "sim-7.trace");
  EXPECT_EQ(ReplayCommand({.seed = 7,
                           .sagas = 25,
                           .mode = SagaMode::kChoreography,
                           .break_name = "debit-id-per-attempt"}),
            "tinysaga sim --seed 7 --mode choreography --sagas 25 --faults all --break "
            "debit-id-per-attempt --trace sim-7.trace");
}

}  // namespace
}  // namespace tinysaga::sim

// Real bugs the simulator found (issue 14's note, docs/simulation.md), fixed. Their seeds ran
// here as regression tests until the workload changed (2026-12-07: stock and deposits sized to
// the run, a refused customer trying the next product), after which seeds 179 and 12 no longer
// meet those moments; each bug is pinned by a unit test of the code that was wrong instead, and
// the seeds stay in CI's sweep:
// - a ReserveStock lost by the broker, retried and refused (OutOfStock), then published again
//   and applied for a FAILED order: InventoryCommandsTest.
//   AnOlderAttemptAfterARefusalReservesNothingEvenWhenStockIsBack;
// - a lost MarkPlaced reply, the order canceled meanwhile, the saga's retry refused and given
//   up: OrderCommandsTest.MarkPlacedForAnOrderCanceledAfterItWasPlacedIsDone.
