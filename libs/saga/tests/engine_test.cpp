// The engine's rules, independent of what a step does: stale inputs, terminal states,
// deterministic ids and backoff, and the checks on definitions and loaded states.
#include "tinysaga/saga/engine.h"

#include <gtest/gtest.h>

#include "saga_test_helper.h"
#include "tinysaga/core/breaks.h"
#include "tinysaga/saga/state_json.h"

namespace tinysaga::saga {
namespace {

using namespace sagas;  // NOLINT: the order sagas, the real definitions the rules are tested on

using namespace contracts;  // NOLINT: the message types read best unqualified here
using testing::OrderSagaWithParallelGroup;
using testing::SagaTest;
using testing::TestData;

Money Cents(int64_t cents) { return Money::FromCents(cents).value(); }
const PaymentCharged kCharged{TransactionId("txn_1"), Cents(1250)};

auto ReasonIs(std::string_view reason) {
  return [reason](const MarkFailed& command) { EXPECT_EQ(command.reason, reason); };
}

TEST(CommandId, IsDeterministicAndNamesSagaStepKindAndAttempt) {
  SagaId saga_id("sag_0123456789abcdef0123");
  EXPECT_EQ(CommandId(saga_id, 1, ActionKind::kForward, 2), "sag_0123456789abcdef0123-1-do-2");
  EXPECT_EQ(CommandId(saga_id, 1, ActionKind::kCompensation, 1),
            "sag_0123456789abcdef0123-1-undo-1");
  // The longest saga id with a large step and attempt still makes a valid id.
  std::string longest =
      CommandId(SagaId(std::string(kSagaIdLengthMax, 'a')), 99, ActionKind::kCompensation, 100);
  EXPECT_TRUE(IsValidId(longest)) << longest;
}

TEST(CommandId, TwoRunsWithTheSameInputsSendTheSameCommands) {
  auto run = [] {
    SagaTest saga(OrderSaga());
    saga.Given().Expect<ChargeWallet>().TimeOutTimes(2).Expect<ChargeWallet>().Reply(kCharged);
    return saga.sent();
  };
  auto first = run();
  auto second = run();
  ASSERT_EQ(first.size(), second.size());
  for (size_t i = 0; i < first.size(); ++i) {
    EXPECT_EQ(first[i].message, second[i].message);
    EXPECT_EQ(first[i].topic, second[i].topic);
  }
  // A resend is a new attempt with its own id, and the same payload.
  EXPECT_NE(first[0].message.envelope.message_id, first[1].message.envelope.message_id);
  EXPECT_EQ(first[0].message.payload, first[1].message.payload);
}

TEST(Backoff, GrowsToItsCapWithDeterministicJitter) {
  Backoff backoff{std::chrono::milliseconds(100), 2, std::chrono::milliseconds(1'000)};
  for (int attempt = 1; attempt <= 8; ++attempt) {
    int64_t base = std::min<int64_t>(100LL << (attempt - 1), 1'000);
    int64_t delay = BackoffDelayMs(backoff, attempt, "cmd-" + std::to_string(attempt));
    EXPECT_GE(delay, base / 2) << attempt;
    EXPECT_LE(delay, base) << attempt;
    EXPECT_EQ(delay, BackoffDelayMs(backoff, attempt, "cmd-" + std::to_string(attempt)));
  }
  EXPECT_EQ(BackoffDelayMs(Backoff{std::chrono::milliseconds(0), 2, std::chrono::milliseconds(0)},
                           3, "x"),
            0);
  // A huge attempt number does not overflow.
  EXPECT_LE(
      BackoffDelayMs(Backoff{std::chrono::milliseconds(1), 10, std::chrono::milliseconds(5'000)},
                     1'000, "x"),
      5'000);
}

TEST(Stale, DuplicateReplyIsIgnored) {
  SagaTest saga(OrderSaga());
  saga.Given().Expect<ChargeWallet>().Reply(kCharged).Expect<ReserveStock>();
  const Message charge = saga.sent()[0].message;
  saga.ReplyTo(charge, kCharged, Disposition::kIgnoredStale).ExpectNoCommand();
  EXPECT_EQ(saga.state().step_index, 2);
}

TEST(Stale, ADuplicateReplyOfABranchIsIgnored) {
  SagaTest saga(OrderSagaWithParallelGroup());
  saga.Given().Expect<ChargeWallet>().Reply(kCharged).Expect<MarkOnWay>();
  saga.Expect<ReserveStock>();  // its parallel partner
  const Message charge = saga.sent()[0].message;
  saga.ReplyTo(charge, kCharged, Disposition::kIgnoredStale).ExpectNoCommand();
  EXPECT_EQ(saga.state().step_index, 2);
  // A branch's duplicate reply too, while the other branch is still in flight.
  const Message on_way = saga.sent()[1].message;
  saga.ReplyTo(on_way, OrderStatusChanged{"ON_WAY"}).ExpectNoCommand();
  saga.ReplyTo(on_way, OrderStatusChanged{"ON_WAY"}, Disposition::kIgnoredStale).ExpectNoCommand();
  saga.Reply(StockReserved{}).Expect<MarkPlaced>();
}

TEST(Stale, ReplayedRepliesFromEarlierStepsAreIgnored) {
  SagaTest saga(OrderSaga());
  saga.Given()
      .Expect<ChargeWallet>()
      .Reply(kCharged)
      .Expect<ReserveStock>()
      .Reply(StockReserved{})
      .Expect<MarkPlaced>();
  // The whole reply stream replayed from the start (a consumer group reset, say).
  saga.ReplyTo(saga.sent()[0].message, kCharged, Disposition::kIgnoredStale)
      .ReplyTo(saga.sent()[1].message, StockReserved{}, Disposition::kIgnoredStale)
      .ExpectNoCommand()
      .Reply(OrderStatusChanged{"PLACED"})
      .ExpectStatus(SagaStatus::kCompleted);
}

TEST(Stale, ReplayedRepliesOfAGroupAreIgnoredOnceItIsDone) {
  SagaTest saga(OrderSagaWithParallelGroup());
  saga.GivenAnswered("PaymentCharged")
      .Expect<MarkOnWay>()
      .Reply(OrderStatusChanged{"ON_WAY"})
      .Expect<ReserveStock>()
      .Reply(StockReserved{})
      .Expect<MarkPlaced>();
  saga.ReplyTo(saga.sent()[0].message, OrderStatusChanged{"ON_WAY"}, Disposition::kIgnoredStale)
      .ReplyTo(saga.sent()[1].message, StockReserved{}, Disposition::kIgnoredStale)
      .ExpectNoCommand()
      .Reply(OrderStatusChanged{"PLACED"})
      .ExpectStatus(SagaStatus::kCompleted);
}

TEST(Stale, ReplyToAnOlderAttemptIsIgnoredAndTheNewerOneCounts) {
  SagaTest saga(OrderSaga());
  saga.Given().Expect<ChargeWallet>().TimeOutTimes(2).Expect<ChargeWallet>();
  const Message first_attempt = saga.sent()[0].message;
  // Reordered: attempt 1's answer arrives after attempt 2 was sent.
  saga.ReplyTo(first_attempt, PaymentDeclined{"late"}, Disposition::kIgnoredStale)
      .Reply(kCharged)
      .Expect<ReserveStock>();
}

// --break stale-reply-check-off (the simulator's, core/breaks.h): the same late answer to
// attempt 1 is taken for attempt 2's, so the order fails for a decline that no longer holds,
// and a charge that attempt 2 made is never refunded (the failing step is not compensated).
TEST(Stale, BrokenCheckTakesAnOlderAttemptsReplyForTheCurrentOne) {
  const ScopedBreakForSimulation broken(Break::kStaleReplyCheckOff);
  SagaTest saga(OrderSaga());
  saga.Given().Expect<ChargeWallet>().TimeOutTimes(2).Expect<ChargeWallet>();
  const Message first_attempt = saga.sent()[0].message;
  saga.ReplyTo(first_attempt, PaymentDeclined{"late"}).Expect<MarkFailed>();
}

TEST(Stale, ReorderedRepliesNewestFirst) {
  SagaTest saga(OrderSaga());
  saga.Given().Expect<ChargeWallet>().TimeOutTimes(2).Expect<ChargeWallet>();
  const Message first_attempt = saga.sent()[0].message;
  saga.Reply(kCharged).Expect<ReserveStock>();
  saga.ReplyTo(first_attempt, kCharged, Disposition::kIgnoredStale).ExpectNoCommand();
}

TEST(Stale, ReplyArrivingDuringBackoffIsIgnored) {
  SagaTest saga(OrderSaga());
  saga.Given().Expect<ChargeWallet>().TimeOut();
  ASSERT_EQ(saga.state().phase, StepPhase::kBackingOff);
  // The timed-out attempt answers late: the decision to resend stands, and the resent
  // attempt is answered the same way because Payment is idempotent by order id.
  saga.Reply(kCharged, Disposition::kIgnoredStale)
      .TimeOut()
      .Expect<ChargeWallet>()
      .Reply(kCharged)
      .Expect<ReserveStock>();
}

TEST(Stale, LateForwardReplyAfterCompensationBeganIsIgnored) {
  SagaTest saga(OrderSaga());
  // The charge's two attempts (SagaTimings::charge) time out, with a pause between.
  saga.Given().Expect<ChargeWallet>().TimeOutTimes(3);
  saga.Expect<ChargeWallet>().Expect<Refund>();
  ASSERT_TRUE(saga.state().compensating());
  // Every attempt's success arrives now that the refund is out: too late, the saga is
  // undoing the step, and the refund takes back whatever the charge did.
  for (size_t i = 0; i < 2; ++i) {
    saga.ReplyTo(saga.sent()[i].message, kCharged, Disposition::kIgnoredStale);
  }
  saga.ExpectNoCommand()
      .Reply(Refunded{TransactionId("txn_2"), Cents(1250)})
      .Expect<MarkFailed>()
      .Reply(OrderStatusChanged{"FAILED"})
      .ExpectStatus(SagaStatus::kFailed);
}

TEST(Stale, ReplyForAnotherSagaIsIgnored) {
  SagaTest saga(OrderSaga());
  saga.Given().Expect<ChargeWallet>();
  Message other = saga.current().message;
  other.envelope.saga_id = SagaId("sag_other");
  other.envelope.message_id = CommandId(other.envelope.saga_id, 1, ActionKind::kForward, 1);
  saga.ReplyTo(other, kCharged, Disposition::kIgnoredStale);
}

TEST(Unexpected, AReplyTypeTheStepDoesNotKnowChangesNothing) {
  SagaTest saga(OrderSaga());
  saga.Given()
      .Expect<ChargeWallet>()
      .Reply(StockReserved{}, Disposition::kIgnoredUnexpected)
      // An event published on saga.replies by mistake, answering the right command id.
      .Reply(PaymentCompleted{UserId("alice"), Money::FromCents(1250).value(), TransactionId("t"),
                              ProductId("book-1"), 2},
             Disposition::kIgnoredUnexpected)
      .Reply(kCharged)
      .Expect<ReserveStock>();
}

TEST(Unexpected, AReplyTypeABranchDoesNotKnowChangesNothing) {
  SagaTest saga(OrderSagaWithParallelGroup());
  saga.GivenAnswered("PaymentCharged").Expect<MarkOnWay>();
  const Message on_way = saga.current().message;
  saga.Expect<ReserveStock>();
  // Inventory's answer to Order's command: the branch waits on, the other is untouched.
  saga.ReplyTo(on_way, StockReserved{}, Disposition::kIgnoredUnexpected)
      .Reply(StockReserved{})
      .ExpectNoCommand()
      .ReplyTo(on_way, OrderStatusChanged{"ON_WAY"})
      .Expect<MarkPlaced>();
}

TEST(Terminal, CompletedSagaNeverChanges) {
  SagaTest saga(OrderSaga());
  saga.Given()
      .Expect<ChargeWallet>()
      .Reply(kCharged)
      .Expect<ReserveStock>()
      .Reply(StockReserved{})
      .Expect<MarkPlaced>()
      .Reply(OrderStatusChanged{"PLACED"})
      .ExpectStatus(SagaStatus::kCompleted);
  const SagaState done = saga.state();
  saga.Reply(OrderStatusChanged{"PLACED"}, Disposition::kIgnoredTerminal)
      .ReplyTo(saga.sent()[1].message, OutOfStock{0}, Disposition::kIgnoredTerminal)
      .Advance(1'000'000)
      .TimeOut(Disposition::kIgnoredTerminal)
      .ExpectNoCommand();
  EXPECT_EQ(saga.state(), done);
}

TEST(Terminal, FailedSagaNeverChanges) {
  SagaTest saga(OrderSaga());
  saga.Given()
      .Expect<ChargeWallet>()
      .Reply(PaymentDeclined{"no"})
      .Expect<MarkFailed>()
      .Reply(OrderStatusChanged{"FAILED"})
      .ExpectStatus(SagaStatus::kFailed);
  const SagaState done = saga.state();
  saga.Reply(OrderStatusChanged{"FAILED"}, Disposition::kIgnoredTerminal)
      .ReplyTo(saga.sent()[0].message, kCharged, Disposition::kIgnoredTerminal)
      .TimeOut(Disposition::kIgnoredTerminal)
      .ExpectNoCommand();
  EXPECT_EQ(saga.state(), done);
}

TEST(Timeout, BeforeTheDeadlineIsNotDue) {
  SagaTest saga(OrderSaga());
  saga.Given().Expect<ChargeWallet>();
  const SagaState before = saga.state();
  Decision early = OnTimeout(saga.definition(), before, before.deadline_ms - 1);
  EXPECT_EQ(early.disposition, Disposition::kNotDue);
  EXPECT_EQ(early.state, before);
  EXPECT_TRUE(early.commands.empty());
}

TEST(StartChecks, RejectsBadSagaIdsOrderIdsAndData) {
  const SagaDefinition definition = OrderSaga();
  auto start = [&](std::string saga_id, std::string order_id, nlohmann::json data) {
    return Start(definition, SagaStart{SagaId(saga_id), OrderId(order_id), data, ""}, 0);
  };
  EXPECT_TRUE(start("sag_1", "ord_1", TestData().ToJson()).ok());
  EXPECT_FALSE(start(std::string(kSagaIdLengthMax + 1, 'a'), "ord_1", TestData().ToJson()).ok());
  EXPECT_FALSE(start("sag 1", "ord_1", TestData().ToJson()).ok());
  EXPECT_FALSE(start("sag_1", "", TestData().ToJson()).ok());
  nlohmann::json data = TestData().ToJson();
  data["amount"] = -5;
  EXPECT_FALSE(start("sag_1", "ord_1", data).ok());
  data = TestData().ToJson();
  data.erase("productId");
  EXPECT_FALSE(start("sag_1", "ord_1", data).ok());
}

TEST(DefinitionChecks, NameTheFirstProblem) {
  auto problem = [](const SagaDefinition& definition) {
    auto checked = CheckDefinition(definition);
    return checked.ok() ? std::string() : checked.error().detail;
  };
  SagaDefinition no_success = OrderSaga();
  no_success.steps[1].forward->replies.erase(no_success.steps[1].forward->replies.begin());
  EXPECT_NE(problem(no_success).find("no reply means success"), std::string::npos);

  SagaDefinition unknown_type = OrderSaga();
  unknown_type.steps[1].forward->replies.push_back({"PaymentMaybe", ReplyOutcome::kSuccess, {}});
  EXPECT_NE(problem(unknown_type).find("unknown reply type"), std::string::npos);

  SagaDefinition no_reason = OrderSaga();
  no_reason.steps[2].forward->replies[1].failure_reason.clear();  // reserve_stock's OutOfStock
  EXPECT_NE(problem(no_reason).find("without a reason"), std::string::npos);

  SagaDefinition no_action = OrderSaga();
  no_action.steps[0].compensation.reset();
  EXPECT_NE(problem(no_action).find("has no action"), std::string::npos);

  SagaDefinition same_names = OrderSaga();
  same_names.steps[2].name = same_names.steps[1].name;
  EXPECT_NE(problem(same_names).find("unique name"), std::string::npos);

  SagaDefinition unbounded = OrderSaga();
  unbounded.steps[1].forward->attempts_max = 0;
  EXPECT_NE(problem(unbounded).find("attempts_max"), std::string::npos);

  EXPECT_NE(problem(SagaDefinition{"empty", {}, OrderSaga().check_data}).find("no steps"),
            std::string::npos);

  SagaDefinition unlabelled = OrderSaga();
  unlabelled.steps[2].label.clear();
  EXPECT_NE(problem(unlabelled).find("has no label"), std::string::npos);

  SagaDefinition undo_label_without_undo = OrderSaga();
  undo_label_without_undo.steps[3].undo_label = "Order: placing undone";  // order_placed
  EXPECT_NE(problem(undo_label_without_undo).find("undo label"), std::string::npos);

  SagaDefinition undo_without_label = OrderSaga();
  undo_without_label.steps[1].undo_label.clear();
  EXPECT_NE(problem(undo_without_label).find("undo label"), std::string::npos);

  SagaDefinition unknown_command = OrderSaga();
  unknown_command.steps[1].forward->command = "ChargeWalletTwice";
  EXPECT_NE(problem(unknown_command).find("unknown command"), std::string::npos);

  SagaDefinition parallel_first = OrderSaga();
  parallel_first.steps[0].parallel_with_previous = true;
  EXPECT_NE(problem(parallel_first).find("no step to run beside"), std::string::npos);

  SagaDefinition parallel_without_forward = OrderSaga();
  parallel_without_forward.steps[1].parallel_with_previous = true;  // step 0 only undoes
  EXPECT_NE(problem(parallel_without_forward).find("parallel group"), std::string::npos);
}

TEST(StateChecks, ALoadedGroupMustFitItsDefinition) {
  SagaTest saga(OrderSagaWithParallelGroup());
  saga.GivenAnswered("PaymentCharged").Expect<MarkOnWay>().Expect<ReserveStock>();
  const SagaDefinition definition = OrderSagaWithParallelGroup();
  ASSERT_EQ(saga.state().branches.size(), 2u);
  EXPECT_TRUE(CheckStateFits(definition, saga.state()).ok());

  SagaState missing_branch = saga.state();
  missing_branch.branches.pop_back();
  EXPECT_FALSE(CheckStateFits(definition, missing_branch).ok());

  SagaState wrong_step = saga.state();
  wrong_step.branches[1].step_index = 4;
  EXPECT_FALSE(CheckStateFits(definition, wrong_step).ok());

  SagaState done_with_deadline = saga.state();
  done_with_deadline.branches[0].phase = StepPhase::kNone;
  EXPECT_FALSE(CheckStateFits(definition, done_with_deadline).ok());

  // The stored form keeps the branches, and a state stored before groups existed still loads.
  auto stored = SagaStateFromJson(nlohmann::json::parse(SagaStateToJson(saga.state()).dump()));
  ASSERT_TRUE(stored.ok()) << stored.error().detail;
  EXPECT_EQ(stored->branches, saga.state().branches);
  nlohmann::json old_form = SagaStateToJson(saga.state());
  old_form.erase("branches");
  EXPECT_TRUE(SagaStateFromJson(old_form).ok());
}

// The engine's parallel groups, on a test saga (the order saga has none): order_on_way and
// reserve_stock go out together (saga_test_helper.h).
TEST(Groups, TheBranchesGoOutTogetherAndEitherReplyMayComeFirst) {
  SagaTest saga(OrderSagaWithParallelGroup());
  saga.GivenAnswered("PaymentCharged").Expect<MarkOnWay>();
  const Message on_way = saga.current().message;
  saga.Expect<ReserveStock>().ExpectNoCommand();
  EXPECT_EQ(saga.state().branches.size(), 2u);
  EXPECT_EQ(saga.sent()[0].topic, "order.commands");
  EXPECT_EQ(saga.sent()[1].topic, "inventory.commands");
  // Either reply may come first; the saga goes on once both are in.
  saga.Reply(StockReserved{}).ExpectNoCommand().ExpectStatus(SagaStatus::kRunning);
  saga.ReplyTo(on_way, OrderStatusChanged{"ON_WAY"})
      .Expect<MarkPlaced>()
      .Reply(OrderStatusChanged{"PLACED"})
      .ExpectStatus(SagaStatus::kCompleted);
  EXPECT_TRUE(saga.state().branches.empty());
  // A late duplicate of a branch's reply changes nothing.
  saga.ReplyTo(on_way, OrderStatusChanged{"ON_WAY"}, Disposition::kIgnoredTerminal);
}

TEST(Groups, ABranchThatTimesOutIsResentAloneAndTheOtherKeepsItsAnswer) {
  SagaTest saga(OrderSagaWithParallelGroup());
  saga.GivenAnswered("PaymentCharged").Expect<MarkOnWay>().Reply(OrderStatusChanged{"ON_WAY"});
  saga.Expect<ReserveStock>().TimeOut().ExpectNoCommand();  // reply deadline: back off
  EXPECT_EQ(saga.state().branches[1].phase, StepPhase::kBackingOff);
  EXPECT_EQ(saga.state().deadline_ms, saga.state().branches[1].deadline_ms);
  saga.TimeOut().Expect<ReserveStock>().ExpectNoCommand();
  EXPECT_EQ(saga.current().message.envelope.message_id,
            CommandId(saga.state().saga_id, 3, ActionKind::kForward, 2));
  saga.Reply(StockReserved{}).Expect<MarkPlaced>();
}

TEST(Groups, ABranchOutOfAttemptsUndoesTheOtherThatSucceeded) {
  SagaTest saga(OrderSagaWithParallelGroup());
  saga.Given()
      .Expect<ChargeWallet>()
      .Reply(kCharged)
      .Expect<MarkOnWay>()
      .Expect<ReserveStock>()
      .Reply(StockReserved{})
      .TimeOutTimes(5)  // MarkOnWay: 3 reply deadlines, 2 backoffs
      .Expect<MarkOnWay>()
      .Expect<MarkOnWay>()
      // MarkOnWay has nothing to undo; the stock reserved beside it is released.
      .Expect<ReleaseStock>()
      .Reply(StockReleased{})
      .Expect<Refund>()
      .Reply(Refunded{TransactionId("txn_2"), Cents(1250)})
      .Expect<MarkFailed>(ReasonIs(kReasonOrderUnavailable))
      .Reply(OrderStatusChanged{"FAILED"})
      .ExpectStatus(SagaStatus::kFailed);
}

TEST(Groups, ABranchRefusedUndoesTheOtherStillInFlight) {
  SagaTest saga(OrderSagaWithParallelGroup());
  saga.GivenAnswered("PaymentCharged").Expect<MarkOnWay>();
  const Message on_way = saga.current().message;
  saga.Expect<ReserveStock>();
  const Message reserve = saga.current().message;
  saga.ReplyTo(on_way, OrderStatusRejected{"CANCELED", "order is canceled"})
      // The reserve may apply: its release follows it on the same partition.
      .Expect<ReleaseStock>();
  // Its late answer is stale now: the saga is compensating.
  saga.ReplyTo(reserve, StockReserved{}, Disposition::kIgnoredStale);
  saga.Reply(StockReleased{})
      .Expect<Refund>()
      .Reply(Refunded{TransactionId("txn_2"), Cents(1250)})
      .Expect<MarkFailed>(ReasonIs(kReasonOrderRejected))
      // The order is terminal already and refuses: recorded, and the saga still ends, GAVE_UP,
      // since its last undo could not be done (an operator looks at the order).
      .Reply(OrderStatusRejected{"CANCELED", "order is canceled"})
      .ExpectNoCommand()
      .ExpectStatus(SagaStatus::kGaveUp);
}

TEST(Groups, ABranchRefusedWithNoEffectIsNotUndoneWhileTheOtherIsInFlight) {
  SagaTest saga(OrderSagaWithParallelGroup());
  saga.GivenAnswered("PaymentCharged").Expect<MarkOnWay>();
  const Message on_way = saga.current().message;
  saga.Expect<ReserveStock>()
      .Reply(OutOfStock{0})
      .Expect<Refund>()
      .Reply(Refunded{TransactionId("txn_2"), Cents(1250)})
      .Expect<MarkFailed>(ReasonIs(kReasonOutOfStock))
      .Reply(OrderStatusChanged{"FAILED"})
      .ExpectStatus(SagaStatus::kFailed);
  saga.ReplyTo(on_way, OrderStatusChanged{"ON_WAY"}, Disposition::kIgnoredTerminal);
  for (const auto& command : saga.sent()) {
    EXPECT_FALSE(std::holds_alternative<ReleaseStock>(command.message.payload))
        << "the reserve was refused: nothing to release";
  }
}

TEST(StateChecks, ALoadedStateMustFitItsDefinition) {
  SagaTest saga(OrderSaga());
  saga.Given().Expect<ChargeWallet>();
  const SagaDefinition definition = OrderSaga();
  EXPECT_TRUE(CheckStateFits(definition, saga.state()).ok());

  SagaState wrong_type = saga.state();
  wrong_type.type = "cancel";
  EXPECT_FALSE(CheckStateFits(definition, wrong_type).ok());

  SagaState beyond = saga.state();
  beyond.step_index = 9;
  EXPECT_FALSE(CheckStateFits(definition, beyond).ok());

  SagaState too_many = saga.state();
  too_many.attempt = 4;
  EXPECT_FALSE(CheckStateFits(definition, too_many).ok());

  SagaState undo_missing = saga.state();
  undo_missing.status = SagaStatus::kCompensating;
  undo_missing.step_index = 3;  // order_placed has no compensation
  EXPECT_FALSE(CheckStateFits(definition, undo_missing).ok());

  SagaState bad_data = saga.state();
  bad_data.data["quantity"] = 0;
  EXPECT_FALSE(CheckStateFits(definition, bad_data).ok());

  SagaState terminal_with_deadline = saga.state();
  terminal_with_deadline.status = SagaStatus::kFailed;
  EXPECT_FALSE(CheckStateFits(definition, terminal_with_deadline).ok());
}

}  // namespace
}  // namespace tinysaga::saga
