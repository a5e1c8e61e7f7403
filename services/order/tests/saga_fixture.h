#pragma once
// What the saga-related order tests share: a migrated Order DB (TestDb), a manual clock, a
// seeded rng, orders put straight into any status, and a reader for the outbox.

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <string>
#include <vector>

#include "order/domain/order.h"
#include "order/order_repository.h"
#include "order/schema.h"
#include "tinysaga/contracts/codec.h"
#include "tinysaga/core/clock.h"
#include "tinysaga/testing/outbox.h"
#include "tinysaga/core/rng.h"
#include "tinysaga/testing/test_db.h"

namespace tinysaga::order::testing {

class SagaFixture : public ::testing::Test {
 protected:
  // Inserts an order of `user_id` in `status` (with the history of the main line up to it,
  // or INITIATED then `status` for a side status) and returns its id.
  std::string PutOrder(OrderStatus status, const std::string& user_id = "alice",
                       bool cancel_requested = false) {
    const std::string order_id = "ord_" + std::to_string(++order_count_);
    auto done = db_.db().Write<int>([&](soci::session& session) -> Result<int> {
      Order order{OrderId(order_id), UserId(user_id), ProductId("prd_apple"), 2, 500, "USD",
                  OrderStatus::kInitiated, "order created", clock_.NowMs(), clock_.NowMs()};
      InsertOrder(session, order);
      for (OrderStatus step : kAllOrderStatuses) {
        if (step != OrderStatus::kInitiated && !HasReached(status, step)) continue;
        AppendStatusChange(session, order.order_id, StatusChange{step, "test", clock_.NowMs()});
      }
      order.status = status;
      if (status != OrderStatus::kInitiated &&
          !UpdateOrderIf(session, order, OrderStatus::kInitiated)) {
        return MakeError(Errc::kInternal, "not updated");
      }
      if (cancel_requested) {  // only a PLACED order takes one
        order.cancel_requested_at_ms = clock_.NowMs();
        if (!RecordCancelRequestIf(session, order))
          return MakeError(Errc::kInternal, "cancel not recorded");
      }
      return 0;
    });
    EXPECT_TRUE(done.ok()) << done.error().detail;
    return order_id;
  }

  Order Load(const std::string& order_id) {
    auto order = db_.db().Read<Order>([&](soci::session& session) -> Result<Order> {
      auto found = FindOrder(session, OrderId(order_id));
      if (!found) return MakeError(Errc::kNotFound, "missing");
      return *found;
    });
    EXPECT_TRUE(order.ok());
    return order.ok() ? *order : Order{};
  }

  std::vector<StatusChange> History(const std::string& order_id) {
    auto history = db_.db().Read<std::vector<StatusChange>>(
        [&](soci::session& session) -> Result<std::vector<StatusChange>> {
          return ListStatusChanges(session, OrderId(order_id));
        });
    EXPECT_TRUE(history.ok());
    return history.ok() ? *history : std::vector<StatusChange>{};
  }

  // Every message in the outbox on `topic`, oldest first, parsed (so each one is valid).
  std::vector<contracts::Message> Outbox(std::string_view topic) {
    return ::tinysaga::testing::ReadOutbox(db_.db(), topic);
  }

  ::tinysaga::testing::TestDb db_{schema::AllMigrations()};
  ManualClock clock_;
  SeededRng rng_{11};
  int order_count_ = 0;
};

}  // namespace tinysaga::order::testing
