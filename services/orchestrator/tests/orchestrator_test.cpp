// The orchestrator end to end on a real Saga DB: start events and replies delivered the way
// the inbox consumer delivers them, commands read back from the outbox, deadlines fired by
// moving a manual clock. Each flow reads as given / expect / reply.

#include "orchestrator/orchestrator.h"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <map>
#include <optional>
#include <thread>

#include "orchestrator/tests/orchestrator_fixture.h"
#include "tinysaga/saga/engine.h"

namespace tinysaga::orchestrator {
namespace {

using contracts::ChargeWallet;
using contracts::MarkCanceled;
using contracts::MarkFailed;
using contracts::MarkPlaced;
using contracts::OrderStatusChanged;
using contracts::OrderStatusRejected;
using contracts::OutOfStock;
using contracts::PaymentCharged;
using contracts::PaymentFailure;
using contracts::Refund;
using contracts::Refunded;
using contracts::ReleaseStock;
using contracts::ReserveStock;
using contracts::StockReleased;
using contracts::StockReserved;
using saga::ActionKind;
using saga::SagaStatus;
using saga::StepEventType;

constexpr std::string_view kPayment = contracts::kPaymentCommandsTopic;
constexpr std::string_view kInventory = contracts::kInventoryCommandsTopic;
constexpr std::string_view kOrderTopic = contracts::kOrderCommandsTopic;

const PaymentCharged kCharged{TransactionId("txn_1"), Money::FromCents(1250).value()};

// The order saga's steps (sagas/order/src/order_sagas.cpp), one after the other. There is no
// step for PAYMENT_DONE: Order follows Payment's PaymentCompleted itself.
constexpr int kChargeStep = 1;
constexpr int kReserveStep = 2;
constexpr int kPlacedStep = 3;

std::string StatusOf(const saga::SagaState& state) {
  return std::string(saga::SagaStatusName(state.status));
}

// The history lines of one step and direction.
std::vector<saga::StepEvent> EventsOf(const saga::SagaState& state, int step_index,
                                      ActionKind kind = ActionKind::kForward) {
  std::vector<saga::StepEvent> events;
  for (const saga::StepEvent& event : state.history) {
    if (event.step_index == step_index && event.kind == kind) events.push_back(event);
  }
  return events;
}

class OrchestratorTest : public OrchestratorFixture {};

// --- Starting ----------------------------------------------------------------------------

TEST_F(OrchestratorTest, PaymentCompletedStartsOneOrderSagaWithTheChargeDecided) {
  Start(PaymentCompletedFor("alice"));

  // PaymentCompleted is the charge's answer: no ChargeWallet. Nor does Order get a command for
  // PAYMENT_DONE (it follows the event itself): the first and only command is the reservation.
  EXPECT_EQ(SagaCount(), 1);
  const contracts::Message reserve = Expect<ReserveStock>(kInventory);
  EXPECT_EQ(reserve.envelope.order_id, kOrder);
  EXPECT_EQ(reserve.envelope.message_id,
            saga::CommandId(reserve.envelope.saga_id, kReserveStep, ActionKind::kForward, 1));
  ExpectNoCommand();

  const saga::SagaState state = State();
  EXPECT_EQ(StatusOf(state), "RUNNING");
  EXPECT_EQ(state.step_index, kReserveStep);
  EXPECT_EQ(state.attempt, 1);
  EXPECT_EQ(state.phase, saga::StepPhase::kAwaitingReply);
  EXPECT_EQ(state.saga_id, reserve.envelope.saga_id);
  EXPECT_TRUE(state.branches.empty()) << "no parallel group";
  const TimestampMs deadline_ms = clock_.NowMs() + options_.timings.forward.timeout_ms;
  EXPECT_EQ(state.deadline_ms, deadline_ms);
  const std::vector<saga::StepEvent> charge = EventsOf(state, kChargeStep);
  ASSERT_EQ(charge.size(), 1u) << "decided without being sent";
  EXPECT_EQ(charge[0].type, StepEventType::kSucceeded);
  EXPECT_EQ(charge[0].attempt, 1);
  EXPECT_EQ(charge[0].reply_type, "PaymentCharged");
  EXPECT_LE(state.saga_id.value().size(), saga::kSagaIdLengthMax);
  EXPECT_EQ(Row()->deadline_ms, state.deadline_ms);
  EXPECT_EQ(Metric("tinysaga_sagas_started_total", {{"type", "order"}}), 1);
  EXPECT_EQ(deadlines_set_, std::vector<TimestampMs>{state.deadline_ms});
}

TEST_F(OrchestratorTest, RedeliveredStartEventStartsNoSecondSaga) {
  Start(PaymentCompletedFor());
  Expect<ReserveStock>(kInventory);

  Start(PaymentCompletedFor());  // Payment published it again: a new message id
  Start(PaymentFailedFor());     // or, impossibly, the other outcome: still the one saga

  EXPECT_EQ(SagaCount(), 1);
  ExpectNoCommand();
  EXPECT_EQ(Metric("tinysaga_sagas_started_total", {{"type", "order"}}), 1);
  EXPECT_EQ(Metric("tinysaga_saga_inputs_ignored_total", {{"reason", "saga-exists"}}), 2);
}

TEST_F(OrchestratorTest, OrdersHaveOneSagaEach) {
  Start(PaymentCompletedFor(), OrderId("ord_a"));
  Start(PaymentCompletedFor(), OrderId("ord_b"));
  EXPECT_EQ(SagaCount(), 2);
  EXPECT_EQ(Expect<ReserveStock>(kInventory).envelope.order_id, OrderId("ord_a"));
  EXPECT_EQ(Expect<ReserveStock>(kInventory).envelope.order_id, OrderId("ord_b"));
}

TEST_F(OrchestratorTest, CommandsOnItsTopicsAreIgnoredNotDeadLettered) {
  EXPECT_TRUE(Deliver(Event(ChargeWallet{UserId("alice"), Money::FromCents(1).value()})).ok());
  EXPECT_EQ(SagaCount(), 0);
  EXPECT_EQ(Metric("tinysaga_saga_inputs_ignored_total", {{"reason", "command"}}), 1);
}

// --- The order saga ------------------------------------------------------------------------

TEST_F(OrchestratorTest, RepliesDriveTheOrderSagaToCompleted) {
  Start(PaymentCompletedFor());
  const contracts::Message reserve = Expect<ReserveStock>(kInventory);
  Reply(reserve, StockReserved{});
  // One step after the other: MarkPlaced only once the stock is reserved.
  const contracts::Message placed = Expect<MarkPlaced>(kOrderTopic);
  EXPECT_EQ(placed.envelope.saga_id, reserve.envelope.saga_id);
  EXPECT_EQ(placed.envelope.message_id,
            saga::CommandId(placed.envelope.saga_id, kPlacedStep, ActionKind::kForward, 1));
  ExpectNoCommand();
  Reply(placed, OrderStatusChanged{"PLACED"});
  ExpectNoCommand();

  EXPECT_EQ(StatusOf(State()), "COMPLETED");
  EXPECT_EQ(Row()->status, "COMPLETED");
  EXPECT_EQ(Row()->deadline_ms, std::nullopt) << "finished sagas leave the timer's index";
  EXPECT_EQ(Metric("tinysaga_sagas_completed_total", {{"type", "order"}}), 1);
  EXPECT_EQ(FireDueTimers(), 0u);
}

TEST_F(OrchestratorTest, InsufficientFundsMarksTheOrderFailedWithoutARefund) {
  Start(PaymentFailedFor("alice", PaymentFailure::kInsufficientFunds));
  // The declined charge failed with nothing debited: straight to step 0, no Refund.
  const contracts::Message mark_failed = Expect<MarkFailed>(kOrderTopic);
  EXPECT_EQ(std::get<MarkFailed>(mark_failed.payload).reason, "insufficient funds");
  EXPECT_EQ(mark_failed.envelope.message_id,
            saga::CommandId(mark_failed.envelope.saga_id, 0, ActionKind::kCompensation, 1));
  const std::vector<saga::StepEvent> charge = EventsOf(State(), kChargeStep);
  ASSERT_EQ(charge.size(), 1u) << "decided without being sent";
  EXPECT_EQ(charge[0].type, StepEventType::kFailed);
  EXPECT_EQ(charge[0].reply_type, "PaymentDeclined");
  Reply(mark_failed, OrderStatusChanged{"FAILED"});
  ExpectNoCommand();

  const saga::SagaState state = State();
  EXPECT_EQ(StatusOf(state), "FAILED");
  EXPECT_EQ(state.failure_reason, "insufficient funds");
  EXPECT_TRUE(EventsOf(state, kChargeStep, ActionKind::kCompensation).empty()) << "no refund";
  EXPECT_EQ(Metric("tinysaga_sagas_failed_total", {{"type", "order"}}), 1);
}

TEST_F(OrchestratorTest, PaymentUnavailableRefundsTheUnseenDebitThenMarksTheOrderFailed) {
  Start(PaymentFailedFor("alice", PaymentFailure::kUnavailable));
  // A debit may have gone through unseen: compensation starts at the charge step itself.
  const contracts::Message refund = Expect<Refund>(kPayment);
  const auto& command = std::get<Refund>(refund.payload);
  EXPECT_EQ(command.user_id, UserId("alice"));
  EXPECT_EQ(command.amount.cents(), 1250);
  EXPECT_EQ(refund.envelope.message_id,
            saga::CommandId(refund.envelope.saga_id, kChargeStep, ActionKind::kCompensation, 1));
  ExpectNoCommand();
  saga::SagaState state = State();
  EXPECT_EQ(StatusOf(state), "COMPENSATING");
  EXPECT_EQ(state.failure_reason, "payment service unavailable");
  const std::vector<saga::StepEvent> charge = EventsOf(state, kChargeStep);
  ASSERT_EQ(charge.size(), 1u) << "decided without being sent";
  EXPECT_EQ(charge[0].type, StepEventType::kFailed);
  EXPECT_EQ(charge[0].reply_type, "PaymentUnavailable");

  Reply(refund, Refunded{std::nullopt, Money::FromCents(0).value()});  // nothing was debited
  const contracts::Message mark_failed = Expect<MarkFailed>(kOrderTopic);
  EXPECT_EQ(std::get<MarkFailed>(mark_failed.payload).reason, "payment service unavailable");
  Reply(mark_failed, OrderStatusChanged{"FAILED"});
  ExpectNoCommand();

  state = State();
  EXPECT_EQ(StatusOf(state), "FAILED");
  EXPECT_EQ(Metric("tinysaga_sagas_failed_total", {{"type", "order"}}), 1);
}

TEST_F(OrchestratorTest, OutOfStockRefundsThenMarksTheOrderFailed) {
  Start(PaymentCompletedFor());
  Reply(Expect<ReserveStock>(kInventory), OutOfStock{0});
  Reply(Expect<Refund>(kPayment), Refunded{TransactionId("txn_2"), Money::FromCents(1250).value()});
  const contracts::Message mark_failed = Expect<MarkFailed>(kOrderTopic);
  EXPECT_EQ(std::get<MarkFailed>(mark_failed.payload).reason, "out of stock, payment refunded");
  Reply(mark_failed, OrderStatusChanged{"FAILED"});
  ExpectNoCommand();
  EXPECT_EQ(StatusOf(State()), "FAILED");
}

TEST_F(OrchestratorTest, RejectedMarkPlacedReleasesTheStockRefundsAndMarksTheOrderFailed) {
  Start(PaymentCompletedFor());
  Reply(Expect<ReserveStock>(kInventory), StockReserved{});
  // The order changed meanwhile (here: FAILED): nothing was placed, so compensation starts
  // below the step, with the reservation.
  Reply(Expect<MarkPlaced>(kOrderTopic),
        OrderStatusRejected{"FAILED", "FAILED cannot become PLACED"});
  const contracts::Message release = Expect<ReleaseStock>(kInventory);
  EXPECT_EQ(release.envelope.message_id,
            saga::CommandId(release.envelope.saga_id, kReserveStep, ActionKind::kCompensation, 1));
  Reply(release, StockReleased{});
  Reply(Expect<Refund>(kPayment), Refunded{TransactionId("txn_2"), Money::FromCents(1250).value()});
  const contracts::Message mark_failed = Expect<MarkFailed>(kOrderTopic);
  EXPECT_EQ(std::get<MarkFailed>(mark_failed.payload).reason,
            "order changed meanwhile, payment refunded");
  Reply(mark_failed, OrderStatusChanged{"FAILED"});
  ExpectNoCommand();
  EXPECT_EQ(StatusOf(State()), "FAILED");
}

TEST_F(OrchestratorTest, DuplicateAndStaleRepliesChangeNothing) {
  Start(PaymentCompletedFor());
  const contracts::Message reserve = Expect<ReserveStock>(kInventory);
  ASSERT_TRUE(Deliver(ReplyTo(reserve, StockReserved{})).ok());
  const contracts::Message placed = Expect<MarkPlaced>(kOrderTopic);
  const int64_t version = Row()->version;

  // The same reply again (with a new message id, so the inbox would not have caught it), a
  // late contrary answer to the reservation after it was answered, and an answer to a charge
  // the orchestrator never sent (Payment's event decided it).
  ASSERT_TRUE(Deliver(ReplyTo(reserve, StockReserved{})).ok());
  ASSERT_TRUE(Deliver(ReplyTo(reserve, OutOfStock{0})).ok());
  contracts::Message charge = Event(ChargeWallet{UserId("alice"), Money::FromCents(1250).value()});
  charge.envelope.saga_id = reserve.envelope.saga_id;
  charge.envelope.message_id =
      saga::CommandId(reserve.envelope.saga_id, kChargeStep, ActionKind::kForward, 1);
  ASSERT_TRUE(Deliver(ReplyTo(charge, kCharged)).ok());

  ExpectNoCommand();
  EXPECT_EQ(Row()->version, version);
  EXPECT_EQ(Metric("tinysaga_saga_inputs_ignored_total", {{"reason", "ignored-stale"}}), 3);
  Reply(placed, OrderStatusChanged{"PLACED"});
  EXPECT_EQ(StatusOf(State()), "COMPLETED");
}

TEST_F(OrchestratorTest, AReplyIsAppliedToTheStoredStateNotToTheLastOneWrittenHere) {
  // This orchestrator remembers the state it wrote at the start (state_cache.h). Another
  // instance on the same Saga DB then applies the reservation's reply. The same reply sent
  // again to the first one must find the stored state, at MarkPlaced, and be stale there: a
  // stale memory would apply it a second time and send MarkPlaced twice.
  Start(PaymentCompletedFor());
  const contracts::Message reserve = Expect<ReserveStock>(kInventory);
  prometheus::Registry other_registry;
  Orchestrator other(db_.db(), clock_, rng_, *catalog_, other_registry, options_);
  ASSERT_TRUE(db_.db()
                  .Write<int>([&](soci::session& session) -> Result<int> {
                    TS_RETURN_IF_ERROR(
                        other.HandleMessage(session, ReplyTo(reserve, StockReserved{})));
                    return 0;
                  })
                  .ok());
  const contracts::Message placed = Expect<MarkPlaced>(kOrderTopic);

  ASSERT_TRUE(Deliver(ReplyTo(reserve, StockReserved{})).ok());
  ExpectNoCommand();
  EXPECT_EQ(Metric("tinysaga_saga_inputs_ignored_total", {{"reason", "ignored-stale"}}), 1);
  Reply(placed, OrderStatusChanged{"PLACED"});
  EXPECT_EQ(StatusOf(State()), "COMPLETED");
}

TEST_F(OrchestratorTest, UnexpectedReplyTypeIsIgnored) {
  Start(PaymentCompletedFor());
  const contracts::Message reserve = Expect<ReserveStock>(kInventory);
  // Answers to the awaited command, of types the reservation does not know.
  Reply(reserve, OrderStatusChanged{"PAYMENT_DONE"});  // not a stock answer
  Reply(reserve, kCharged);                            // nor this
  ExpectNoCommand();
  EXPECT_EQ(Metric("tinysaga_saga_inputs_ignored_total", {{"reason", "ignored-unexpected"}}), 2);
  const saga::SagaState state = State();
  EXPECT_EQ(state.step_index, kReserveStep);
  EXPECT_EQ(state.phase, saga::StepPhase::kAwaitingReply);
  Reply(reserve, StockReserved{});  // the real answer still counts
  Expect<MarkPlaced>(kOrderTopic);
}

TEST_F(OrchestratorTest, ReplyToAFinishedSagaIsIgnored) {
  Start(PaymentFailedFor());
  const contracts::Message mark_failed = Expect<MarkFailed>(kOrderTopic);
  Reply(mark_failed, OrderStatusChanged{"FAILED"});

  Reply(mark_failed, OrderStatusChanged{"FAILED"});
  ExpectNoCommand();
  EXPECT_EQ(Metric("tinysaga_saga_inputs_ignored_total", {{"reason", "ignored-terminal"}}), 1);
}

TEST_F(OrchestratorTest, ReplyForAnUnknownSagaIsIgnoredAndCounted) {
  contracts::Message command = Event(ChargeWallet{UserId("alice"), Money::FromCents(1).value()});
  command.envelope.saga_id = SagaId("sag_from_elsewhere");
  EXPECT_TRUE(Deliver(ReplyTo(command, kCharged)).ok());
  EXPECT_EQ(SagaCount(), 0);
  EXPECT_EQ(Metric("tinysaga_saga_inputs_ignored_total", {{"reason", "unknown-saga"}}), 1);
}

// --- Timeouts and retries --------------------------------------------------------------

TEST_F(OrchestratorTest, NothingFiresBeforeTheDeadline) {
  Start(PaymentCompletedFor());
  Expect<ReserveStock>(kInventory);
  clock_.SetMs(State().deadline_ms - 1);
  EXPECT_EQ(FireDueTimers(), 0u);
  ExpectNoCommand();
}

TEST_F(OrchestratorTest, TimedOutCommandIsResentWithANewAttemptId) {
  Start(PaymentCompletedFor());
  const contracts::Message first = Expect<ReserveStock>(kInventory);

  EXPECT_EQ(TimeOut(), 1u);  // the reservation's reply deadline: back off
  ExpectNoCommand();
  saga::SagaState state = State();
  EXPECT_EQ(state.step_index, kReserveStep);
  EXPECT_EQ(state.phase, saga::StepPhase::kBackingOff);
  EXPECT_EQ(TimeOut(), 1u);  // the backoff ended: send it again
  const contracts::Message second = Expect<ReserveStock>(kInventory);
  ExpectNoCommand();

  EXPECT_NE(second.envelope.message_id, first.envelope.message_id);
  EXPECT_EQ(second.envelope.message_id,
            saga::CommandId(first.envelope.saga_id, kReserveStep, ActionKind::kForward, 2));
  EXPECT_EQ(State().attempt, 2);
  EXPECT_EQ(Metric("tinysaga_saga_timeouts_total", {{"type", "order"}}), 2);
  EXPECT_EQ(Metric("tinysaga_saga_command_retries_total", {{"type", "order"}}), 1);
  EXPECT_EQ(outbox_notifications_, 1) << "the relay is woken after the commit with a command";

  // The first attempt's answer comes too late; the second's counts.
  ASSERT_TRUE(Deliver(ReplyTo(first, StockReserved{})).ok());
  ExpectNoCommand();
  EXPECT_EQ(Metric("tinysaga_saga_inputs_ignored_total", {{"reason", "ignored-stale"}}), 1);
  Reply(second, StockReserved{});
  Expect<MarkPlaced>(kOrderTopic);
  ExpectNoCommand();
}

TEST_F(OrchestratorTest, ExhaustedReservationReleasesTheStockThenRefunds) {
  Start(PaymentCompletedFor());
  Expect<ReserveStock>(kInventory);
  const int attempts = options_.timings.forward.attempts_max;
  for (int attempt = 2; attempt <= attempts; ++attempt) {
    TimeOut();  // reply deadline
    TimeOut();  // backoff
    Expect<ReserveStock>(kInventory);
    ExpectNoCommand();
  }
  // The last attempt's deadline: give up. Unanswered, the reservation may have been made, so
  // compensation starts at its own step: the stock is released, then the charge Payment's
  // event decided is refunded.
  TimeOut();

  const contracts::Message release = Expect<ReleaseStock>(kInventory);
  EXPECT_EQ(release.envelope.message_id,
            saga::CommandId(release.envelope.saga_id, kReserveStep, ActionKind::kCompensation, 1));
  ExpectNoCommand();
  saga::SagaState state = State();
  EXPECT_EQ(StatusOf(state), "COMPENSATING");
  const std::vector<saga::StepEvent> reserve = EventsOf(state, kReserveStep);
  ASSERT_FALSE(reserve.empty());
  EXPECT_EQ(reserve.back().type, StepEventType::kGaveUp);
  EXPECT_EQ(reserve.back().attempt, attempts);
  Reply(release, StockReleased{});

  const contracts::Message refund = Expect<Refund>(kPayment);
  EXPECT_EQ(refund.envelope.message_id,
            saga::CommandId(refund.envelope.saga_id, kChargeStep, ActionKind::kCompensation, 1));
  Reply(refund, Refunded{TransactionId("txn_2"), Money::FromCents(1250).value()});
  const contracts::Message mark_failed = Expect<MarkFailed>(kOrderTopic);
  EXPECT_EQ(std::get<MarkFailed>(mark_failed.payload).reason,
            "inventory service unavailable, payment refunded");
  Reply(mark_failed, OrderStatusChanged{"FAILED"});
  EXPECT_EQ(StatusOf(State()), "FAILED");
}

TEST_F(OrchestratorTest, RestartedOrchestratorResumesFromTheStoredDeadline) {
  Start(PaymentCompletedFor());
  const contracts::Message reserve = Expect<ReserveStock>(kInventory);

  // The process died with the reservation unanswered.
  Restart();
  EXPECT_EQ(TimeOut(), 1u);  // the stored reply deadline: back off
  EXPECT_EQ(TimeOut(), 1u);  // and send it again
  const contracts::Message resent = Expect<ReserveStock>(kInventory);
  EXPECT_EQ(resent.envelope.saga_id, reserve.envelope.saga_id);
  EXPECT_EQ(resent.envelope.message_id,
            saga::CommandId(reserve.envelope.saga_id, kReserveStep, ActionKind::kForward, 2));
  ExpectNoCommand();

  Restart();  // and again: the reply still finds its saga
  Reply(resent, StockReserved{});
  Expect<MarkPlaced>(kOrderTopic);
}

TEST_F(OrchestratorTest, OneRoundTakesAtMostTheBatchSize) {
  options_.timer_batch_max = 2;
  Restart();
  for (const char* order : {"ord_1", "ord_2", "ord_3"})
    Start(PaymentCompletedFor(), OrderId(order));
  clock_.AdvanceMs(options_.timings.forward.timeout_ms);

  EXPECT_EQ(FireDueTimers(), 2u);  // a full batch: the timer goes again at once
  EXPECT_EQ(FireDueTimers(), 1u);
  EXPECT_EQ(FireDueTimers(), 0u);
}

TEST_F(OrchestratorTest, ConcurrentTimersApplyEachDeadlineOnce) {
  // Two orchestrator instances on one Saga DB: on PostgreSQL they split the due sagas (SKIP
  // LOCKED), on SQLite they take turns; either way each deadline is applied exactly once.
  constexpr int kSagas = 40;
  for (int i = 0; i < kSagas; ++i)
    Start(PaymentCompletedFor(), OrderId("ord_" + std::to_string(i)));
  clock_.AdvanceMs(options_.timings.forward.timeout_ms);
  prometheus::Registry other_registry;
  Orchestrator other(db_.db(), clock_, rng_, *catalog_, other_registry, options_);

  auto fire_until_done = [&](Orchestrator& orchestrator) {
    for (int round = 0; round < 100; ++round) {
      auto fired = orchestrator.FireDueTimers(clock_.NowMs());
      ASSERT_TRUE(fired.ok()) << fired.error().detail;
      if (*fired == 0) return;
    }
  };
  std::thread first([&] { fire_until_done(*orchestrator_); });
  std::thread second([&] { fire_until_done(other); });
  first.join();
  second.join();

  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM sagas WHERE version = 2"), kSagas);
  EXPECT_EQ(Metric("tinysaga_saga_timeouts_total", {{"type", "order"}}) +
                MetricValue(other_registry, "tinysaga_saga_timeouts_total", {{"type", "order"}}),
            kSagas);
}

// --- The cancel saga -------------------------------------------------------------------

TEST_F(OrchestratorTest, CancelRequestedRunsTheCancelSagaBesideTheOrderSaga) {
  Start(PaymentCompletedFor());
  Reply(Expect<ReserveStock>(kInventory), StockReserved{});
  Reply(Expect<MarkPlaced>(kOrderTopic), OrderStatusChanged{"PLACED"});

  Start(CancelRequestedFor());
  Reply(Expect<ReleaseStock>(kInventory), StockReleased{});
  Reply(Expect<Refund>(kPayment), Refunded{TransactionId("txn_2"), Money::FromCents(1250).value()});
  Reply(Expect<MarkCanceled>(kOrderTopic), OrderStatusChanged{"CANCELED"});
  ExpectNoCommand();

  EXPECT_EQ(SagaCount(), 2);
  EXPECT_EQ(StatusOf(State("cancel")), "COMPLETED");
  EXPECT_EQ(StatusOf(State("order")), "COMPLETED");
  EXPECT_EQ(Metric("tinysaga_sagas_started_total", {{"type", "cancel"}}), 1);

  Start(CancelRequestedFor());  // a second request: the same saga
  EXPECT_EQ(SagaCount(), 2);
  ExpectNoCommand();
}

// --- Damaged state ---------------------------------------------------------------------

TEST_F(OrchestratorTest, UnreadableSagaIsDeadLetteredOnReplyAndPutOffByTheTimer) {
  Start(PaymentCompletedFor());
  const contracts::Message reserve = Expect<ReserveStock>(kInventory);
  ASSERT_EQ(db_.Count("SELECT COUNT(*) FROM sagas"), 1);
  ASSERT_TRUE(db_.db()
                  .Write<int>([](soci::session& session) -> Result<int> {
                    session << "UPDATE sagas SET state_json = '{\"schemaVersion\": 99}'";
                    return 0;
                  })
                  .ok());

  auto delivered = Deliver(ReplyTo(reserve, StockReserved{}));
  ASSERT_FALSE(delivered.ok());
  EXPECT_EQ(delivered.error().code, Errc::kUnprocessable) << "poison: to the dead-letter topic";

  clock_.AdvanceMs(options_.timings.forward.timeout_ms);
  EXPECT_EQ(FireDueTimers(), 1u);
  EXPECT_EQ(FireDueTimers(), 0u) << "put off, so the timer does not spin on it";
  EXPECT_EQ(Row()->deadline_ms, clock_.NowMs() + options_.unreadable_retry.count());
  EXPECT_EQ(Metric("tinysaga_saga_unreadable_total"), 2);
  ExpectNoCommand();
}

TEST_F(OrchestratorTest, DeadlineColumnThatDisagreesWithTheStateIsRepaired) {
  Start(PaymentCompletedFor());
  const TimestampMs deadline_ms = State().deadline_ms;
  ASSERT_TRUE(db_.db()
                  .Write<int>([](soci::session& session) -> Result<int> {
                    session << "UPDATE sagas SET deadline_ms = 0";
                    return 0;
                  })
                  .ok());
  EXPECT_EQ(FireDueTimers(), 1u);
  EXPECT_EQ(Row()->deadline_ms, deadline_ms);
  Expect<ReserveStock>(kInventory);  // the start's; the repair sends nothing
  ExpectNoCommand();
}

TEST_F(OrchestratorTest, DeadlineColumnFollowsTheCurrentStep) {
  Start(PaymentCompletedFor());
  const contracts::Message reserve = Expect<ReserveStock>(kInventory);
  EXPECT_EQ(Row()->deadline_ms, clock_.NowMs() + options_.timings.forward.timeout_ms);

  // The reservation answers: MarkPlaced goes out with the patient timings (order_placed cannot
  // be undone), and the timer's column and the timer move to its reply deadline.
  clock_.AdvanceMs(1);
  Reply(reserve, StockReserved{});
  Expect<MarkPlaced>(kOrderTopic);
  const TimestampMs placed_deadline_ms = clock_.NowMs() + options_.timings.must_finish.timeout_ms;
  EXPECT_EQ(State().deadline_ms, placed_deadline_ms);
  EXPECT_EQ(Row()->deadline_ms, placed_deadline_ms);
  EXPECT_EQ(deadlines_set_.back(), placed_deadline_ms) << "the timer is told";

  // Nothing is due before it.
  clock_.SetMs(placed_deadline_ms - 1);
  EXPECT_EQ(FireDueTimers(), 0u);
  ExpectNoCommand();
}

TEST_F(OrchestratorTest, UnfinishedGaugeCountsRunningAndCompensatingSagas) {
  Start(PaymentCompletedFor(), OrderId("ord_1"));
  Start(PaymentFailedFor(), OrderId("ord_2"));  // compensates from the start
  Expect<ReserveStock>(kInventory);
  Expect<MarkFailed>(kOrderTopic);

  ASSERT_TRUE(orchestrator_->RefreshGauges().ok());
  EXPECT_EQ(Metric("tinysaga_sagas_unfinished", {{"state", "RUNNING"}}), 1);
  EXPECT_EQ(Metric("tinysaga_sagas_unfinished", {{"state", "COMPENSATING"}}), 1);
}

// --- Metrics ---------------------------------------------------------------------------

// The histogram child of tinysaga_saga_step_duration_seconds with these labels, if any.
std::optional<prometheus::ClientMetric::Histogram> StepDuration(
    prometheus::Registry& registry, const std::map<std::string, std::string>& labels) {
  for (const auto& family : registry.Collect()) {
    if (family.name != "tinysaga_saga_step_duration_seconds") continue;
    for (const auto& metric : family.metric) {
      std::map<std::string, std::string> found;
      for (const auto& label : metric.label) found[label.name] = label.value;
      if (found == labels) return metric.histogram;
    }
  }
  return std::nullopt;
}

// Whether the family `name` has a child labelled type=`type` (at any value, 0 included).
bool HasTypeChild(prometheus::Registry& registry, const std::string& name,
                  const std::string& type) {
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& metric : family.metric) {
      for (const auto& label : metric.label) {
        if (label.name == "type" && label.value == type) return true;
      }
    }
  }
  return false;
}

