#include "order/domain/order.h"

#include <gtest/gtest.h>

namespace tinysaga::order {
namespace {

constexpr TimestampMs kT0 = 1'767'225'600'000;

ProductSnapshot Product(int64_t price_cents, int64_t available, std::string id = "prd_1") {
  return ProductSnapshot{ProductId(std::move(id)), price_cents, "USD", available};
}

Order NewInitiated() {
  auto created = CreateOrder(OrderId("ord_1"), UserId("alice"), Product(250, 10), 2, kT0);
  EXPECT_TRUE(created.ok());
  return created->order;
}

TEST(PriceFor, IsUnitPriceTimesQuantity) {
  auto price = PriceFor(Product(250, 10), 4);
  ASSERT_TRUE(price.ok());
  EXPECT_EQ(price->cents(), 1000);
  EXPECT_EQ(price->currency(), "USD");
}

TEST(PriceFor, AllAvailableUnitsMayBeOrdered) {
  EXPECT_TRUE(PriceFor(Product(1, 3), 3).ok());
  EXPECT_TRUE(PriceFor(Product(0, 3), 3).ok());  // free samples are fine
}

TEST(PriceFor, MoreThanAvailableIsOutOfStock) {
  auto price = PriceFor(Product(250, 3), 4);
  ASSERT_FALSE(price.ok());
  EXPECT_EQ(price.error().code, Errc::kOutOfStock);
  EXPECT_EQ(PriceFor(Product(250, 0), 1).error().code, Errc::kOutOfStock);
  EXPECT_EQ(PriceFor(Product(250, -5), 1).error().code, Errc::kOutOfStock);
}

TEST(PriceFor, OverflowIsUnprocessableNotAWrapAround) {
  auto price = PriceFor(Product(Money::kAmountCentsMax, kQuantityMax), 2);
  ASSERT_FALSE(price.ok());
  EXPECT_EQ(price.error().code, Errc::kUnprocessable);
  auto near_int64_max = PriceFor(Product(INT64_MAX / 2, kQuantityMax), 3);
  ASSERT_FALSE(near_int64_max.ok());
  EXPECT_EQ(near_int64_max.error().code, Errc::kUnprocessable);
  EXPECT_TRUE(PriceFor(Product(Money::kAmountCentsMax, kQuantityMax), 1).ok());
}

TEST(PriceFor, AnUnusableUnitPriceIsUnprocessable) {
  EXPECT_EQ(PriceFor(Product(-1, 10), 1).error().code, Errc::kUnprocessable);
  EXPECT_EQ(PriceFor(ProductSnapshot{ProductId("p"), 100, "usd", 10}, 1).error().code,
            Errc::kUnprocessable);
}

TEST(PriceFor, QuantityOutsideOneToAMillionIsInvalid) {
  for (int64_t quantity : {int64_t{0}, int64_t{-1}, kQuantityMax + 1, INT64_MAX, INT64_MIN}) {
    auto price = PriceFor(Product(1, INT64_MAX), quantity);
    ASSERT_FALSE(price.ok()) << quantity;
    EXPECT_EQ(price.error().code, Errc::kInvalidRequest);
  }
}

TEST(CreateOrder, StartsInitiatedWithOneHistoryLine) {
  auto created = CreateOrder(OrderId("ord_1"), UserId("alice"), Product(250, 10), 2, kT0);
  ASSERT_TRUE(created.ok());
  const Order& order = created->order;
  EXPECT_EQ(order.order_id.value(), "ord_1");
  EXPECT_EQ(order.user_id.value(), "alice");
  EXPECT_EQ(order.product_id.value(), "prd_1");
  EXPECT_EQ(order.quantity, 2);
  EXPECT_EQ(order.price_cents, 500);
  EXPECT_EQ(order.currency, "USD");
  EXPECT_EQ(order.status, OrderStatus::kInitiated);
  EXPECT_EQ(order.created_at_ms, kT0);
  EXPECT_EQ(order.updated_at_ms, kT0);
  EXPECT_EQ(created->first_change.status, OrderStatus::kInitiated);
  EXPECT_EQ(created->first_change.at_ms, kT0);
  EXPECT_EQ(created->first_change.status_info, order.status_info);
}

TEST(CreateOrder, RefusesWhatPriceForRefuses) {
  EXPECT_EQ(CreateOrder(OrderId("o"), UserId("u"), Product(1, 1), 2, kT0).error().code,
            Errc::kOutOfStock);
  EXPECT_EQ(CreateOrder(OrderId("o"), UserId("u"), Product(1, 1), 0, kT0).error().code,
            Errc::kInvalidRequest);
}

TEST(ReviseOrder, RepricesAnInitiatedOrder) {
  Order order = NewInitiated();
  ASSERT_TRUE(ReviseOrder(order, Product(1'000, 5, "prd_2"), 5, kT0 + 10).ok());
  EXPECT_EQ(order.product_id.value(), "prd_2");
  EXPECT_EQ(order.quantity, 5);
  EXPECT_EQ(order.price_cents, 5'000);
  EXPECT_EQ(order.updated_at_ms, kT0 + 10);
  EXPECT_EQ(order.created_at_ms, kT0);
}

TEST(ReviseOrder, FailedRevisionChangesNothing) {
  Order order = NewInitiated();
  const Order before = order;
  EXPECT_EQ(ReviseOrder(order, Product(1'000, 4), 5, kT0 + 10).error().code, Errc::kOutOfStock);
  EXPECT_EQ(order.quantity, before.quantity);
  EXPECT_EQ(order.price_cents, before.price_cents);
  EXPECT_EQ(order.updated_at_ms, before.updated_at_ms);
}

TEST(ReviseOrder, OnlyWhileInitiated) {
  for (OrderStatus status : kAllOrderStatuses) {
    Order order = NewInitiated();
    order.status = status;
    auto revised = ReviseOrder(order, Product(1, 10), 1, kT0);
    EXPECT_EQ(revised.ok(), status == OrderStatus::kInitiated) << FormatOrderStatus(status);
    if (!revised.ok()) {
      EXPECT_EQ(revised.error().code, Errc::kConflict);
    }
  }
}

TEST(ChangeStatus, AppliesALegalTransitionAndReturnsItsHistoryLine) {
  Order order = NewInitiated();
  order.status = OrderStatus::kPlaced;
  auto change = ChangeStatus(order, OrderStatus::kOnWay, Actor::kAdmin, "tracking 123", kT0 + 5);
  ASSERT_TRUE(change.ok());
  EXPECT_EQ(order.status, OrderStatus::kOnWay);
  EXPECT_EQ(order.status_info, "tracking 123");
  EXPECT_EQ(order.updated_at_ms, kT0 + 5);
  EXPECT_EQ(change->status, OrderStatus::kOnWay);
  EXPECT_EQ(change->status_info, "tracking 123");
  EXPECT_EQ(change->at_ms, kT0 + 5);
}

TEST(ChangeStatus, EmptyInfoGetsADefault) {
  Order order = NewInitiated();
  auto change = ChangeStatus(order, OrderStatus::kCanceled, Actor::kCustomer, "", kT0);
  ASSERT_TRUE(change.ok());
  EXPECT_EQ(change->status_info, "canceled by the customer");
}

TEST(ChangeStatus, IllegalTransitionChangesNothing) {
  Order order = NewInitiated();
  const Order before = order;
  auto change = ChangeStatus(order, OrderStatus::kOnWay, Actor::kAdmin, "", kT0 + 5);
  ASSERT_FALSE(change.ok());
  EXPECT_EQ(change.error().code, Errc::kConflict);
  EXPECT_EQ(order.status, before.status);
  EXPECT_EQ(order.status_info, before.status_info);
  EXPECT_EQ(order.updated_at_ms, before.updated_at_ms);
}

TEST(ChangeStatus, NeverLeavesATerminalStatus) {
  for (OrderStatus terminal :
       {OrderStatus::kDelivered, OrderStatus::kFailed, OrderStatus::kCanceled}) {
    for (OrderStatus to : kAllOrderStatuses) {
      for (Actor actor : {Actor::kCustomer, Actor::kAdmin, Actor::kSaga}) {
        Order order = NewInitiated();
        order.status = terminal;
        EXPECT_FALSE(ChangeStatus(order, to, actor, "", kT0).ok());
        EXPECT_EQ(order.status, terminal);
      }
    }
  }
}

TEST(StatusInfo, IsLimitedInCharactersNotBytes) {
  EXPECT_TRUE(CheckStatusInfo(std::string(kStatusInfoLengthMax, 'a')).ok());
  EXPECT_EQ(CheckStatusInfo(std::string(kStatusInfoLengthMax + 1, 'a')).error().code,
            Errc::kInvalidRequest);
  std::string euros;
  for (size_t i = 0; i < kStatusInfoLengthMax; ++i) euros += "\xE2\x82\xAC";  // U+20AC, 3 bytes
  EXPECT_EQ(CountCodePoints(euros), kStatusInfoLengthMax);
  EXPECT_TRUE(CheckStatusInfo(euros).ok());
  EXPECT_FALSE(CheckStatusInfo(euros + "x").ok());
}

TEST(StatusInfo, OverLongInfoIsRefusedByChangeStatus) {
  Order order = NewInitiated();
  order.status = OrderStatus::kPlaced;
  auto change = ChangeStatus(order, OrderStatus::kOnWay, Actor::kAdmin, std::string(501, 'x'), kT0);
  ASSERT_FALSE(change.ok());
  EXPECT_EQ(change.error().code, Errc::kInvalidRequest);
  EXPECT_EQ(order.status, OrderStatus::kPlaced);
}

}  // namespace
}  // namespace tinysaga::order
