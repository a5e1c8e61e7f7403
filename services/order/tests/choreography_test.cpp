// The Order service's rules in choreography mode, pure: which statuses each event moves an
// order to, the facts of the saga view, and the deadlines on the states in which the order
// waits for another service.

#include "order/domain/choreography.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <initializer_list>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tinysaga/saga/choreography_reactions.h"
#include "tinysaga/sagas/order_sagas.h"

namespace tinysaga::order {
namespace {

using contracts::Message;
using contracts::Payload;

constexpr TimestampMs kT0 = 1'767'225'600'000;

Money Cents(int64_t cents) { return *Money::FromCents(cents); }

// An order and its history, taken from INITIATED through `path` by the domain functions, one
// change every `step_ms` after kT0.
struct Made {
  Order order;
  std::vector<StatusChange> history;
};

Actor ActorFor(OrderStatus from, OrderStatus to) {
  if (to == OrderStatus::kOnWay || to == OrderStatus::kDelivered) return Actor::kAdmin;
  if (to == OrderStatus::kCanceled && from == OrderStatus::kInitiated) return Actor::kCustomer;
  return Actor::kSaga;
}

Made Through(std::initializer_list<OrderStatus> path, TimestampMs step_ms = 1) {
  auto created = CreateOrder(OrderId("ord_1"), UserId("alice"),
                             ProductSnapshot{ProductId("prd_1"), 250, "USD", 10}, 2, kT0);
  EXPECT_TRUE(created.ok());
  Made made{created->order, {created->first_change}};
  TimestampMs now_ms = kT0;
  for (OrderStatus to : path) {
    now_ms += step_ms;
    auto change = ChangeStatus(made.order, to, ActorFor(made.order.status, to), "", now_ms);
    EXPECT_TRUE(change.ok()) << change.error().detail;
    if (change.ok()) made.history.push_back(*change);
  }
  return made;
}

Order OrderIn(OrderStatus status) {
  switch (status) {
    case OrderStatus::kInitiated:
      return Through({}).order;
    case OrderStatus::kPaymentPending:
      return Through({OrderStatus::kPaymentPending}).order;
    case OrderStatus::kPaymentDone:
      return Through({OrderStatus::kPaymentPending, OrderStatus::kPaymentDone}).order;
    case OrderStatus::kPlaced:
      return Through(
                 {OrderStatus::kPaymentPending, OrderStatus::kPaymentDone, OrderStatus::kPlaced})
          .order;
    case OrderStatus::kOnWay:
      return Through({OrderStatus::kPaymentPending, OrderStatus::kPaymentDone, OrderStatus::kPlaced,
                      OrderStatus::kOnWay})
          .order;
    case OrderStatus::kDelivered:
      return Through({OrderStatus::kPaymentPending, OrderStatus::kPaymentDone, OrderStatus::kPlaced,
                      OrderStatus::kOnWay, OrderStatus::kDelivered})
          .order;
    case OrderStatus::kFailed:
      return Through({OrderStatus::kPaymentPending, OrderStatus::kFailed}).order;
    case OrderStatus::kCanceled:
      return Through({OrderStatus::kCanceled}).order;
  }
  return Order{};
}

Order PlacedWithCancelRequested(TimestampMs requested_ms) {
  Order order = OrderIn(OrderStatus::kPlaced);
  auto requested = RequestCancel(order, requested_ms);
  EXPECT_TRUE(requested.ok() && *requested);
  return order;
}

// The targets as (status, statusInfo) pairs, for comparison; nullopt stays nullopt.
using Targets = std::vector<std::pair<std::string, std::string>>;
std::optional<Targets> Follow(const Order& order, const Payload& event) {
  auto targets = FollowEvent(order, event);
  if (!targets) return std::nullopt;
  Targets out;
  for (const StatusTarget& target : *targets)
    out.emplace_back(FormatOrderStatus(target.status), target.status_info);
  return out;
}

Payload PaymentCompleted() {
  return contracts::PaymentCompleted{UserId("alice"), Cents(500), TransactionId("txn_1"),
                                     ProductId("prd_1"), 2};
}
Payload PaymentFailed(contracts::PaymentFailure failure) {
  return contracts::PaymentFailed{UserId("alice"), Cents(500), ProductId("prd_1"), 2, failure};
}
Payload Refunded() { return contracts::Refunded{TransactionId("txn_2"), Cents(500)}; }
Payload CancelRequested() {
  return contracts::OrderCancelRequested{UserId("alice"), Cents(500), ProductId("prd_1"), 2};
}

Message EventMessage(Payload payload, std::string saga_id = "", TimestampMs time_ms = kT0 + 7,
                     const std::string& order_id = "ord_1") {
  return Message{contracts::Envelope{.message_id = "evt_1",
                                     .saga_id = SagaId(std::move(saga_id)),
                                     .order_id = OrderId(order_id),
                                     .time_ms = time_ms},
                 std::move(payload)};
}

// ---- FollowEvent, Follows ----

TEST(FollowEvent, PaymentCompletedMovesTheOrderToPaymentDone) {
  EXPECT_EQ(Follow(OrderIn(OrderStatus::kPaymentPending), PaymentCompleted()),
            (Targets{{"PAYMENT_DONE", ""}}));
}

TEST(FollowEvent, PaymentFailedFailsTheOrderWithTheReasonOfTheFailure) {
  const Order pending = OrderIn(OrderStatus::kPaymentPending);
  EXPECT_EQ(Follow(pending, PaymentFailed(contracts::PaymentFailure::kInsufficientFunds)),
            (Targets{{"FAILED", "insufficient funds"}}));
  EXPECT_EQ(Follow(pending, PaymentFailed(contracts::PaymentFailure::kUnavailable)),
            (Targets{{"FAILED", "payment service unavailable"}}));
}

TEST(FollowEvent, StockReservedMovesThroughPaymentDoneToPlaced) {
  // Inventory reserves only after the payment, so its event implies PaymentCompleted even
  // when it overtook it.
  for (OrderStatus status : {OrderStatus::kPaymentPending, OrderStatus::kPaymentDone}) {
    EXPECT_EQ(Follow(OrderIn(status), contracts::StockReserved{}),
              (Targets{{"PAYMENT_DONE", ""}, {"PLACED", ""}}))
        << FormatOrderStatus(status);
  }
}

TEST(FollowEvent, OutOfStockOnlyMovesToPaymentDoneAndTheRefundFailsTheOrder) {
  EXPECT_EQ(Follow(OrderIn(OrderStatus::kPaymentPending), contracts::OutOfStock{0}),
            (Targets{{"PAYMENT_DONE", ""}}));
  EXPECT_EQ(Follow(OrderIn(OrderStatus::kPaymentDone), Refunded()),
            (Targets{{"FAILED", std::string(sagas::kReasonOutOfStock)}}));
}

TEST(FollowEvent, StockReleasedIsAFactWithoutAStatusChange) {
  auto targets = Follow(PlacedWithCancelRequested(kT0 + 100), contracts::StockReleased{});
  ASSERT_TRUE(targets.has_value());
  EXPECT_TRUE(targets->empty());
}

TEST(FollowEvent, RefundedCancelsAPlacedOrderWithACancelRequested) {
  EXPECT_EQ(Follow(PlacedWithCancelRequested(kT0 + 100), Refunded()), (Targets{{"CANCELED", ""}}));
}

TEST(FollowEvent, RefundedOtherwiseFailsTheOrderOutOfStock) {
  // A PLACED order without a cancel: the status table refuses FAILED later, in the handler.
  for (OrderStatus status : {OrderStatus::kPaymentPending, OrderStatus::kPaymentDone,
                             OrderStatus::kPlaced, OrderStatus::kFailed}) {
    EXPECT_EQ(Follow(OrderIn(status), Refunded()),
              (Targets{{"FAILED", "out of stock, payment refunded"}}))
        << FormatOrderStatus(status);
  }
}

TEST(FollowEvent, ARefusedRefundFailsTheOrderSayingSoButLeavesACancelForAnOperator) {
  const Payload refused = contracts::RefundRefused{"HTTP 422"};
  EXPECT_EQ(Follow(OrderIn(OrderStatus::kPaymentDone), refused),
            (Targets{{"FAILED", "out of stock, refund not done: an operator must act"}}));
  auto targets = Follow(PlacedWithCancelRequested(kT0 + 100), refused);
  ASSERT_TRUE(targets.has_value());
  EXPECT_TRUE(targets->empty());  // PLACED with its cancel requested, the cancel saga GAVE_UP
}

TEST(FollowEvent, EventsAndMessagesOrderDoesNotFollowGiveNothing) {
  const Order placed = OrderIn(OrderStatus::kPlaced);
  for (const Payload& other :
       {CancelRequested(), Payload(contracts::PaymentCharged{TransactionId("t"), Cents(500)}),
        Payload(contracts::MarkPlaced{}), Payload(contracts::ChargeWallet{UserId("a"), Cents(1)}),
        Payload(contracts::OrderStatusChanged{"PLACED"}),
        Payload(contracts::ReserveStock{ProductId("prd_1"), 1})}) {
    EXPECT_EQ(Follow(placed, other), std::nullopt) << contracts::TypeName(other);
  }
}

// Order's status rules are its own (the reasons and the cancel's checks live there), so this
// holds them against the declarations (saga/choreography_reactions.h): every message that
// calls for one of Order's commands is followed, to that command's status.
TEST(FollowEvent, ReachesTheStatusOfEveryCommandTheDeclarationsGiveOrder) {
  const std::map<std::string, Payload> events = {
      {"PaymentCompleted", PaymentCompleted()},
      {"PaymentFailed", PaymentFailed(contracts::PaymentFailure::kInsufficientFunds)},
      {"StockReserved", contracts::StockReserved{}},
      {"Refunded", Refunded()},
      {"RefundRefused", contracts::RefundRefused{"HTTP 422"}}};
  // (No command gives PAYMENT_DONE: Order follows PaymentCompleted itself in both modes.)
  const std::map<std::string, std::string> status_of = {
      {"MarkPlaced", "PLACED"}, {"MarkFailed", "FAILED"}, {"MarkCanceled", "CANCELED"}};
  const auto reactions =
      saga::ParticipantReactions(sagas::DefaultDefinitions(), contracts::Participant::kOrder);
  ASSERT_FALSE(reactions.empty());
  for (const saga::ParticipantReaction& reaction : reactions) {
    const std::string what = reaction.trigger + " -> " + reaction.action->command;
    ASSERT_TRUE(events.contains(reaction.trigger)) << what << ": no sample of the event here";
    ASSERT_TRUE(status_of.contains(reaction.action->command)) << what;
    // The order where the saga stands when the event comes: the cancel saga's on a PLACED
    // order with its cancel requested, the order saga's once paid.
    const Order order = reaction.saga->type == sagas::kCancelSagaType
                            ? PlacedWithCancelRequested(kT0 + 100)
                            : OrderIn(OrderStatus::kPaymentDone);
    const auto targets = Follow(order, events.at(reaction.trigger));
    ASSERT_TRUE(targets.has_value()) << what << ": Order does not follow it";
    const std::string& status = status_of.at(reaction.action->command);
    EXPECT_TRUE(std::any_of(targets->begin(), targets->end(),
                            [&](const auto& target) { return target.first == status; }))
        << what << ": never reaches " << status;
  }
}

TEST(Follows, CoversEveryMessageFactTheDeclarationsHaveOrderHear) {
  const std::map<std::string, Payload> samples = {
      {"PaymentCompleted", PaymentCompleted()},
      {"PaymentFailed", PaymentFailed(contracts::PaymentFailure::kUnavailable)},
      {"StockReserved", contracts::StockReserved{}},
      {"OutOfStock", contracts::OutOfStock{0}},
      {"StockReleased", contracts::StockReleased{}},
      {"Refunded", Refunded()},
      {"RefundRefused", contracts::RefundRefused{"HTTP 422"}}};
  for (const std::string& fact :
       saga::FactsHeardBy(sagas::DefaultDefinitions(), contracts::Participant::kOrder)) {
    ASSERT_TRUE(samples.contains(fact)) << fact << ": no sample of the event here";
    EXPECT_TRUE(Follows(samples.at(fact))) << fact;
  }
}

TEST(Follows, IsTrueExactlyForTheEventsOrderReactsTo) {
  for (const Payload& followed :
       {PaymentCompleted(), PaymentFailed(contracts::PaymentFailure::kUnavailable),
        Payload(contracts::StockReserved{}), Payload(contracts::OutOfStock{3}),
        Payload(contracts::StockReleased{}), Refunded(),
        Payload(contracts::RefundRefused{"HTTP 422"})}) {
    EXPECT_TRUE(Follows(followed)) << contracts::TypeName(followed);
  }
  for (const Payload& ignored :
       {CancelRequested(), Payload(contracts::PaymentCharged{TransactionId("t"), Cents(500)}),
        Payload(contracts::PaymentDeclined{"no money"}), Payload(contracts::MarkFailed{"x"})}) {
    EXPECT_FALSE(Follows(ignored)) << contracts::TypeName(ignored);
  }
}

// ---- FactOf ----

TEST(FactOf, AnEventWithoutASagaIdIsAFactOfTheOrderSaga) {
  const contracts::Message event = EventMessage(PaymentCompleted(), "", kT0 + 42);
  const saga::ChoreographyFact fact = FactOf(event);
  // With the event's id: the saga's messages list it (issue 15).
  EXPECT_EQ(fact, (saga::ChoreographyFact{"order", "PaymentCompleted", kT0 + 42, "",
                                          event.envelope.message_id}));
  EXPECT_FALSE(fact.message_id.empty());
}

TEST(FactOf, TheSagaIdNamesTheCancelSaga) {
  EXPECT_EQ(FactOf(EventMessage(contracts::StockReleased{}, "cancel-ord_1")).saga_type, "cancel");
  EXPECT_EQ(FactOf(EventMessage(Refunded(), "cancel-ord_1")).saga_type, "cancel");
  EXPECT_EQ(FactOf(EventMessage(contracts::StockReleased{}, "order-ord_1")).saga_type, "order");
  // Another order's cancel saga is not this order's.
  EXPECT_EQ(FactOf(EventMessage(Refunded(), "cancel-ord_2")).saga_type, "order");
}

TEST(FactOf, FailuresCarryTheirDetail) {
  EXPECT_EQ(
      FactOf(EventMessage(PaymentFailed(contracts::PaymentFailure::kInsufficientFunds))).detail,
      "insufficient funds");
  EXPECT_EQ(FactOf(EventMessage(PaymentFailed(contracts::PaymentFailure::kUnavailable))).detail,
            "payment service unavailable");
  const contracts::Message event = EventMessage(contracts::OutOfStock{3}, "order-ord_1", kT0 + 9);
  EXPECT_EQ(FactOf(event),
            (saga::ChoreographyFact{"order", "OutOfStock", kT0 + 9, "out of stock (3 available)",
                                    event.envelope.message_id}));
  EXPECT_EQ(FactOf(EventMessage(contracts::StockReserved{})).detail, "");
}

// ---- SagaFacts ----

TEST(SagaFacts, ARecordedFactComesBeforeTheStatusItCausedAtTheSameTime) {
  Made made =
      Through({OrderStatus::kPaymentPending, OrderStatus::kPaymentDone, OrderStatus::kPlaced}, 10);
  // PAYMENT_PENDING at kT0 + 10, PAYMENT_DONE at kT0 + 20 (no saga's fact: the event that
  // caused it is), PLACED at kT0 + 30, caused by StockReserved.
  const std::vector<saga::ChoreographyFact> recorded = {{"order", "PaymentCompleted", kT0 + 20, ""},
                                                        {"order", "StockReserved", kT0 + 30, ""}};
  EXPECT_EQ(SagaFacts(made.order, made.history, recorded),
            (std::vector<saga::ChoreographyFact>{{"order", "status", kT0 + 10, "PAYMENT_PENDING"},
                                                 {"order", "PaymentCompleted", kT0 + 20, ""},
                                                 {"order", "StockReserved", kT0 + 30, ""},
                                                 {"order", "status", kT0 + 30, "PLACED"}}));
}

TEST(SagaFacts, AreOrderedByTimeWhateverTheOrderTheyWereRecordedIn) {
  Made made = Through({OrderStatus::kPaymentPending}, 10);
  // StockReserved overtook PaymentCompleted on the way to Order, but was made later.
  const std::vector<saga::ChoreographyFact> recorded = {
      {"order", "StockReserved", kT0 + 30, ""}, {"order", "PaymentCompleted", kT0 + 20, ""}};
  auto facts = SagaFacts(made.order, made.history, recorded);
  ASSERT_EQ(facts.size(), 3u);
  EXPECT_EQ(facts[0].detail, "PAYMENT_PENDING");
  EXPECT_EQ(facts[1].type, "PaymentCompleted");
  EXPECT_EQ(facts[2].type, "StockReserved");
}

TEST(SagaFacts, LeaveOutTheStatusesNoSagaSets) {
  Made made = Through({OrderStatus::kPaymentPending, OrderStatus::kPaymentDone,
                       OrderStatus::kPlaced, OrderStatus::kOnWay, OrderStatus::kDelivered});
  std::vector<std::string> statuses;
  for (const auto& fact : SagaFacts(made.order, made.history, {})) {
    EXPECT_EQ(fact.saga_type, "order");
    EXPECT_EQ(fact.type, saga::kStatusFact);
    statuses.push_back(fact.detail);
  }
  // PAYMENT_DONE neither: no step declares it since Order follows PaymentCompleted itself (that
  // event is the charge step's fact).
  EXPECT_EQ(statuses, (std::vector<std::string>{"PAYMENT_PENDING", "PLACED"}));
}

TEST(SagaFacts, TheCancelRequestAndCanceledBelongToTheCancelSaga) {
  Made made =
      Through({OrderStatus::kPaymentPending, OrderStatus::kPaymentDone, OrderStatus::kPlaced}, 10);
  ASSERT_TRUE(RequestCancel(made.order, kT0 + 100).ok());
  auto canceled = ChangeStatus(made.order, OrderStatus::kCanceled, Actor::kSaga, "", kT0 + 300);
  ASSERT_TRUE(canceled.ok());
  made.history.push_back(*canceled);
  const std::vector<saga::ChoreographyFact> recorded = {{"cancel", "StockReleased", kT0 + 200, ""},
                                                        {"cancel", "Refunded", kT0 + 300, ""}};
  auto facts = SagaFacts(made.order, made.history, recorded);
  ASSERT_EQ(facts.size(), 6u);  // PAYMENT_PENDING and PLACED first, in the order saga
  EXPECT_EQ(facts[2], (saga::ChoreographyFact{"cancel", "OrderCancelRequested", kT0 + 100, ""}));
  EXPECT_EQ(facts[3].type, "StockReleased");
  EXPECT_EQ(facts[4].type, "Refunded");
  EXPECT_EQ(facts[5], (saga::ChoreographyFact{"cancel", "status", kT0 + 300, "CANCELED"}));
}

// Since issue 15 the cancel request is recorded as the event Order sent (with its id); then it
// is not derived from the order a second time.
TEST(SagaFacts, ARecordedCancelRequestIsNotAddedAgain) {
  Made made =
      Through({OrderStatus::kPaymentPending, OrderStatus::kPaymentDone, OrderStatus::kPlaced}, 10);
  ASSERT_TRUE(RequestCancel(made.order, kT0 + 100).ok());
  const std::vector<saga::ChoreographyFact> recorded = {
      {"cancel", "OrderCancelRequested", kT0 + 100, "", "evt_cancel"},
      {"cancel", "OrderCancelRequested", kT0 + 200, "announced again", "evt_again"}};
  auto facts = SagaFacts(made.order, made.history, recorded);
  int requests = 0;
  for (const auto& fact : facts) requests += fact.type == "OrderCancelRequested";
  EXPECT_EQ(requests, 2);
  EXPECT_EQ(facts.back().message_id, "evt_again");
}

TEST(SagaFacts, AnOrderWithoutAPaymentHasNoFacts) {
  Made made = Through({});
  EXPECT_TRUE(SagaFacts(made.order, made.history, {}).empty());
}

// ---- DeadlinesOf ----

// Each deadline is what the orchestrator would spend on the same steps before giving up
// (saga::ActionBudgetMs: every attempt's timeout, and the pauses between them at their caps).
TEST(DeadlinesOf, EachIsTheBudgetOfTheStepsTheOrderWaitsOn) {
  sagas::SagaTimings timings;
  timings.charge = {.timeout_ms = 7'000,
                    .attempts_max = 2,
                    .backoff = {std::chrono::milliseconds(10), 2, std::chrono::milliseconds(10)}};
  timings.forward = {
      .timeout_ms = 1'000,
      .attempts_max = 3,
      .backoff = {std::chrono::milliseconds(100), 3, std::chrono::milliseconds(250)}};
  timings.must_finish = {
      .timeout_ms = 50,
      .attempts_max = 4,
      .backoff = {std::chrono::milliseconds(20), 2, std::chrono::milliseconds(60)}};
  EXPECT_EQ(DeadlinesOf(sagas::AllSagas(timings)),
            (Deadlines{// PAYMENT_PENDING: the charge, 2 attempts and the pause between.
                       .payment_pending_ms = 2 * 7'000 + 10,
                       // PAYMENT_DONE: the reservation, 3 attempts, pauses of 100 and 250 (capped).
                       .payment_done_ms = 3 * 1'000 + 100 + 250,
                       // A cancel announced again: one attempt of each of its three steps.
                       .cancel_ms = 3 * 50,
                       // Given up: every attempt of the three steps, pauses 20, 40 and 60 (capped).
                       .cancel_give_up_ms = 3 * (4 * 50 + 20 + 40 + 60)}));
}

TEST(DeadlinesOf, TheDefaultsComeFromTheDefaultTimings) {
  EXPECT_EQ(DefaultDeadlines(), DeadlinesOf(sagas::AllSagas()));
  EXPECT_EQ(DefaultDeadlines().payment_pending_ms, 2 * 60'000 + 200);
  EXPECT_EQ(DefaultDeadlines().payment_done_ms, 3 * 10'000 + 200 + 400);
  EXPECT_EQ(DefaultDeadlines().cancel_ms, 3 * 10'000);
}

// ---- DeadlineActionFor ----

constexpr Deadlines kDeadlines{.payment_pending_ms = 300, .payment_done_ms = 200, .cancel_ms = 100};

DeadlineAction ActionAfter(const Order& order, int64_t waited_ms) {
  return DeadlineActionFor(order, kDeadlines, order.updated_at_ms + waited_ms);
}

TEST(DeadlineActionFor, APaymentPendingOrderGivesUpAtItsOwnDeadline) {
  const Order order = OrderIn(OrderStatus::kPaymentPending);
  EXPECT_EQ(ActionAfter(order, 0), DeadlineAction::kNone);
  EXPECT_EQ(ActionAfter(order, 299), DeadlineAction::kNone);  // past payment_done_ms
  EXPECT_EQ(ActionAfter(order, 300), DeadlineAction::kGiveUp);
  EXPECT_EQ(ActionAfter(order, 10'000), DeadlineAction::kGiveUp);
}

TEST(DeadlineActionFor, APaymentDoneOrderGivesUpAtItsDeadline) {
  const Order order = OrderIn(OrderStatus::kPaymentDone);
  EXPECT_EQ(ActionAfter(order, 199), DeadlineAction::kNone);
  EXPECT_EQ(ActionAfter(order, 200), DeadlineAction::kGiveUp);
}

TEST(DeadlineActionFor, APlacedOrderWithACancelRequestedIsAnnouncedAgainAtTheCancelDeadline) {
  const Order order = PlacedWithCancelRequested(kT0 + 1'000);
  ASSERT_EQ(order.updated_at_ms, kT0 + 1'000);
  EXPECT_EQ(ActionAfter(order, 99), DeadlineAction::kNone);
  EXPECT_EQ(ActionAfter(order, 100), DeadlineAction::kAnnounceCancelAgain);
}

TEST(DeadlineActionFor, OrdersWaitingOnNobodyHaveNoDeadline) {
  for (OrderStatus status :
       {OrderStatus::kInitiated, OrderStatus::kPlaced, OrderStatus::kOnWay, OrderStatus::kDelivered,
        OrderStatus::kFailed, OrderStatus::kCanceled}) {
    EXPECT_EQ(ActionAfter(OrderIn(status), 1'000'000), DeadlineAction::kNone)
        << FormatOrderStatus(status);
  }
}

TEST(DeadlineActionFor, TheDefaultPaymentPendingDeadlineOutlastsPaymentsReconciler) {
  const Deadlines& defaults = DefaultDeadlines();
  EXPECT_GT(defaults.payment_pending_ms, 60'000 + 5'000);  // stale_after + its interval
  EXPECT_GT(defaults.payment_pending_ms, defaults.payment_done_ms);
  const Order order = OrderIn(OrderStatus::kPaymentPending);
  EXPECT_EQ(DeadlineActionFor(order, defaults, order.updated_at_ms + 60'000),
            DeadlineAction::kNone);
}

}  // namespace
}  // namespace tinysaga::order
