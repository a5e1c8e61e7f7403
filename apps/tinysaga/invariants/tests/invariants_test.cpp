// The pure core: a consistent snapshot passes, and each invariant broken on purpose is
// reported, with its kind, its subject and the numbers that disagree, and nothing else.

#include "tinysaga/invariants/invariants.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "world.h"

namespace tinysaga::invariants {
namespace {

using ::testing::HasSubstr;
using testing::kNowMs;
using testing::World;

Rules Settled() { return Rules{.settled = true, .saga_grace_ms = 60'000, .now_ms = kNowMs}; }
Rules NotSettled() { return Rules{.settled = false, .saga_grace_ms = 60'000, .now_ms = kNowMs}; }

std::string Dump(const Report& report) {
  std::ostringstream out;
  PrintReport(report, out);
  return out.str();
}

std::set<ViolationKind> KindsOf(const Report& report) {
  std::set<ViolationKind> kinds;
  for (const Violation& violation : report.violations) kinds.insert(violation.kind);
  return kinds;
}

// The message of the one violation of `kind` about `subject`; fails the test otherwise.
std::string MessageOf(const Report& report, ViolationKind kind, const std::string& subject) {
  std::string found;
  int count = 0;
  for (const Violation& violation : report.violations) {
    if (violation.kind == kind && violation.subject == subject) {
      found = violation.message;
      ++count;
    }
  }
  EXPECT_EQ(count, 1) << ViolationKindName(kind) << " " << subject << " in\n" << Dump(report);
  return found;
}

World Shop() {
  World world;
  world.Wallet("alice", 10'000).Wallet("bob", 500).Product("mug", 10).Product("tee", 1);
  return world;
}

// Every way an order can end, as the services leave it.
World EveryOutcome() {
  World world = Shop();
  world.Placed("o1", "alice", "mug", 2, 1'000)
      .Placed("o2", "alice", "mug", 1, 500, "DELIVERED")
      .Initiated("o3", "bob", "mug", 1, 500)
      .FailedInsufficientFunds("o4", "bob", "mug", 3, 1'500)
      .FailedOutOfStock("o5", "alice", "tee", 2, 800)
      .FailedUnavailableVoided("o6", "alice", "mug", 1, 500)
      .CanceledAfterPlacing("o7", "alice", "tee", 1, 400)
      .Order("o8", "bob", "mug", 1, 500, "CANCELED");
  return world;
}

TEST(Invariants, EveryOutcomeOfAConsistentSystemPasses) {
  World world = EveryOutcome();
  const Report report = Evaluate(world.snapshot(), Settled());
  EXPECT_TRUE(report.ok()) << Dump(report);
  const Summary& summary = report.summary;
  EXPECT_EQ(summary.orders_by_status.at("PLACED"), 1);
  EXPECT_EQ(summary.orders_by_status.at("FAILED"), 3);
  EXPECT_EQ(summary.orders_by_status.at("CANCELED"), 2);
  EXPECT_EQ(summary.orders_in_flight, 0);
  EXPECT_EQ(summary.wallets, 2);
  EXPECT_EQ(summary.deposits_cents, 10'500);
  EXPECT_EQ(summary.payments_kept_cents, 1'500);
  EXPECT_EQ(summary.balances_cents, 10'500 - 1'500);
  EXPECT_EQ(summary.stock_supplied, 11);
  EXPECT_EQ(summary.stock_taken, 3);
  EXPECT_EQ(summary.stock_available, 8);
  EXPECT_EQ(summary.sagas_by_type_and_status.at("order COMPLETED"), 3);
  EXPECT_EQ(summary.sagas_by_type_and_status.at("cancel COMPLETED"), 1);
  EXPECT_THAT(Dump(report), HasSubstr("OK: every invariant holds"));
}

TEST(Invariants, AnEmptySystemPasses) {
  const Report report = Evaluate(Snapshot{}, Settled());
  EXPECT_TRUE(report.ok()) << Dump(report);
  EXPECT_FALSE(report.summary.sagas_checked);
}

TEST(Invariants, AFailedPaymentMayRecordItsVoidAsARefundRow) {
  World world = Shop();
  world.FailedUnavailableVoided("o1", "alice", "mug", 1, 500)
      .Payment("o1", "alice", "REFUND", "COMPLETED", 500);
  const Report report = Evaluate(world.snapshot(), Settled());
  EXPECT_TRUE(report.ok()) << Dump(report);
}

TEST(Invariants, AVoidOfADebitThatNeverHappenedRefundsNothing) {
  World world = Shop();
  world.Order("o1", "alice", "mug", 1, 500, "FAILED")
      .Payment("o1", "alice", "PAYMENT", "FAILED", 500)
      .Payment("o1", "alice", "REFUND", "COMPLETED", 0)
      .Saga("o1", "order", "FAILED");
  world.PaymentOf("o1").failure_reason = "UNAVAILABLE";
  const Report report = Evaluate(world.snapshot(), Settled());
  EXPECT_TRUE(report.ok()) << Dump(report);
}

TEST(Invariants, PaymentRejectedBecauseTheOrderChangedNeedsNoSaga) {
  World world = Shop();
  world.Order("o1", "alice", "mug", 1, 500, "CANCELED")
      .Payment("o1", "alice", "PAYMENT", "FAILED", 500)
      .Order("o2", "alice", "mug", 1, 500, "INITIATED")
      .Payment("o2", "alice", "PAYMENT", "FAILED", 500);
  world.PaymentOf("o1").failure_reason = "ORDER_REJECTED";
  world.PaymentOf("o2").failure_reason = "ORDER_REJECTED";
  const Report report = Evaluate(world.snapshot(), Settled());
  EXPECT_TRUE(report.ok()) << Dump(report);
}

TEST(Invariants, MalformedRowIsReported) {
  World world = EveryOutcome();
  world.OrderOf("o1").status = "SHIPPED";
  world.Movement("mug", 1, "RESERVE", std::string("o9"));
  const Report report = Evaluate(world.snapshot(), Settled());
  EXPECT_THAT(MessageOf(report, ViolationKind::kMalformedRow, "order o1"),
              HasSubstr("unknown order status 'SHIPPED'"));
  EXPECT_THAT(Dump(report), HasSubstr("has the wrong sign"));
}

TEST(Invariants, NegativeBalanceAndStockAreReported) {
  World world = Shop();
  world.Ledger("bob", "WITHDRAWAL", 700, std::nullopt);
  world.Movement("mug", -11, "ADJUST", std::nullopt);
  const Report report = Evaluate(world.snapshot(), Settled());
  EXPECT_EQ(KindsOf(report), std::set<ViolationKind>{ViolationKind::kNegative});
  EXPECT_THAT(MessageOf(report, ViolationKind::kNegative, "wallet bob"),
              HasSubstr("balance -200 cents is negative"));
  EXPECT_THAT(MessageOf(report, ViolationKind::kNegative, "product mug"),
              HasSubstr("available count -1"));
}

TEST(Invariants, BalanceThatDisagreesWithTheLedgerIsReported) {
  World world = EveryOutcome();
  world.WalletOf("bob").balance_cents += 1;
  const Report report = Evaluate(world.snapshot(), Settled());
  EXPECT_EQ(KindsOf(report), (std::set<ViolationKind>{ViolationKind::kWalletLedger,
                                                      ViolationKind::kMoneyNotConserved}));
  EXPECT_THAT(MessageOf(report, ViolationKind::kWalletLedger, "wallet bob"),
              HasSubstr("balance is 501 cents but its ledger sums to 500 cents (deposits 500"));
}

TEST(Invariants, LedgerEntriesWithoutAWalletAreReported) {
  World world = Shop();
  world.snapshot().ledger.push_back(LedgerRow{
      .entry_id = "txn_x", .user_id = "carol", .entry_type = "DEPOSIT", .amount_cents = 5});
  const Report report = Evaluate(world.snapshot(), Settled());
  EXPECT_THAT(MessageOf(report, ViolationKind::kWalletLedger, "wallet carol"),
              HasSubstr("no wallet row, but ledger entries sum to 5 cents"));
}

TEST(Invariants, CompletedPaymentWithoutADebitIsReportedAndMoneyIsNotConserved) {
  World world = Shop();
  world.Order("o1", "alice", "mug", 1, 500, "PLACED")
      .Payment("o1", "alice", "PAYMENT", "COMPLETED", 500)
      .Movement("mug", -1, "RESERVE", std::string("o1"))
      .Saga("o1", "order", "COMPLETED");
  const Report report = Evaluate(world.snapshot(), Settled());
  EXPECT_EQ(KindsOf(report), (std::set<ViolationKind>{ViolationKind::kPaymentDebit,
                                                      ViolationKind::kMoneyNotConserved}));
  EXPECT_THAT(MessageOf(report, ViolationKind::kPaymentDebit, "order o1"),
              HasSubstr("(COMPLETED, 500 cents) but the wallet has no debit for the order"));
  EXPECT_THAT(MessageOf(report, ViolationKind::kMoneyNotConserved, "money"),
              HasSubstr("wallet balances total 10500 cents, but deposits 10500 - withdrawals 0 - "
                        "completed payments 500 - charged for orders in flight 0 = 10000 cents"));
}

TEST(Invariants, DebitOfAnotherAmountIsReported) {
  World world = Shop();
  world.Order("o1", "alice", "mug", 1, 500, "PLACED")
      .Payment("o1", "alice", "PAYMENT", "COMPLETED", 500)
      .Ledger("alice", "DEBIT", 400, std::string("o1"))
      .Movement("mug", -1, "RESERVE", std::string("o1"))
      .Saga("o1", "order", "COMPLETED");
  const Report report = Evaluate(world.snapshot(), Settled());
  EXPECT_THAT(MessageOf(report, ViolationKind::kPaymentDebit, "order o1"),
              HasSubstr("(COMPLETED, 500 cents) but wallet debit " +
                        world.snapshot().ledger.back().entry_id + " is 400 cents"));
}

TEST(Invariants, DebitWithoutAPaymentRowIsReportedEvenWhenVoided) {
  World world = Shop();
  world.FailedInsufficientFunds("o1", "bob", "mug", 1, 500)
      .Initiated("o2", "alice", "mug", 1, 500)
      .Ledger("alice", "DEBIT", 500, std::string("o2"))
      .Ledger("alice", "CREDIT", 500, std::string("o2"));
  const Report report = Evaluate(world.snapshot(), Settled());
  EXPECT_EQ(KindsOf(report), std::set<ViolationKind>{ViolationKind::kPaymentDebit});
  EXPECT_THAT(MessageOf(report, ViolationKind::kPaymentDebit, "order o2"),
              HasSubstr("(500 cents) is for the order, but there is no PAYMENT row"));
}

TEST(Invariants, RefundWithoutACreditIsReported) {
  World world = Shop();
  world.Order("o1", "alice", "tee", 2, 800, "FAILED")
      .Payment("o1", "alice", "PAYMENT", "REFUNDED", 800)
      .Ledger("alice", "DEBIT", 800, std::string("o1"))
      .Payment("o1", "alice", "REFUND", "COMPLETED", 800)
      .Saga("o1", "order", "FAILED");
  const Report report = Evaluate(world.snapshot(), Settled());
  EXPECT_EQ(KindsOf(report), (std::set<ViolationKind>{ViolationKind::kRefundCredit,
                                                      ViolationKind::kMoneyNotConserved}));
  EXPECT_THAT(MessageOf(report, ViolationKind::kRefundCredit, "order o1"),
              HasSubstr("(COMPLETED, 800 cents) but the wallet has no credit for the order"));
}

TEST(Invariants, RefundedPaymentWithoutARefundRowIsReported) {
  World world = Shop();
  world.Order("o1", "alice", "tee", 2, 800, "FAILED")
      .Payment("o1", "alice", "PAYMENT", "REFUNDED", 800)
      .Ledger("alice", "DEBIT", 800, std::string("o1"))
      .Ledger("alice", "CREDIT", 800, std::string("o1"))
      .Saga("o1", "order", "FAILED");
  const Report report = Evaluate(world.snapshot(), Settled());
  EXPECT_EQ(KindsOf(report), std::set<ViolationKind>{ViolationKind::kRefundCredit});
  EXPECT_THAT(MessageOf(report, ViolationKind::kRefundCredit, "order o1"),
              HasSubstr("REFUNDED, 800 cents) but there is no REFUND row"));
}

TEST(Invariants, DebitThatWentThroughUnseenAndWasNotVoidedIsReported) {
  World world = Shop();
  world.Order("o1", "alice", "mug", 1, 500, "FAILED")
      .Payment("o1", "alice", "PAYMENT", "FAILED", 500)
      .Ledger("alice", "DEBIT", 500, std::string("o1"))
      .Saga("o1", "order", "FAILED");
  const Report report = Evaluate(world.snapshot(), Settled());
  EXPECT_EQ(KindsOf(report), (std::set<ViolationKind>{ViolationKind::kNetCharge,
                                                      ViolationKind::kMoneyNotConserved}));
  const std::string message = MessageOf(report, ViolationKind::kNetCharge, "order o1");
  EXPECT_THAT(message, HasSubstr("charged 500 cents net for the order (1 debits, 0 credits) but "
                                 "PAYMENT " +
                                 world.PaymentOf("o1").transaction_id +
                                 " (FAILED, 500 cents), so it must be 0 cents"));
  EXPECT_THAT(message, HasSubstr("a debit that went through unseen was not voided"));
}

TEST(Invariants, CreditWithoutADebitIsReported) {
  World world = Shop();
  world.FailedInsufficientFunds("o1", "bob", "mug", 1, 500)
      .Ledger("bob", "CREDIT", 500, std::string("o1"));
  const Report report = Evaluate(world.snapshot(), Settled());
  EXPECT_THAT(MessageOf(report, ViolationKind::kNetCharge, "order o1"),
              HasSubstr("charged -500 cents net"));
}

TEST(Invariants, StockThatDisagreesWithItsMovementsIsReported) {
  World world = EveryOutcome();
  world.ProductOf("mug").available_count += 2;
  const Report report = Evaluate(world.snapshot(), Settled());
  EXPECT_EQ(KindsOf(report), std::set<ViolationKind>{ViolationKind::kStockNotConserved});
  EXPECT_THAT(MessageOf(report, ViolationKind::kStockNotConserved, "product mug"),
              HasSubstr("available 9 + taken by orders 3 = 12, but initial + restocks - "
                        "adjustments = 10"));
}

TEST(Invariants, MovementsOfAnUnknownProductAreReported) {
  World world = Shop();
  world.snapshot().movements.push_back(
      MovementRow{.id = 99, .product_id = "hat", .delta = 3, .kind = "RESTOCK"});
  const Report report = Evaluate(world.snapshot(), Settled());
  EXPECT_THAT(MessageOf(report, ViolationKind::kStockNotConserved, "product hat"),
              HasSubstr("for a product that does not exist"));
}

TEST(Invariants, ReservationThatDisagreesWithTheOrderIsReported) {
  World world = Shop();
  world.Order("o1", "alice", "mug", 2, 1'000, "PLACED")
      .Payment("o1", "alice", "PAYMENT", "COMPLETED", 1'000)
      .Ledger("alice", "DEBIT", 1'000, std::string("o1"))
      .Movement("mug", -3, "RESERVE", std::string("o1"))
      .Saga("o1", "order", "COMPLETED");
  const Report report = Evaluate(world.snapshot(), Settled());
  EXPECT_THAT(MessageOf(report, ViolationKind::kReservation, "order o1"),
              HasSubstr("RESERVE " + std::to_string(world.snapshot().movements.back().id) +
                        " (-3 of mug) but the order is for 2 of mug"));
}

TEST(Invariants, ReleaseWithoutAReservationIsReported) {
  World world = Shop();
  world.FailedOutOfStock("o1", "alice", "tee", 1, 800)
      .Movement("tee", 1, "RELEASE", std::string("o1"));
  const Report report = Evaluate(world.snapshot(), Settled());
  EXPECT_THAT(MessageOf(report, ViolationKind::kReservation, "order o1"),
              HasSubstr("gives back stock the order never reserved"));
}

TEST(Invariants, ReleaseThatFoundNothingClosesTheOrderWithoutAMistake) {
  World world = Shop();
  world.FailedOutOfStock("o1", "alice", "tee", 2, 800)
      .Movement("tee", 0, "RELEASE", std::string("o1"));
  const Report report = Evaluate(world.snapshot(), Settled());
  EXPECT_TRUE(report.ok()) << Dump(report);
}

TEST(Invariants, ReleaseOfNothingAfterAReservationIsReported) {
  World world = Shop();
  world.Placed("o1", "alice", "mug", 2, 1'000, "CANCELED")
      .Movement("mug", 0, "RELEASE", std::string("o1"));
  world.PaymentOf("o1").payment_status = "REFUNDED";
  world.Payment("o1", "alice", "REFUND", "COMPLETED", 1'000)
      .Ledger("alice", "CREDIT", 1'000, std::string("o1"))
      .Saga("o1", "cancel", "COMPLETED");
  const Report report = Evaluate(world.snapshot(), Settled());
  EXPECT_THAT(MessageOf(report, ViolationKind::kReservation, "order o1"),
              HasSubstr("does not give back RESERVE"));
  EXPECT_THAT(MessageOf(report, ViolationKind::kOrderInconsistent, "order o1"),
              HasSubstr("CANCELED but holds 2 of its 2 units of mug (it must hold none)"));
}

TEST(Invariants, PlacedOrderWithoutStockIsInconsistent) {
  World world = Shop();
  world.Order("o1", "alice", "mug", 2, 1'000, "PLACED")
      .Payment("o1", "alice", "PAYMENT", "COMPLETED", 1'000)
      .Ledger("alice", "DEBIT", 1'000, std::string("o1"))
      .Saga("o1", "order", "COMPLETED");
  const Report report = Evaluate(world.snapshot(), Settled());
  EXPECT_EQ(KindsOf(report), std::set<ViolationKind>{ViolationKind::kOrderInconsistent});
  EXPECT_THAT(MessageOf(report, ViolationKind::kOrderInconsistent, "order o1"),
              HasSubstr("PLACED but holds 0 of its 2 units of mug (it must hold all of them)"));
}

TEST(Invariants, FailedOrderThatKeptThePaymentIsInconsistent) {
  World world = Shop();
  world.Order("o1", "alice", "mug", 1, 500, "FAILED")
      .Payment("o1", "alice", "PAYMENT", "COMPLETED", 500)
      .Ledger("alice", "DEBIT", 500, std::string("o1"))
      .Saga("o1", "order", "FAILED");
  const Report report = Evaluate(world.snapshot(), Settled());
  EXPECT_EQ(KindsOf(report), std::set<ViolationKind>{ViolationKind::kOrderInconsistent});
  EXPECT_THAT(MessageOf(report, ViolationKind::kOrderInconsistent, "order o1"),
              HasSubstr("FAILED but payment " + world.PaymentOf("o1").transaction_id +
                        " is COMPLETED (it must be FAILED or REFUNDED)"));
}

TEST(Invariants, PaymentOfAnotherAmountThanThePriceIsInconsistent) {
  World world = Shop();
  world.Placed("o1", "alice", "mug", 1, 500);
  world.OrderOf("o1").price_cents = 600;
  const Report report = Evaluate(world.snapshot(), Settled());
  EXPECT_THAT(MessageOf(report, ViolationKind::kOrderInconsistent, "order o1"),
              HasSubstr("is 500 cents from alice, but the order costs 600 cents"));
}

TEST(Invariants, OrderInPaymentIsAViolationOnlyWhenSettled) {
  World world = Shop();
  // The debit went through; Payment has not recorded the outcome yet.
  world.Order("o1", "alice", "mug", 1, 500, "PAYMENT_PENDING")
      .Ledger("alice", "DEBIT", 500, std::string("o1"));
  const Report settled = Evaluate(world.snapshot(), Settled());
  EXPECT_EQ(KindsOf(settled), std::set<ViolationKind>{ViolationKind::kInFlight});
  EXPECT_THAT(MessageOf(settled, ViolationKind::kInFlight, "order o1"),
              HasSubstr("not at rest: the order is PAYMENT_PENDING"));

  const Report in_flight = Evaluate(world.snapshot(), NotSettled());
  EXPECT_TRUE(in_flight.ok()) << Dump(in_flight);
  EXPECT_EQ(in_flight.summary.orders_in_flight, 1);
  EXPECT_EQ(in_flight.summary.charged_in_flight_cents, 500);
}

TEST(Invariants, CancelRequestedButNeverDoneIsAViolationWhenSettled) {
  World world = Shop();
  world.Placed("o1", "alice", "mug", 1, 500).Saga("o1", "cancel", "FAILED");
  world.OrderOf("o1").cancel_requested = true;
  const Report report = Evaluate(world.snapshot(), Settled());
  EXPECT_THAT(MessageOf(report, ViolationKind::kInFlight, "order o1"),
              HasSubstr("a cancel was requested but the order is still PLACED; order saga sag_"));
}

TEST(Invariants, EffectsAppliedTwiceAreReported) {
  World world = Shop();
  world.Placed("o1", "alice", "mug", 1, 500)
      .Ledger("alice", "DEBIT", 500, std::string("o1"))
      .Placed("o2", "alice", "mug", 1, 500);
  world.snapshot().movements.push_back(
      MovementRow{.id = 99, .product_id = "mug", .delta = -1, .kind = "RESERVE", .order_id = "o2"});
  world.ProductOf("mug").available_count -= 1;
  const Report report = Evaluate(world.snapshot(), Settled());
  EXPECT_THAT(MessageOf(report, ViolationKind::kDuplicateEffect, "order o1"),
              HasSubstr("the wallet was debited 2 times for the order"));
  EXPECT_THAT(MessageOf(report, ViolationKind::kDuplicateEffect, "order o2"),
              HasSubstr("stock moved 2 times for the order"));
}

TEST(Invariants, TwoPaymentRowsForOneOrderAreReported) {
  World world = Shop();
  world.Placed("o1", "alice", "mug", 1, 500).Payment("o1", "alice", "PAYMENT", "FAILED", 500);
  const Report report = Evaluate(world.snapshot(), Settled());
  EXPECT_THAT(MessageOf(report, ViolationKind::kDuplicateEffect, "order o1"),
              HasSubstr("2 PAYMENT rows"));
}

TEST(Invariants, EffectsForAnUnknownOrderAreReported) {
  World world = Shop();
  world.Payment("ghost", "alice", "PAYMENT", "COMPLETED", 500)
      .Ledger("alice", "DEBIT", 500, std::string("ghost"));
  const Report report = Evaluate(world.snapshot(), Settled());
  EXPECT_EQ(KindsOf(report), std::set<ViolationKind>{ViolationKind::kOrphanEffect});
  EXPECT_THAT(MessageOf(report, ViolationKind::kOrphanEffect, "order ghost"),
              HasSubstr("no such order in the Order DB, but PAYMENT " +
                        world.PaymentOf("ghost").transaction_id + ", wallet DEBIT " +
                        world.snapshot().ledger.back().entry_id + " refer to it"));
}

TEST(Invariants, PaidOrderWithoutASagaIsReported) {
  World world = Shop();
  world.Placed("o1", "alice", "mug", 1, 500);
  world.snapshot().sagas->clear();
  const Report report = Evaluate(world.snapshot(), Settled());
  EXPECT_EQ(KindsOf(report), std::set<ViolationKind>{ViolationKind::kSagaMissing});
  EXPECT_THAT(
      MessageOf(report, ViolationKind::kSagaMissing, "order o1"),
      HasSubstr("the order is PLACED and its payment was decided, but it has no order saga"));
  EXPECT_TRUE(Evaluate(world.snapshot(), NotSettled()).ok());
}

TEST(Invariants, SagaChecksAreSkippedWithoutASagaDb) {
  World world = Shop();
  world.Placed("o1", "alice", "mug", 1, 500);
  world.snapshot().sagas.reset();
  world.snapshot().sagas_absent_reason = "no orchestrator database";
  const Report report = Evaluate(world.snapshot(), Settled());
  EXPECT_TRUE(report.ok()) << Dump(report);
  EXPECT_THAT(Dump(report), HasSubstr("sagas: not checked (no orchestrator database)"));
}

TEST(Invariants, TwoSagasForOneOrderAreReported) {
  World world = Shop();
  world.Placed("o1", "alice", "mug", 1, 500).Saga("o1", "order", "COMPLETED");
  const Report report = Evaluate(world.snapshot(), Settled());
  EXPECT_EQ(KindsOf(report), std::set<ViolationKind>{ViolationKind::kSagaDuplicate});
  EXPECT_THAT(MessageOf(report, ViolationKind::kSagaDuplicate, "order o1"),
              HasSubstr("2 order sagas"));
}

TEST(Invariants, SagaPastItsDeadlineAndTheGraceIsOverdueWhenSettled) {
  World world = Shop();
  world.Order("o1", "alice", "mug", 1, 500, "PAYMENT_DONE")
      .Payment("o1", "alice", "PAYMENT", "COMPLETED", 500)
      .Ledger("alice", "DEBIT", 500, std::string("o1"))
      .Saga("o1", "order", "RUNNING", kNowMs - 120'000)
      .Initiated("o2", "alice", "mug", 1, 500)
      .Saga("o2", "order", "COMPENSATING", kNowMs - 30'000);  // within the grace
  const Report report = Evaluate(world.snapshot(), Settled());
  const std::string overdue = "saga " + world.snapshot().sagas->front().saga_id;
  EXPECT_THAT(MessageOf(report, ViolationKind::kSagaOverdue, overdue),
              HasSubstr("order saga for order o1 is RUNNING and its deadline passed 120 s ago "
                        "(grace 60 s)"));
  EXPECT_EQ(KindsOf(report),
            (std::set<ViolationKind>{ViolationKind::kSagaOverdue, ViolationKind::kInFlight}));
  const Report in_flight = Evaluate(world.snapshot(), NotSettled());
  EXPECT_TRUE(in_flight.ok()) << Dump(in_flight);
}

TEST(Invariants, RunningSagaWithoutADeadlineIsOverdueWhenSettled) {
  World world = Shop();
  world.Initiated("o1", "alice", "mug", 1, 500).Saga("o1", "order", "RUNNING");
  const Report report = Evaluate(world.snapshot(), Settled());
  EXPECT_THAT(MessageOf(report, ViolationKind::kSagaOverdue,
                        "saga " + world.snapshot().sagas->front().saga_id),
              HasSubstr("without a deadline"));
}

TEST(Invariants, TerminalSagaThatDisagreesWithItsOrderIsReported) {
  World world = Shop();
  world.Placed("o1", "alice", "mug", 1, 500).Saga("o1", "cancel", "COMPLETED");
  std::vector<SagaRow>& sagas = *world.snapshot().sagas;
  sagas.front().status = "FAILED";
  const Report report = Evaluate(world.snapshot(), Settled());
  EXPECT_EQ(KindsOf(report), std::set<ViolationKind>{ViolationKind::kSagaStatus});
  ASSERT_EQ(report.violations.size(), 2u) << Dump(report);
  EXPECT_EQ(report.violations[0].subject, "order o1");
  EXPECT_EQ(report.violations[0].message,
            "order saga " + sagas[0].saga_id + " is FAILED but the order is PLACED");
  EXPECT_EQ(report.violations[1].message,
            "cancel saga " + sagas[1].saga_id + " is COMPLETED but the order is PLACED");
}

TEST(Invariants, ARefundTheWalletRefusedIsAViolationThatSaysWhy) {
  World world = EveryOutcome();
  world.snapshot().refused_refunds.push_back(
      RefusedRefundRow{"o1", "wallet answered HTTP 422: idempotency-key-reused"});
  for (const Rules& rules : {Settled(), NotSettled()}) {
    const Report report = Evaluate(world.snapshot(), rules);
    EXPECT_EQ(KindsOf(report), std::set<ViolationKind>{ViolationKind::kRefundRefused});
    EXPECT_THAT(MessageOf(report, ViolationKind::kRefundRefused, "order o1"),
                HasSubstr("refused its refund for good (wallet answered HTTP 422: "
                          "idempotency-key-reused)"));
  }
}

TEST(Invariants, UnsentOutboxRowsAreAViolationOnlyWhenSettled) {
  World world = EveryOutcome();
  world.snapshot().outboxes[1].unsent = 3;
  world.snapshot().outboxes[1].oldest_unsent_created_at_ms = kNowMs;
  const Report report = Evaluate(world.snapshot(), Settled());
  EXPECT_EQ(KindsOf(report), std::set<ViolationKind>{ViolationKind::kOutboxNotDrained});
  EXPECT_THAT(MessageOf(report, ViolationKind::kOutboxNotDrained, "outbox payment"),
              HasSubstr("3 messages not published yet, the oldest written at "
                        "2026-01-01T00:00:00.000Z"));
  EXPECT_TRUE(Evaluate(world.snapshot(), NotSettled()).ok());
}

TEST(Invariants, ReportListsTheSummaryAndEachViolation) {
  World world = EveryOutcome();
  world.WalletOf("bob").balance_cents += 1;
  const std::string text = Dump(Evaluate(world.snapshot(), Settled()));
  EXPECT_THAT(text,
              HasSubstr("orders: 8 (CANCELED 2, DELIVERED 1, FAILED 3, INITIATED 1, PLACED 1)"));
  EXPECT_THAT(text, HasSubstr("products: 2; stock: available 8 + taken by orders 3 = supplied 11"));
  EXPECT_THAT(text, HasSubstr("VIOLATION wallet-ledger wallet bob: balance is 501 cents"));
  EXPECT_THAT(text, HasSubstr("FAILED: 2 violations"));
}

}  // namespace
}  // namespace tinysaga::invariants