TEST_F(OrchestratorTest, PerTypeCountersExistAtZeroBeforeAnySaga) {
  for (const std::string name :
       {"tinysaga_sagas_started_total", "tinysaga_sagas_completed_total",
        "tinysaga_sagas_failed_total", "tinysaga_sagas_gave_up_total",
        "tinysaga_saga_compensations_gave_up_total", "tinysaga_saga_timeouts_total",
        "tinysaga_saga_command_retries_total"}) {
    for (const std::string type : {"order", "cancel"}) {
      EXPECT_TRUE(HasTypeChild(*registry_, name, type)) << name << " type=" << type;
      EXPECT_EQ(Metric(name, {{"type", type}}), 0) << name << " type=" << type;
    }
  }
}

TEST_F(OrchestratorTest, StepDurationIsFromTheAttemptSentToItsReplyApplied) {
  Start(PaymentCompletedFor());
  const contracts::Message reserve = Expect<ReserveStock>(kInventory);
  clock_.SetMs(clock_.NowMs() + 40);
  Reply(reserve, StockReserved{});
  const contracts::Message placed = Expect<MarkPlaced>(kOrderTopic);
  clock_.SetMs(clock_.NowMs() + 2'000);
  Reply(placed, OrderStatusChanged{"PLACED"});

  const auto reserve_duration =
      StepDuration(*registry_, {{"type", "order"}, {"step", "reserve_stock"}, {"kind", "FORWARD"}});
  ASSERT_TRUE(reserve_duration.has_value());
  EXPECT_EQ(reserve_duration->sample_count, 1u);
  EXPECT_DOUBLE_EQ(reserve_duration->sample_sum, 0.04);
  const auto placed_duration =
      StepDuration(*registry_, {{"type", "order"}, {"step", "order_placed"}, {"kind", "FORWARD"}});
  ASSERT_TRUE(placed_duration.has_value());
  EXPECT_EQ(placed_duration->sample_count, 1u);
  EXPECT_DOUBLE_EQ(placed_duration->sample_sum, 2.0);
  // The charge was decided by PaymentCompleted, never sent: it has no duration to observe.
  EXPECT_FALSE(
      StepDuration(*registry_, {{"type", "order"}, {"step", "charge_wallet"}, {"kind", "FORWARD"}})
          .has_value());
}

TEST_F(OrchestratorTest, TimedOutAttemptsObserveNoStepDuration) {
  Start(PaymentCompletedFor());
  Expect<ReserveStock>(kInventory);
  EXPECT_EQ(TimeOut(), 1u);  // the reservation's deadline passed: no reply, no duration

  const auto reserve_duration =
      StepDuration(*registry_, {{"type", "order"}, {"step", "reserve_stock"}, {"kind", "FORWARD"}});
  EXPECT_FALSE(reserve_duration.has_value());
}

}  // namespace
}  // namespace tinysaga::orchestrator
