// Who does what in choreography, derived from the declarations: the reactions of both sagas
// written out (they are the choreography of DESIGN.md), each participant's share, and the
// command a reaction sends.

#include "tinysaga/saga/choreography_reactions.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tinysaga/saga/choreography.h"
#include "tinysaga/sagas/order_sagas.h"

namespace tinysaga::saga {
namespace {

using namespace sagas;  // NOLINT: the order sagas, the real definitions the rules are tested on

using contracts::Participant;
constexpr auto kFwd = ActionKind::kForward;
constexpr auto kUndo = ActionKind::kCompensation;

// "trigger -> step (undo)" with the command's participant and name, "after ..." for a join.
std::vector<std::string> Describe(const SagaDefinition& definition) {
  std::vector<std::string> lines;
  for (const Reaction& reaction : ChoreographyReactions(definition)) {
    const Step& step = definition.steps[static_cast<size_t>(reaction.step)];
    const Action& action = reaction.kind == kFwd ? *step.forward : *step.compensation;
    std::string line =
        reaction.trigger + " -> " + step.name + (reaction.kind == kUndo ? " undo" : "") + ": " +
        std::string(contracts::ParticipantName(action.participant)) + " " + action.command;
    for (const std::string& fact : reaction.after) line += ", after " + fact;
    lines.push_back(line);
  }
  return lines;
}

TEST(ChoreographyReactionsTest, TheOrderSagaFollowsTheEnginesRulesOnItsFacts) {
  EXPECT_EQ(Describe(OrderSaga()),
            (std::vector<std::string>{
                "status:PAYMENT_PENDING -> charge_wallet: payment ChargeWallet",
                // Order follows PaymentCompleted to PAYMENT_DONE on its own: no command.
                "PaymentCompleted -> reserve_stock: inventory ReserveStock",
                "PaymentFailed -> order undo: order MarkFailed",
                "Refunded -> order undo: order MarkFailed",
                "RefundRefused -> order undo: order MarkFailed",
                "StockReserved -> order_placed: order MarkPlaced",
                // Out of stock had no effect: the refund is next.
                "OutOfStock -> charge_wallet undo: payment Refund",
                // Order gave up waiting for Inventory: whatever it reserved is released first.
                "OrderCancelRequested -> reserve_stock undo: inventory ReleaseStock",
                "StockReleased -> charge_wallet undo: payment Refund",
            }));
}

TEST(ChoreographyReactionsTest, TheCancelSagaGoesForwardOnlyAndStopsOnARefusal) {
  EXPECT_EQ(Describe(CancelSaga()),
            (std::vector<std::string>{
                "OrderCancelRequested -> release_stock: inventory ReleaseStock",
                "StockReleased -> refund: payment Refund",
                "Refunded -> order_canceled: order MarkCanceled",
            }));
}

// A made-up saga, to see the rules themselves: a compensable step, then a parallel group of two
// compensable steps, then a last one.
Action ActionOf(Participant participant, std::string command) {
  return Action{
      .participant = participant,
      .command = std::move(command),
      .build = [](const SagaState&) { return contracts::Payload(contracts::MarkPlaced{}); },
      .replies = {}};
}

SagaDefinition MadeUpSaga() {
  SagaDefinition saga{.type = "made_up", .start_fact = "PaymentCompleted"};
  saga.steps.push_back(
      Step{.name = "a",
           .forward = ActionOf(Participant::kPayment, "DoA"),
           .compensation = ActionOf(Participant::kPayment, "UndoA"),
           .facts = {.done = "PaymentCharged", .failed = "PaymentDeclined", .undone = "Refunded"}});
  saga.steps.push_back(Step{.name = "b",
                            .forward = ActionOf(Participant::kInventory, "DoB"),
                            .compensation = ActionOf(Participant::kInventory, "UndoB"),
                            .facts = {.done = "StockReserved",
                                      .failed = "OutOfStock",
                                      .gave_up = "OrderCancelRequested",
                                      .undone = "StockReleased"}});
  saga.steps.push_back(Step{.name = "c",
                            .forward = ActionOf(Participant::kOrder, "DoC"),
                            .compensation = ActionOf(Participant::kOrder, "UndoC"),
                            .parallel_with_previous = true,
                            .facts = {.done = "status:PAYMENT_DONE", .undone = "status:FAILED"}});
  saga.steps.push_back(Step{.name = "d",
                            .forward = ActionOf(Participant::kOrder, "DoD"),
                            .facts = {.done = "status:PLACED"}});
  return saga;
}

TEST(ChoreographyReactionsTest, TheRulesOnAMadeUpSagaWithAParallelGroup) {
  EXPECT_EQ(Describe(MadeUpSaga()),
            (std::vector<std::string>{
                "PaymentCompleted -> a: payment DoA",
                // a's group done: the whole next group goes at once.
                "PaymentCharged -> b: inventory DoB",
                "PaymentCharged -> c: order DoC",
                // a failed with no effect and nothing is below it: the saga just ends.
                // b done waits for c, and c done for b.
                "StockReserved -> d: order DoD, after status:PAYMENT_DONE",
                // b failed: its group is walked back from the top, b itself passed.
                "OutOfStock -> c undo: order UndoC",
                // b given up: the same, and b's own undo comes in turn.
                "OrderCancelRequested -> c undo: order UndoC",
                "StockReleased -> a undo: payment UndoA",
                "status:PAYMENT_DONE -> d: order DoD, after StockReserved",
                // After c's undo, b's: needed when b was given up; when b failed with no effect
                // the undo finds nothing to give back (compensations are no-ops then).
                "status:FAILED -> b undo: inventory UndoB",
            }));
}

// The deadlines that detect a lost event: after a fact, as long as the engine would wait for
// the commands the fact calls for before it gave up on them.
TEST(ChoreographyReactionsTest, AFactWaitsAsLongAsTheEngineWouldForWhatItCallsFor) {
  SagaDefinition saga = MadeUpSaga();
  Action& b = *saga.steps[1].forward;
  b.timeout_ms = 1'000;
  b.attempts_max = 4;
  b.backoff = Backoff{std::chrono::milliseconds(300), 2, std::chrono::milliseconds(500)};
  // Four timeouts, and the pauses between them at their caps: 300, then 500 twice (capped).
  EXPECT_EQ(ActionBudgetMs(b), 4 * 1'000 + 300 + 500 + 500);
  // The defaults (definition.h): three attempts of 5 s, pauses of at most 100 and 200 ms.
  EXPECT_EQ(ActionBudgetMs(*saga.steps[2].forward), 15'300);

  EXPECT_EQ(ChoreographyWaitMs(saga, "PaymentCompleted"), 15'300);  // starts a
  // a done sends b and c together: the longer of the two.
  EXPECT_EQ(ChoreographyWaitMs(saga, "PaymentCharged"), 15'300);
  b.timeout_ms = 9'000;
  EXPECT_EQ(ChoreographyWaitMs(saga, "PaymentCharged"), 4 * 9'000 + 1'300);
  EXPECT_EQ(ChoreographyWaitMs(saga, "StockReleased"), 15'300);  // a's undo
  // The last step's done fact, and a fact the saga does not have, call for nothing.
  EXPECT_EQ(ChoreographyWaitMs(saga, "status:PLACED"), std::nullopt);
  EXPECT_EQ(ChoreographyWaitMs(saga, "Refunded"), std::nullopt);

  // Going forward: a, then the group of b and c (b, the longer), then d.
  EXPECT_EQ(ForwardBudgetMs(saga), 15'300 + (4 * 9'000 + 1'300) + 15'300);
}

std::vector<std::string> Shares(const std::vector<SagaDefinition>& definitions,
                                Participant participant) {
  std::vector<std::string> lines;
  for (const ParticipantReaction& reaction : ParticipantReactions(definitions, participant)) {
    lines.push_back(reaction.trigger + " -> " + reaction.action->command + " (" +
                    reaction.saga->type + ")");
  }
  return lines;
}

TEST(ChoreographyReactionsTest, EachParticipantHearsTheMessagesThatCallForItsCommands) {
  const std::vector<SagaDefinition> sagas = AllSagas();
  // OrderCancelRequested releases the stock in both sagas; it starts the cancel saga.
  EXPECT_EQ(Shares(sagas, Participant::kInventory),
            (std::vector<std::string>{"PaymentCompleted -> ReserveStock (order)",
                                      "OrderCancelRequested -> ReleaseStock (cancel)"}));
  // The charge follows a status, not a message: it is POST /api/payment itself.
  EXPECT_EQ(Shares(sagas, Participant::kPayment),
            (std::vector<std::string>{"OutOfStock -> Refund (order)",
                                      "StockReleased -> Refund (order)"}));
  EXPECT_EQ(Shares(sagas, Participant::kOrder),
            (std::vector<std::string>{
                "PaymentFailed -> MarkFailed (order)", "Refunded -> MarkFailed (order)",
                "RefundRefused -> MarkFailed (order)", "StockReserved -> MarkPlaced (order)",
                "Refunded -> MarkCanceled (cancel)"}));
}

TEST(ChoreographyReactionsTest, EachParticipantSubscribesWhereItsTriggersTravel) {
  const std::vector<SagaDefinition> sagas = AllSagas();
  EXPECT_EQ(ChoreographyTopics(sagas, Participant::kInventory),
            (std::vector<std::string>{"payment.events", "order.events"}));
  EXPECT_EQ(ChoreographyTopics(sagas, Participant::kPayment),
            (std::vector<std::string>{"inventory.events"}));
  EXPECT_EQ(ChoreographyTopics(sagas, Participant::kOrder),
            (std::vector<std::string>{"payment.events", "inventory.events"}));
}

TEST(ChoreographyReactionsTest, OrderHearsEveryMessageFactTheOthersSend) {
  const std::vector<SagaDefinition> sagas = AllSagas();
  const std::vector<std::string> heard = FactsHeardBy(sagas, Participant::kOrder);
  // Not the statuses, nor OrderCancelRequested, which Order announces itself.
  EXPECT_EQ(heard, (std::vector<std::string>{"PaymentCompleted", "PaymentFailed", "Refunded",
                                             "RefundRefused", "StockReserved", "OutOfStock",
                                             "StockReleased"}));
  EXPECT_EQ(TopicsOf(heard), (std::vector<std::string>{"payment.events", "inventory.events"}));
}

contracts::Message EventOf(contracts::Payload payload, SagaId saga_id = {}) {
  return {contracts::Envelope{.message_id = "evt_1",
                              .saga_id = std::move(saga_id),
                              .order_id = OrderId("ord_1"),
                              .time_ms = 1'000,
                              .traceparent = "00-trace-span-01",
                              .causation_id = ""},
          std::move(payload)};
}

TEST(ChoreographyReactionsTest, TheCommandIsBuiltByTheDeclarationFromTheEventsData) {
  const std::vector<SagaDefinition> sagas = AllSagas();
  const auto inventory = ParticipantReactions(sagas, Participant::kInventory);
  ASSERT_EQ(inventory.size(), 2u);
  const auto paid = EventOf(contracts::PaymentCompleted{
      UserId("alice"), Money::FromCents(1250).value(), TransactionId("t"), ProductId("book"), 2});
  auto reserve = ChoreographyCommand(inventory[0], paid);
  ASSERT_TRUE(reserve.has_value());
  EXPECT_EQ(reserve->payload, contracts::Payload(contracts::ReserveStock{ProductId("book"), 2}));
  // Payment's event names no saga: the command is in the order saga every service names alike.
  EXPECT_EQ(reserve->envelope.saga_id, ChoreographySagaId(kOrderSagaType, OrderId("ord_1")));
  EXPECT_EQ(reserve->envelope.message_id, "evt_1");  // so the answer is caused by the event
  EXPECT_EQ(reserve->envelope.order_id, OrderId("ord_1"));
  EXPECT_EQ(reserve->envelope.traceparent, "00-trace-span-01");

  // An event that names its saga keeps it (Order giving up announces in the order saga).
  const SagaId order_saga = ChoreographySagaId(kOrderSagaType, OrderId("ord_1"));
  auto release = ChoreographyCommand(
      inventory[1],
      EventOf(contracts::OrderCancelRequested{UserId("alice"), Money::FromCents(1250).value(),
                                              ProductId("book"), 2},
              order_saga));
  ASSERT_TRUE(release.has_value());
  EXPECT_EQ(release->payload, contracts::Payload(contracts::ReleaseStock{ProductId("book"), 2}));
  EXPECT_EQ(release->envelope.saga_id, order_saga);
}

TEST(ChoreographyReactionsTest, AnEventWithoutTheSagasDataBuildsNoCommand) {
  const std::vector<SagaDefinition> definitions = AllSagas();  // the reactions point into them
  const auto payment = ParticipantReactions(definitions, Participant::kPayment);
  ASSERT_FALSE(payment.empty());
  EXPECT_FALSE(ChoreographyCommand(payment[0], EventOf(contracts::OutOfStock{0})).has_value());
}

}  // namespace
}  // namespace tinysaga::saga
