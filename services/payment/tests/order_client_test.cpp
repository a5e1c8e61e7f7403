// The Order client against a fake Order service, and the order JSON reader.

#include "payment/order_client.h"

#include <gtest/gtest.h>

#include "payment/tests/fakes.h"

namespace tinysaga::payment {
namespace {

using nlohmann::json;

class OrderClientTest : public ::testing::Test {
 protected:
  fakes::FakeOrders orders_;
  http::Client client_;
  OrderClient client_under_test_{client_, {orders_.endpoint()}, fakes::kSecret};
};

TEST_F(OrderClientTest, ReadsAnOrder) {
  orders_.Add("ord_1", "alice", 1'250);
  auto order = client_under_test_.GetOrder(OrderId("ord_1"));
  ASSERT_TRUE(order.ok()) << order.error().detail;
  EXPECT_EQ(order->order_id, OrderId("ord_1"));
  EXPECT_EQ(order->user_id, UserId("alice"));
  EXPECT_EQ(order->product_id, ProductId("widget"));
  EXPECT_EQ(order->quantity, 2);
  EXPECT_EQ(order->price, Money::FromCents(1'250).value());
  EXPECT_EQ(order->status, "INITIATED");
  auto missing = client_under_test_.GetOrder(OrderId("ord_9"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::kNotFound);
}

TEST_F(OrderClientTest, MovesAnOrderToPaymentPendingOnce) {
  orders_.Add("ord_1", "alice", 1'250);
  ASSERT_TRUE(client_under_test_.MarkPaymentPending(OrderId("ord_1")).ok());
  EXPECT_EQ(orders_.status("ord_1"), "PAYMENT_PENDING");
  auto again = client_under_test_.MarkPaymentPending(OrderId("ord_1"));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::kConflict);
  auto missing = client_under_test_.MarkPaymentPending(OrderId("ord_9"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::kNotFound);
}

TEST_F(OrderClientTest, AnOrderServiceDownIsUnavailable) {
  orders_.Add("ord_1", "alice", 1'250);
  orders_.SetDown(true);
  auto order = client_under_test_.GetOrder(OrderId("ord_1"));
  ASSERT_FALSE(order.ok());
  EXPECT_EQ(order.error().code, Errc::kUnavailable);
  auto moved = client_under_test_.MarkPaymentPending(OrderId("ord_1"));
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(moved.error().code, Errc::kUnavailable);
  OrderClient nobody(client_, {}, fakes::kSecret);
  EXPECT_EQ(nobody.GetOrder(OrderId("ord_1")).error().code, Errc::kUnavailable);
}

TEST(ParseOrderView, RefusesWhatIsNotAnOrder) {
  const json good{{"orderId", "ord_1"},   {"userId", "alice"}, {"productId", "p1"},
                  {"quantity", 1},        {"price", 100},      {"currency", "USD"},
                  {"status", "INITIATED"}};
  ASSERT_TRUE(ParseOrderView(good.dump()).ok());
  for (const auto& [field, value] :
       std::vector<std::pair<std::string, json>>{{"orderId", nullptr},
                                                 {"userId", "a b"},
                                                 {"productId", 5},
                                                 {"quantity", 0},
                                                 {"quantity", 1.5},
                                                 {"price", -1},
                                                 {"price", "100"},
                                                 {"currency", "usd"},
                                                 {"status", nullptr}}) {
    json body = good;
    body[field] = value;
    auto order = ParseOrderView(body.dump());
    ASSERT_FALSE(order.ok()) << body;
    EXPECT_EQ(order.error().code, Errc::kUnavailable);
  }
  EXPECT_FALSE(ParseOrderView("[]").ok());
}

}  // namespace
}  // namespace tinysaga::payment
