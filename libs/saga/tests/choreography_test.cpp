// The choreographed sagas' view, built from the facts the Order service keeps: the same steps
// and statuses as the orchestrator's view for every flow, mode "choreography", and the saga
// id every service derives from the order.

#include "tinysaga/saga/choreography.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "saga_test_helper.h"
#include "tinysaga/saga/engine.h"
#include "tinysaga/sagas/order_sagas.h"

namespace tinysaga::saga {
namespace {

using namespace sagas;  // NOLINT: the order sagas, the real definitions the rules are tested on
using testing::OrderSagaWithParallelGroup;

constexpr TimestampMs kT0 = 1'767'225'600'000;  // 2026-01-01T00:00:00Z
const OrderId kOrder("ord_1");

ChoreographyFact Event(std::string_view saga_type, std::string type, TimestampMs time_ms,
                       std::string detail = "") {
  return {std::string(saga_type), std::move(type), time_ms, std::move(detail)};
}
ChoreographyFact Status(std::string_view saga_type, std::string status, TimestampMs time_ms) {
  return {std::string(saga_type), std::string(kStatusFact), time_ms, std::move(status)};
}

std::vector<std::string> Statuses(const SagaView& view) {
  std::vector<std::string> statuses;
  for (const auto& step : view.steps) statuses.emplace_back(StepViewStatusName(step.status));
  return statuses;
}
using Names = std::vector<std::string>;

// The order saga up to the payment, as Order sees it: PAYMENT_PENDING (POST /api/payment) and
// PaymentCompleted. The PAYMENT_DONE it causes is no fact of the saga: no step declares it, so
// Order leaves it out (SagaFacts).
std::vector<ChoreographyFact> Paid() {
  return {Status(kOrderSagaType, "PAYMENT_PENDING", kT0),
          Event(kOrderSagaType, "PaymentCompleted", kT0 + 10)};
}

std::vector<ChoreographyFact> Placed() {
  auto facts = Paid();
  facts.push_back(Event(kOrderSagaType, "StockReserved", kT0 + 20));
  facts.push_back(Status(kOrderSagaType, "PLACED", kT0 + 20));
  return facts;
}

std::vector<ChoreographyFact> CancelFacts() {
  return {Event(kCancelSagaType, "OrderCancelRequested", kT0 + 100),
          Event(kCancelSagaType, "StockReleased", kT0 + 110),
          Event(kCancelSagaType, "Refunded", kT0 + 120),
          Status(kCancelSagaType, "CANCELED", kT0 + 120)};
}

SagaView ViewOf(std::string_view saga_type, const std::vector<ChoreographyFact>& facts,
                const std::string& failure_reason = "") {
  auto view = ChoreographyView(*DefaultDefinition(saga_type), kOrder, facts, failure_reason);
  EXPECT_TRUE(view.has_value());
  return view ? *view : SagaView{};
}

TEST(ChoreographyFacts, EverySagaDeclaresTheFactsOfEachStep) {
  for (const SagaDefinition& definition : AllSagas()) {
    const auto checked = CheckChoreographyFacts(definition);
    EXPECT_TRUE(checked.ok()) << checked.error().detail;
  }
}

TEST(ChoreographyFacts, AMisspelledOrMissingFactIsNamed) {
  auto problem = [](const SagaDefinition& definition) {
    auto checked = CheckChoreographyFacts(definition);
    return checked.ok() ? std::string() : checked.error().detail;
  };
  SagaDefinition misspelled = OrderSaga();
  misspelled.steps[2].facts.done = "StockReserve";
  EXPECT_EQ(problem(misspelled),
            "the order saga step 'reserve_stock' names the unknown fact 'StockReserve'");
  SagaDefinition no_done = OrderSaga();
  no_done.steps[3].facts.done.clear();
  EXPECT_EQ(problem(no_done), "the order saga step 'order_placed': no fact tells it is done");
  SagaDefinition no_undone = OrderSaga();
  no_undone.steps[1].facts.undone.clear();
  EXPECT_EQ(problem(no_undone), "the order saga step 'charge_wallet': no fact tells it is undone");
  SagaDefinition no_start = CancelSaga();
  no_start.start_fact = "status:";
  EXPECT_EQ(problem(no_start), "the cancel saga has no known start fact");
}

TEST(ChoreographyView, ThePlacedFlowCompletesWithEveryStepSucceeded) {
  SagaView view = ViewOf(kOrderSagaType, Placed());
  EXPECT_EQ(view.saga_id, ChoreographySagaId(kOrderSagaType, kOrder));
  EXPECT_EQ(view.type, "order");
  EXPECT_EQ(view.mode, SagaMode::kChoreography);
  EXPECT_EQ(view.order_id, kOrder);
  EXPECT_EQ(view.state, SagaStatus::kCompleted);
  EXPECT_EQ(view.failure_reason, "");
  ASSERT_EQ(view.steps.size(), OrderSaga().steps.size());
  EXPECT_EQ(Statuses(view), (Names{"SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED"}));
  const StepView& charge = view.steps[1];
  EXPECT_EQ(charge.name, "charge_wallet");
  EXPECT_EQ(charge.attempts, 1);
  EXPECT_EQ(charge.started_ms, kT0);
  EXPECT_EQ(charge.ended_ms, kT0 + 10);
  const StepView& reserve = view.steps[2];
  EXPECT_EQ(reserve.name, "reserve_stock");
  EXPECT_EQ(reserve.started_ms, kT0 + 10);
  EXPECT_EQ(reserve.ended_ms, kT0 + 20);
  EXPECT_EQ(view.steps[3].ended_ms, kT0 + 20);
  for (const StepView& step : view.steps) EXPECT_EQ(step.error, "") << step.name;
}

TEST(ChoreographyView, WhileInventoryReservesThePaidOrderShowsTheReserveRunning) {
  SagaView paid = ViewOf(kOrderSagaType, Paid());
  EXPECT_EQ(paid.state, SagaStatus::kRunning);
  EXPECT_EQ(Statuses(paid), (Names{"SUCCEEDED", "SUCCEEDED", "RUNNING", "PENDING"}))
      << "the charge's event starts the reservation";
  EXPECT_EQ(paid.steps[2].started_ms, kT0 + 10);
  SagaView pending = ViewOf(kOrderSagaType, {Status(kOrderSagaType, "PAYMENT_PENDING", kT0)});
  EXPECT_EQ(Statuses(pending), (Names{"SUCCEEDED", "RUNNING", "PENDING", "PENDING"}));
}

// A test saga whose order_on_way runs beside reserve_stock (saga_test_helper.h), since the
// order saga has no parallel group: the view replays the group rule as the engine runs it.
TEST(ChoreographyView, TheChargesEventStartsBothStepsOfTheNextGroup) {
  const SagaDefinition definition = OrderSagaWithParallelGroup();
  auto statuses = [&](const std::vector<ChoreographyFact>& facts) {
    auto view = ChoreographyView(definition, kOrder, facts, "");
    EXPECT_TRUE(view.has_value());
    return view ? Statuses(*view) : Names{};
  };
  std::vector<ChoreographyFact> facts = Paid();
  EXPECT_EQ(statuses(facts), (Names{"SUCCEEDED", "SUCCEEDED", "RUNNING", "RUNNING", "PENDING"}))
      << "the charge's event starts both steps of the next group";
  facts.push_back(Status(kOrderSagaType, "ON_WAY", kT0 + 20));
  EXPECT_EQ(statuses(facts), (Names{"SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "RUNNING", "PENDING"}))
      << "order_placed waits for the whole group";
  facts.push_back(Event(kOrderSagaType, "StockReserved", kT0 + 30));
  EXPECT_EQ(statuses(facts), (Names{"SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "RUNNING"}))
      << "the group is done: the next step starts";
}

TEST(ChoreographyView, InsufficientFundsFailsTheChargeAndUndoesTheOrder) {
  std::vector<ChoreographyFact> facts = {
      Status(kOrderSagaType, "PAYMENT_PENDING", kT0),
      Event(kOrderSagaType, "PaymentFailed", kT0 + 10, std::string(kReasonInsufficientFunds))};
  SagaView compensating = ViewOf(kOrderSagaType, facts);
  EXPECT_EQ(compensating.state, SagaStatus::kCompensating);
  EXPECT_EQ(compensating.failure_reason, kReasonInsufficientFunds);
  EXPECT_EQ(Statuses(compensating), (Names{"COMPENSATING", "FAILED", "PENDING", "PENDING"}));

  facts.push_back(Status(kOrderSagaType, "FAILED", kT0 + 10));
  SagaView view = ViewOf(kOrderSagaType, facts, std::string(kReasonInsufficientFunds));
  EXPECT_EQ(view.state, SagaStatus::kFailed);
  EXPECT_EQ(view.failure_reason, kReasonInsufficientFunds);
  EXPECT_EQ(Statuses(view), (Names{"COMPENSATED", "FAILED", "SKIPPED", "SKIPPED"}));
  EXPECT_EQ(view.steps[1].error, kReasonInsufficientFunds);
  EXPECT_EQ(view.steps[1].ended_ms, kT0 + 10);
}

TEST(ChoreographyView, OutOfStockAfterThePaymentRefundsTheCharge) {
  std::vector<ChoreographyFact> facts = Paid();
  facts.push_back(Event(kOrderSagaType, "OutOfStock", kT0 + 20, "out of stock (0 available)"));
  SagaView refunding = ViewOf(kOrderSagaType, facts);
  EXPECT_EQ(refunding.state, SagaStatus::kCompensating);
  EXPECT_EQ(refunding.failure_reason, "out of stock (0 available)");
  EXPECT_EQ(Statuses(refunding), (Names{"SUCCEEDED", "COMPENSATING", "FAILED", "PENDING"}));

  facts.push_back(Event(kOrderSagaType, "Refunded", kT0 + 30));
  facts.push_back(Status(kOrderSagaType, "FAILED", kT0 + 30));
  SagaView view = ViewOf(kOrderSagaType, facts, std::string(kReasonOutOfStock));
  EXPECT_EQ(view.state, SagaStatus::kFailed);
  // The order's statusInfo, as the orchestrator's view shows it, not the event's detail.
  EXPECT_EQ(view.failure_reason, kReasonOutOfStock);
  EXPECT_EQ(Statuses(view), (Names{"COMPENSATED", "COMPENSATED", "FAILED", "SKIPPED"}));
  EXPECT_EQ(view.steps[2].error, "out of stock (0 available)");
  EXPECT_EQ(view.steps[2].ended_ms, kT0 + 20);
  EXPECT_EQ(view.steps[1].ended_ms, kT0 + 30);
}

TEST(ChoreographyView, ARefundTheWalletRefusesEndsTheOrderSagaGaveUp) {
  std::vector<ChoreographyFact> facts = Paid();
  facts.push_back(Event(kOrderSagaType, "OutOfStock", kT0 + 20, "out of stock (0 available)"));
  facts.push_back(Event(kOrderSagaType, "RefundRefused", kT0 + 30, "operation id reused"));
  const std::string reason = UnrefundedReason(kReasonOutOfStock);
  facts.push_back(Status(kOrderSagaType, "FAILED", kT0 + 30));
  SagaView view = ViewOf(kOrderSagaType, facts, reason);
  EXPECT_EQ(view.state, SagaStatus::kGaveUp);
  EXPECT_EQ(view.failure_reason, "out of stock, refund not done: an operator must act");
  EXPECT_EQ(Statuses(view), (Names{"COMPENSATED", "COMPENSATION_FAILED", "FAILED", "SKIPPED"}));
  EXPECT_EQ(view.steps[1].error, "operation id reused");
}

TEST(ChoreographyView, ARefundTheWalletRefusesEndsTheCancelSagaGaveUp) {
  std::vector<ChoreographyFact> facts = CancelFacts();
  facts.resize(2);  // requested, released
  facts.push_back(Event(kCancelSagaType, "RefundRefused", kT0 + 120, "operation id reused"));
  SagaView view = ViewOf(kCancelSagaType, facts);
  EXPECT_EQ(view.state, SagaStatus::kGaveUp);
  EXPECT_EQ(Statuses(view), (Names{"SUCCEEDED", "FAILED", "SKIPPED"}));
  EXPECT_EQ(view.steps[1].error, "operation id reused");
}

// ---- An operator's verbs and the Order service's give-ups, as facts (issue 15) ----

ChoreographyFact Operator(std::string_view saga_type, std::string_view verb, TimestampMs time_ms,
                          std::string reason) {
  return {.saga_type = std::string(saga_type),
          .type = std::string(verb),
          .time_ms = time_ms,
          .actor = "root",
          .reason = std::move(reason)};
}

TEST(ChoreographyState, AGivenUpCancelRetriedGoesOnFromTheRefundToTheEnd) {
  std::vector<ChoreographyFact> facts = CancelFacts();
  facts.resize(2);  // requested, released
  facts.push_back(Event(kCancelSagaType, std::string(kGaveUpFact), kT0 + 200, "no answer in time"));
  auto gave_up = ChoreographyState(*DefaultDefinition(kCancelSagaType), kOrder, facts, "");
  ASSERT_TRUE(gave_up);
  EXPECT_EQ(gave_up->status, SagaStatus::kGaveUp);
  EXPECT_EQ(Statuses(ViewOf(kCancelSagaType, facts)), (Names{"SUCCEEDED", "FAILED", "SKIPPED"}));

  facts.push_back(Operator(kCancelSagaType, kRetryFact, kT0 + 300, "wallet is back"));
  auto retried = ChoreographyState(*DefaultDefinition(kCancelSagaType), kOrder, facts, "");
  ASSERT_TRUE(retried);
  EXPECT_EQ(retried->status, SagaStatus::kRunning);
  EXPECT_EQ(retried->step_index, 1) << "the refund is in flight again";
  EXPECT_EQ(retried->retries, 1);
  EXPECT_EQ(LastOperatorVerb(retried->history), StepEventType::kRetried);
  const StepEvent& line = retried->history[retried->history.size() - 2];
  EXPECT_EQ(line.type, StepEventType::kRetried);
  EXPECT_EQ(line.actor, "root");
  EXPECT_EQ(line.reason, "wallet is back");
  EXPECT_EQ(Statuses(ViewOf(kCancelSagaType, facts)), (Names{"SUCCEEDED", "RUNNING", "PENDING"}));

  facts.push_back(Event(kCancelSagaType, "Refunded", kT0 + 400));
  facts.push_back(Status(kCancelSagaType, "CANCELED", kT0 + 400));
  const SagaView done = ViewOf(kCancelSagaType, facts);
  EXPECT_EQ(done.state, SagaStatus::kCompleted);
  EXPECT_EQ(Statuses(done), (Names{"SUCCEEDED", "SUCCEEDED", "SUCCEEDED"}));
}

TEST(ChoreographyState, ARetriedRefundThatIsDoneEndsTheOrderSagaFailedNotGaveUp) {
  std::vector<ChoreographyFact> facts = Paid();
  facts.push_back(Event(kOrderSagaType, "OutOfStock", kT0 + 20, "out of stock (0 available)"));
  facts.push_back(Event(kOrderSagaType, "RefundRefused", kT0 + 30, "refused"));
  facts.push_back(Status(kOrderSagaType, "FAILED", kT0 + 30));
  facts.push_back(Operator(kOrderSagaType, kRetryFact, kT0 + 40, "wallet fixed"));
  auto retried = ChoreographyState(*DefaultDefinition(kOrderSagaType), kOrder, facts, "");
  ASSERT_TRUE(retried);
  EXPECT_EQ(retried->status, SagaStatus::kCompensating);
  facts.push_back(Event(kOrderSagaType, "Refunded", kT0 + 50));
  const SagaView view = ViewOf(kOrderSagaType, facts);
  EXPECT_EQ(view.state, SagaStatus::kFailed) << "every undo is done since the retry";
  EXPECT_EQ(view.steps[1].status, StepViewStatus::kCompensated);
}

// An operator's abort while the reservation is out, as Order records it in one transaction: the
// abort, the OrderCancelRequested it announces, and the order FAILED.
std::vector<ChoreographyFact> AbortedWhilePaid() {
  std::vector<ChoreographyFact> facts = Paid();
  facts.push_back(Operator(kOrderSagaType, kAbortFact, kT0 + 20, "customer called"));
  facts.push_back(
      Event(kOrderSagaType, "OrderCancelRequested", kT0 + 20, "aborted by an operator"));
  facts.push_back(Status(kOrderSagaType, "FAILED", kT0 + 20));
  return facts;
}

TEST(ChoreographyState, AnAbortIsALineWithWhoAndWhyAndItsGiveUpUndoesWhatRan) {
  std::vector<ChoreographyFact> facts = AbortedWhilePaid();
  auto state = ChoreographyState(*DefaultDefinition(kOrderSagaType), kOrder, facts, "");
  ASSERT_TRUE(state);
  EXPECT_EQ(LastOperatorVerb(state->history), StepEventType::kAborted);
  const auto aborted =
      std::find_if(state->history.begin(), state->history.end(),
                   [](const auto& e) { return e.type == StepEventType::kAborted; });
  ASSERT_NE(aborted, state->history.end());
  EXPECT_EQ(aborted->step_index, 2) << "the reservation was in flight";
  EXPECT_EQ(aborted->reason, "customer called");
  EXPECT_EQ(ViewOf(kOrderSagaType, facts).steps[2].status, StepViewStatus::kCompensating);
}

// Order FAILs an aborted order at once, in the transaction that asks for the stock and the
// payment back. The saga is not over before they are: a view that said FAILED already was
// final for the live page, which then never saw the refund (a browser test's failure in CI).
TEST(ChoreographyState, AnAbortedSagaFailsOnlyOnceItsUndosAreDone) {
  std::vector<ChoreographyFact> facts = AbortedWhilePaid();
  EXPECT_EQ(ViewOf(kOrderSagaType, facts).state, SagaStatus::kCompensating);
  facts.push_back(Event(kOrderSagaType, "StockReleased", kT0 + 30));
  const SagaView released = ViewOf(kOrderSagaType, facts);
  EXPECT_EQ(released.state, SagaStatus::kCompensating);
  EXPECT_EQ(Statuses(released), (Names{"COMPENSATED", "COMPENSATING", "COMPENSATED", "PENDING"}));
  facts.push_back(Event(kOrderSagaType, "Refunded", kT0 + 40));
  const SagaView refunded = ViewOf(kOrderSagaType, facts);
  EXPECT_EQ(refunded.state, SagaStatus::kFailed);
  EXPECT_EQ(Statuses(refunded), (Names{"COMPENSATED", "COMPENSATED", "COMPENSATED", "SKIPPED"}));
}

TEST(ChoreographyView, TheCancelSagaReleasesRefundsAndCancels) {
  const std::vector<ChoreographyFact> all = CancelFacts();
  SagaView requested = ViewOf(kCancelSagaType, {all[0]});
  EXPECT_EQ(requested.state, SagaStatus::kRunning);
  EXPECT_EQ(Statuses(requested), (Names{"RUNNING", "PENDING", "PENDING"}));
  SagaView released = ViewOf(kCancelSagaType, {all[0], all[1]});
  EXPECT_EQ(Statuses(released), (Names{"SUCCEEDED", "RUNNING", "PENDING"}));

  SagaView view = ViewOf(kCancelSagaType, all);
  EXPECT_EQ(view.saga_id, ChoreographySagaId(kCancelSagaType, kOrder));
  EXPECT_EQ(view.type, "cancel");
  EXPECT_EQ(view.mode, SagaMode::kChoreography);
  EXPECT_EQ(view.state, SagaStatus::kCompleted);
  ASSERT_EQ(view.steps.size(), CancelSaga().steps.size());
  EXPECT_EQ(view.steps[0].name, "release_stock");
  EXPECT_EQ(view.steps[2].name, "order_canceled");
  EXPECT_EQ(Statuses(view), (Names{"SUCCEEDED", "SUCCEEDED", "SUCCEEDED"}));
  EXPECT_EQ(view.steps[0].started_ms, kT0 + 100);
  EXPECT_EQ(view.steps[2].ended_ms, kT0 + 120);
}

TEST(ChoreographyView, TheOrderServiceGivingUpReleasesAndRefundsInTheOrderSaga) {
  // PAYMENT_DONE and no answer from Inventory: Order fails the order and announces
  // OrderCancelRequested in the order saga; Inventory releases, Payment refunds.
  std::vector<ChoreographyFact> facts = Paid();
  facts.push_back(Event(kOrderSagaType, "OrderCancelRequested", kT0 + 30'010, "no answer in time"));
  SagaView gave_up = ViewOf(kOrderSagaType, facts);
  EXPECT_EQ(gave_up.state, SagaStatus::kCompensating);
  EXPECT_EQ(gave_up.failure_reason, "no answer in time");
  EXPECT_EQ(Statuses(gave_up), (Names{"SUCCEEDED", "SUCCEEDED", "COMPENSATING", "PENDING"}));
  EXPECT_EQ(gave_up.steps[2].error, "no answer in time");

  facts.push_back(Status(kOrderSagaType, "FAILED", kT0 + 30'010));
  facts.push_back(Event(kOrderSagaType, "StockReleased", kT0 + 30'020));
  SagaView released = ViewOf(kOrderSagaType, facts, std::string(kReasonNoStockAnswer));
  EXPECT_EQ(released.state, SagaStatus::kCompensating) << "the refund is still out";
  EXPECT_EQ(Statuses(released), (Names{"COMPENSATED", "COMPENSATING", "COMPENSATED", "PENDING"}));

  facts.push_back(Event(kOrderSagaType, "Refunded", kT0 + 30'030));
  SagaView view = ViewOf(kOrderSagaType, facts, std::string(kReasonNoStockAnswer));
  EXPECT_EQ(view.state, SagaStatus::kFailed);
  EXPECT_EQ(view.failure_reason, kReasonNoStockAnswer);
  // Every compensation is done: the order's FAILED came before the refund, and a refund
  // after it does not start the order's undo again.
  EXPECT_EQ(Statuses(view), (Names{"COMPENSATED", "COMPENSATED", "COMPENSATED", "SKIPPED"}));
  EXPECT_EQ(view.steps[2].error, "no answer in time");
  EXPECT_EQ(view.steps[2].ended_ms, kT0 + 30'020);
  EXPECT_EQ(view.steps[1].ended_ms, kT0 + 30'030);
}

TEST(ChoreographyView, AFactRepeatedLaterDoesNotReopenAFinishedStep) {
  // Payment published PaymentCompleted again after the order was placed: Order records the
  // fact, the order stays PLACED, and the completed saga shows no step running again.
  std::vector<ChoreographyFact> facts = Placed();
  facts.push_back(Event(kOrderSagaType, "PaymentCompleted", kT0 + 50));
  SagaView view = ViewOf(kOrderSagaType, facts);
  EXPECT_EQ(view.state, SagaStatus::kCompleted);
  EXPECT_EQ(Statuses(view), (Names{"SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED"}));
}

TEST(ChoreographyView, FactsOfTheOtherSagaTypeAreIgnored) {
  std::vector<ChoreographyFact> both = Placed();
  for (const auto& fact : CancelFacts()) both.push_back(fact);
  // OrderCancelRequested, StockReleased and Refunded have rules in the order saga too (the
  // give-up): the cancel saga's must not count there.
  SagaView order_view = ViewOf(kOrderSagaType, both);
  EXPECT_EQ(order_view.state, SagaStatus::kCompleted);
  EXPECT_EQ(Statuses(order_view), Statuses(ViewOf(kOrderSagaType, Placed())));
  EXPECT_EQ(order_view.steps[2].ended_ms, kT0 + 20);

  SagaView cancel_view = ViewOf(kCancelSagaType, both);
  EXPECT_EQ(cancel_view.steps[0].started_ms, kT0 + 100);  // not the order saga's events
  EXPECT_EQ(Statuses(cancel_view), Statuses(ViewOf(kCancelSagaType, CancelFacts())));

  EXPECT_EQ(ChoreographyView(CancelSaga(), kOrder, Placed(), ""), std::nullopt);
}

TEST(ChoreographyView, WithoutFactsThereIsNoView) {
  EXPECT_EQ(ChoreographyView(OrderSaga(), kOrder, {}, ""), std::nullopt);
  EXPECT_EQ(ChoreographyView(CancelSaga(), kOrder, {}, ""), std::nullopt);
  // Facts that move no step (an order never paid for, an event of no step) make no view.
  EXPECT_EQ(ChoreographyView(OrderSaga(), kOrder,
                             {Status(kOrderSagaType, "INITIATED", kT0),
                              Event(kOrderSagaType, "PaymentCharged", kT0 + 1)},
                             ""),
            std::nullopt);
}

TEST(ChoreographyView, FactsThatMoveNoStepLeaveTheViewAsItIs) {
  std::vector<ChoreographyFact> facts = Placed();
  facts.insert(facts.begin(), Status(kOrderSagaType, "INITIATED", kT0 - 5));
  facts.push_back(Status(kOrderSagaType, "ON_WAY", kT0 + 60));
  SagaView view = ViewOf(kOrderSagaType, facts);
  EXPECT_EQ(view.state, SagaStatus::kCompleted);
  EXPECT_EQ(view.steps[0].started_ms, kT0);
  EXPECT_EQ(view.steps[3].ended_ms, kT0 + 20);
}

TEST(ChoreographySagaId, IsTheSagaTypeADashAndTheOrderId) {
  EXPECT_EQ(ChoreographySagaId(kOrderSagaType, OrderId("ord_1")).value(), "order-ord_1");
  EXPECT_EQ(ChoreographySagaId(kCancelSagaType, OrderId("ord_1")).value(), "cancel-ord_1");
  EXPECT_NE(ChoreographySagaId(kOrderSagaType, OrderId("ord_1")),
            ChoreographySagaId(kOrderSagaType, OrderId("ord_2")));
  const std::string generated = "ord_0123456789abcdef0123";  // NewId's length
  const SagaId id = ChoreographySagaId(kCancelSagaType, OrderId(generated));
  EXPECT_EQ(id.value(), "cancel-" + generated);
  EXPECT_LE(id.value().size(), kSagaIdLengthMax);
}

TEST(ChoreographySagaId, IsCutToTheSagaIdLengthForALongOrderId) {
  const std::string long_id(64, 'x');  // the longest order id a client may echo
  for (std::string_view type : {kOrderSagaType, kCancelSagaType}) {
    const SagaId id = ChoreographySagaId(type, OrderId(long_id));
    EXPECT_EQ(id.value().size(), kSagaIdLengthMax) << type;
    EXPECT_EQ(id.value().rfind(std::string(type) + "-xxx", 0), 0u) << id.value();
    EXPECT_TRUE(IsValidId(id.value()));
    // The view names the saga the same way.
    const ChoreographyFact first = type == kOrderSagaType ? Placed()[0] : CancelFacts()[0];
    auto view = ChoreographyView(*DefaultDefinition(type), OrderId(long_id), {first}, "");
    ASSERT_TRUE(view.has_value());
    EXPECT_EQ(view->saga_id, id);
    EXPECT_EQ(view->order_id.value(), long_id);
  }
}

}  // namespace
}  // namespace tinysaga::saga
