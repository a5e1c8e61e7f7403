#include "order/domain/order_status.h"

#include <gtest/gtest.h>

#include <set>

namespace tinysaga::order {
namespace {

constexpr Actor kAllActors[] = {Actor::kCustomer, Actor::kAdmin, Actor::kSaga};

TEST(OrderStatus, FormatAndParseRoundTrip) {
  std::set<std::string_view> names;
  for (OrderStatus status : kAllOrderStatuses) {
    auto name = FormatOrderStatus(status);
    names.insert(name);
    EXPECT_EQ(ParseOrderStatus(name), status) << name;
  }
  EXPECT_EQ(names.size(), kAllOrderStatuses.size());
  EXPECT_EQ(FormatOrderStatus(OrderStatus::kPaymentPending), "PAYMENT_PENDING");
  EXPECT_EQ(FormatOrderStatus(OrderStatus::kOnWay), "ON_WAY");
}

TEST(OrderStatus, ParseIsExactAndCaseSensitive) {
  for (std::string_view text :
       {"", "initiated", "Initiated", " INITIATED", "INITIATED ", "ONWAY", "CANCELLED"}) {
    EXPECT_FALSE(ParseOrderStatus(text).has_value()) << text;
  }
  EXPECT_FALSE(ParseOrderStatus(std::string_view("INITIATED\0", 10)).has_value());
}

TEST(OrderStatus, TerminalStatusesAreExactlyDeliveredFailedCanceled) {
  std::set<OrderStatus> terminal;
  for (OrderStatus status : kAllOrderStatuses) {
    if (IsTerminal(status)) terminal.insert(status);
  }
  EXPECT_EQ(terminal,
            (std::set{OrderStatus::kDelivered, OrderStatus::kFailed, OrderStatus::kCanceled}));
}

TEST(Transitions, NoOrderEverLeavesATerminalState) {
  for (OrderStatus from : kAllOrderStatuses) {
    if (!IsTerminal(from)) continue;
    for (OrderStatus to : kAllOrderStatuses) {
      for (Actor actor : kAllActors) {
        EXPECT_FALSE(IsAllowedTransition(from, to, actor));
        auto check = CheckTransition(from, to, actor);
        ASSERT_FALSE(check.ok());
        EXPECT_EQ(check.error().code, Errc::kConflict);
        EXPECT_NE(check.error().detail.find("final"), std::string::npos);
      }
      EXPECT_EQ(PlanCancel(from, Actor::kCustomer), CancelPlan::kRefuse);
    }
  }
  for (const Transition& row : Transitions()) EXPECT_FALSE(IsTerminal(row.from));
}

TEST(Transitions, NoStatusFollowsItself) {
  for (const Transition& row : Transitions()) EXPECT_NE(row.from, row.to);
}

TEST(Transitions, TableHasNoDuplicateRows) {
  std::set<std::tuple<OrderStatus, OrderStatus, Actor>> rows;
  for (const Transition& row : Transitions()) rows.insert({row.from, row.to, row.actor});
  EXPECT_EQ(rows.size(), Transitions().size());
}

TEST(Transitions, EveryStatusIsReachableFromInitiatedAndEveryPathEnds) {
  // Breadth-first over the table: from INITIATED every status can be reached ...
  std::set<OrderStatus> reached{OrderStatus::kInitiated};
  for (bool grew = true; grew;) {
    grew = false;
    for (const Transition& row : Transitions()) {
      if (reached.count(row.from) && reached.insert(row.to).second) grew = true;
    }
  }
  EXPECT_EQ(reached.size(), kAllOrderStatuses.size());
  // ... nothing leads back to INITIATED ...
  for (const Transition& row : Transitions()) EXPECT_NE(row.to, OrderStatus::kInitiated);
  // ... and every non-terminal status has a way forward, so no order is stuck for ever.
  for (OrderStatus status : kAllOrderStatuses) {
    if (IsTerminal(status)) continue;
    bool has_exit = false;
    for (const Transition& row : Transitions()) has_exit = has_exit || row.from == status;
    EXPECT_TRUE(has_exit) << FormatOrderStatus(status);
  }
}

TEST(Transitions, TheHappyPathIsDrivenByTheSagaThenTheAdmin) {
  EXPECT_TRUE(
      IsAllowedTransition(OrderStatus::kInitiated, OrderStatus::kPaymentPending, Actor::kSaga));
  EXPECT_TRUE(
      IsAllowedTransition(OrderStatus::kPaymentPending, OrderStatus::kPaymentDone, Actor::kSaga));
  EXPECT_TRUE(IsAllowedTransition(OrderStatus::kPaymentDone, OrderStatus::kPlaced, Actor::kSaga));
  EXPECT_TRUE(IsAllowedTransition(OrderStatus::kPlaced, OrderStatus::kOnWay, Actor::kAdmin));
  EXPECT_TRUE(IsAllowedTransition(OrderStatus::kOnWay, OrderStatus::kDelivered, Actor::kAdmin));
}

TEST(Transitions, ShippingIsForAdminsAndSagasAndInOrder) {
  EXPECT_FALSE(IsAllowedTransition(OrderStatus::kPlaced, OrderStatus::kOnWay, Actor::kCustomer));
  // A saga's ship step (docs/adding-a-step.md) may send the order on its way; only an admin
  // says it was delivered.
  EXPECT_TRUE(IsAllowedTransition(OrderStatus::kPlaced, OrderStatus::kOnWay, Actor::kSaga));
  for (Actor actor : {Actor::kCustomer, Actor::kSaga}) {
    EXPECT_FALSE(IsAllowedTransition(OrderStatus::kOnWay, OrderStatus::kDelivered, actor));
  }
  // No skipping: delivered only after on its way, on its way only after placed.
  EXPECT_FALSE(IsAllowedTransition(OrderStatus::kPlaced, OrderStatus::kDelivered, Actor::kAdmin));
  for (OrderStatus from : kAllOrderStatuses) {
    EXPECT_EQ(IsAllowedTransition(from, OrderStatus::kOnWay, Actor::kAdmin),
              from == OrderStatus::kPlaced);
    EXPECT_EQ(IsAllowedTransition(from, OrderStatus::kDelivered, Actor::kAdmin),
              from == OrderStatus::kOnWay);
  }
}

TEST(Transitions, FailureIsOnlyTheSagasAndOnlyBeforePlacement) {
  for (const Transition& row : Transitions()) {
    if (row.to != OrderStatus::kFailed) continue;
    EXPECT_EQ(row.actor, Actor::kSaga);
    // INITIATED too: Payment may decide the debit and crash before it moves the order.
    EXPECT_TRUE(row.from == OrderStatus::kInitiated || row.from == OrderStatus::kPaymentPending ||
                row.from == OrderStatus::kPaymentDone);
  }
  EXPECT_TRUE(IsAllowedTransition(OrderStatus::kInitiated, OrderStatus::kFailed, Actor::kSaga));
}

TEST(HasReached, FollowsTheMainLineOnlyAndSideStatusesByEquality) {
  EXPECT_TRUE(HasReached(OrderStatus::kPlaced, OrderStatus::kPlaced));
  EXPECT_TRUE(HasReached(OrderStatus::kOnWay, OrderStatus::kPlaced));
  EXPECT_TRUE(HasReached(OrderStatus::kDelivered, OrderStatus::kPaymentDone));
  EXPECT_FALSE(HasReached(OrderStatus::kPaymentPending, OrderStatus::kPaymentDone));
  EXPECT_FALSE(HasReached(OrderStatus::kCanceled, OrderStatus::kPaymentDone));
  EXPECT_FALSE(HasReached(OrderStatus::kFailed, OrderStatus::kPlaced));
  EXPECT_FALSE(HasReached(OrderStatus::kPlaced, OrderStatus::kFailed));
  EXPECT_TRUE(HasReached(OrderStatus::kFailed, OrderStatus::kFailed));
  EXPECT_TRUE(HasReached(OrderStatus::kCanceled, OrderStatus::kCanceled));
}

TEST(Transitions, CheckTransitionNamesTheStatuses) {
  auto check = CheckTransition(OrderStatus::kInitiated, OrderStatus::kOnWay, Actor::kAdmin);
  ASSERT_FALSE(check.ok());
  EXPECT_EQ(check.error().code, Errc::kConflict);
  EXPECT_NE(check.error().detail.find("INITIATED"), std::string::npos);
  EXPECT_NE(check.error().detail.find("ON_WAY"), std::string::npos);
  EXPECT_TRUE(CheckTransition(OrderStatus::kPlaced, OrderStatus::kOnWay, Actor::kAdmin).ok());
}

TEST(PlanCancel, InitiatedCancelsAtOncePlacedNeedsTheSagaOthersRefuse) {
  for (Actor actor : {Actor::kCustomer, Actor::kAdmin}) {
    EXPECT_EQ(PlanCancel(OrderStatus::kInitiated, actor), CancelPlan::kCancelNow);
    EXPECT_EQ(PlanCancel(OrderStatus::kPlaced, actor), CancelPlan::kStartCancelSaga);
    for (OrderStatus status :
         {OrderStatus::kPaymentPending, OrderStatus::kPaymentDone, OrderStatus::kOnWay,
          OrderStatus::kDelivered, OrderStatus::kFailed, OrderStatus::kCanceled}) {
      EXPECT_EQ(PlanCancel(status, actor), CancelPlan::kRefuse) << FormatOrderStatus(status);
    }
  }
  // The cancel saga finishes the job itself.
  EXPECT_EQ(PlanCancel(OrderStatus::kPlaced, Actor::kSaga), CancelPlan::kCancelNow);
}

}  // namespace
}  // namespace tinysaga::order
