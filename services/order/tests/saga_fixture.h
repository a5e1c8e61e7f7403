#pragma once
// What the saga-related order tests share: a migrated Order DB (TestDb: SQLite, or PostgreSQL
// when the environment names one), a manual clock, a seeded rng, orders put straight into any
// status, readers for an order, its history, its choreography facts, its saga view and the
// outbox, and the choreography events applied as the inbox consumer does.

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "order/domain/order.h"
#include "order/handlers/order_commands.h"
#include "order/handlers/order_events.h"
#include "order/handlers/saga_view.h"
#include "order/order_repository.h"
#include "order/schema.h"
#include "tinysaga/contracts/codec.h"
#include "tinysaga/core/clock.h"
#include "tinysaga/core/rng.h"
#include "tinysaga/saga/choreography.h"
#include "tinysaga/testing/outbox.h"
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

  // The choreography facts recorded for the order, oldest first.
  std::vector<saga::ChoreographyFact> Facts(const std::string& order_id) {
    auto facts = db_.db().Read<std::vector<saga::ChoreographyFact>>(
        [&](soci::session& session) -> Result<std::vector<saga::ChoreographyFact>> {
          return ListSagaFacts(session, OrderId(order_id));
        });
    EXPECT_TRUE(facts.ok());
    return facts.ok() ? *facts : std::vector<saga::ChoreographyFact>{};
  }

  // GET /api/orders/{id}/saga's body in choreography mode; null when there is none.
  nlohmann::json View(const std::string& order_id) {
    const Order order = Load(order_id);
    auto view =
        db_.db().Read<nlohmann::json>([&](soci::session& session) -> Result<nlohmann::json> {
          auto body = ChoreographySagaJson(session, order);
          return body ? *body : nlohmann::json(nullptr);
        });
    EXPECT_TRUE(view.ok());
    return view.ok() ? *view : nlohmann::json(nullptr);
  }
  // The status of each step of a saga view, in order.
  static std::vector<std::string> StepStatuses(const nlohmann::json& saga) {
    std::vector<std::string> statuses;
    for (const auto& step : saga["steps"]) statuses.push_back(step["status"].get<std::string>());
    return statuses;
  }

  // Every message in the outbox on `topic`, oldest first, parsed (so each one is valid).
  std::vector<contracts::Message> Outbox(std::string_view topic) {
    return ::tinysaga::testing::ReadOutbox(db_.db(), topic);
  }

  // A choreography event as its publisher sends it, made now; each call is a new message
  // (new id).
  contracts::Message Event(const std::string& order_id, contracts::Payload payload,
                           SagaId saga_id = {}) {
    return contracts::Message{
        contracts::Envelope{.message_id = "evt_" + std::to_string(++event_count_),
                            .saga_id = std::move(saga_id),
                            .order_id = OrderId(order_id),
                            .time_ms = clock_.NowMs()},
        std::move(payload)};
  }

  // Applies the event with the choreography handler in one transaction, as the inbox
  // consumer does.
  Result<void> ApplyEvent(const contracts::Message& event) {
    auto applied = db_.db().Write<int>([&](soci::session& session) -> Result<int> {
      TS_RETURN_IF_ERROR(ApplyOrderEvent(session, event, clock_));
      return 0;
    });
    if (!applied.ok()) return applied.error();
    return Ok();
  }
  // Applies a saga command (or Payment's event, which Order follows in orchestration too) with
  // the orchestration handler in one transaction, as the inbox consumer does; each call is a
  // new message of saga "sag_1".
  Result<void> ApplyCommand(const std::string& order_id, contracts::Payload command) {
    auto applied = db_.db().Write<int>([&](soci::session& session) -> Result<int> {
      TS_RETURN_IF_ERROR(OrderCommandHandler(clock_, rng_)(
          session, contracts::Message{{.message_id = "cmd_" + std::to_string(++command_count_),
                                       .saga_id = SagaId("sag_1"),
                                       .order_id = OrderId(order_id)},
                                      std::move(command)}));
      return 0;
    });
    if (!applied.ok()) return applied.error();
    return Ok();
  }
  static void ExpectOk(const Result<void>& done) { EXPECT_TRUE(done.ok()) << done.error().detail; }

  ::tinysaga::testing::TestDb db_{schema::AllMigrations(), {.postgres_from_environment = true}};
  ManualClock clock_;
  SeededRng rng_{11};
  int order_count_ = 0;
  int event_count_ = 0;
  int command_count_ = 0;
};

}  // namespace tinysaga::order::testing
