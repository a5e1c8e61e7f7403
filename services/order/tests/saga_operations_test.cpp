// An operator's verbs on choreographed sagas (issue 15, handlers/saga_operations.h) and the
// deadlines giving up on a cancel, on a real database: abort of a running order saga, a cancel
// given up then retried to the end, idempotent repeats, and the refusals, each read back as
// the facts, the order, the outbox and the saga view.

#include "order/handlers/saga_operations.h"

#include <gtest/gtest.h>

#include "order/order_deadlines.h"
#include "saga_fixture.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/saga/choreography.h"
#include "tinysaga/sagas/order_sagas.h"

namespace tinysaga::order {
namespace {

using contracts::Message;

const int64_t kCancelMs = DefaultDeadlines().cancel_ms;
const int64_t kGiveUpMs = DefaultDeadlines().cancel_give_up_ms;

Money Cents(int64_t cents) { return *Money::FromCents(cents); }

class SagaOperationsTest : public testing::SagaFixture {
 protected:
  Result<bool> Verb(const std::string& order_id, bool retry, const std::string& reason = "why") {
    return db_.db().Write<bool>([&](soci::session& session) -> Result<bool> {
      const saga::OperatorRequest request{"root", reason};
      return retry
                 ? RetryChoreographedSaga(session, OrderId(order_id), request, clock_.NowMs(), rng_)
                 : AbortChoreographedSaga(session, OrderId(order_id), request, clock_.NowMs(),
                                          rng_);
    });
  }
  std::vector<Message> OrderEvents() { return Outbox(contracts::kOrderEventsTopic); }

  // A PLACED order whose cancel the deadlines gave up on: the stock came back, the refund never
  // answered (the wallet away), announced again every kCancelMs until kGiveUpMs.
  std::string CancelGivenUp() {
    const std::string order_id = PutOrder(OrderStatus::kPlaced, "alice", /*cancel_requested=*/true);
    ExpectOk(
        ApplyEvent(Event(order_id, contracts::StockReleased{},
                         saga::ChoreographySagaId(sagas::kCancelSagaType, OrderId(order_id)))));
    for (int64_t waited = 0; waited < kGiveUpMs; waited += kCancelMs) {
      clock_.AdvanceMs(kCancelMs);
      EXPECT_TRUE(deadlines_.RunOnce(clock_.NowMs()).ok());
    }
    return order_id;
  }

  OrderDeadlines deadlines_{db_.db(), clock_, rng_, [] {}};
};

TEST_F(SagaOperationsTest, AbortFailsARunningOrderAndAnnouncesTheCancelInItsSaga) {
  const std::string order_id = PutOrder(OrderStatus::kPaymentDone);
  ExpectOk(ApplyEvent(Event(
      order_id, contracts::PaymentCompleted{UserId("alice"), Cents(500), TransactionId("txn_1"),
                                            ProductId("prd_apple"), 2})));
  ASSERT_EQ(View(order_id)["state"], "RUNNING");

  auto aborted = Verb(order_id, /*retry=*/false, "customer called");
  ASSERT_TRUE(aborted.ok()) << aborted.error().detail;
  EXPECT_TRUE(*aborted);
  const Order order = Load(order_id);
  EXPECT_EQ(order.status, OrderStatus::kFailed);
  EXPECT_EQ(order.status_info, "aborted by an operator");
  const auto events = OrderEvents();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].envelope.saga_id,
            saga::ChoreographySagaId(sagas::kOrderSagaType, OrderId(order_id)));
  EXPECT_TRUE(std::holds_alternative<contracts::OrderCancelRequested>(events[0].payload));

  const nlohmann::json view = View(order_id);
  bool recorded = false;
  for (const nlohmann::json& line : view["history"]) {
    if (line["type"] == "ABORTED") {
      recorded = true;
      EXPECT_EQ(line["actor"], "root");
      EXPECT_EQ(line["reason"], "customer called");
    }
  }
  EXPECT_TRUE(recorded) << view["history"].dump();
  bool announced = false;
  for (const nlohmann::json& message : view["messages"]) {
    announced |=
        message["direction"] == "sent" && message["messageId"] == events[0].envelope.message_id;
  }
  EXPECT_TRUE(announced) << view["messages"].dump();
  EXPECT_EQ(view["steps"][2]["name"], "reserve_stock");
  EXPECT_EQ(view["steps"][2]["status"], "COMPENSATING") << "what was in flight is undone";

  // Idempotent; retry does not apply; nothing more is sent.
  auto again = Verb(order_id, false);
  ASSERT_TRUE(again.ok()) << again.error().detail;
  EXPECT_FALSE(*again);
  auto retry = Verb(order_id, true);
  ASSERT_FALSE(retry.ok());
  EXPECT_EQ(retry.error().code, Errc::kConflict);
  EXPECT_EQ(OrderEvents().size(), 1u);
}

TEST_F(SagaOperationsTest, NoAbortOfASagaThatEndedOrOfACancel) {
  const std::string placed = PutOrder(OrderStatus::kPlaced);
  ExpectOk(ApplyEvent(Event(placed, contracts::StockReserved{})));
  auto completed = Verb(placed, false);
  ASSERT_FALSE(completed.ok());
  EXPECT_EQ(completed.error().code, Errc::kConflict);
  EXPECT_EQ(completed.error().detail,
            "the order saga is COMPLETED: only a RUNNING saga can be aborted");

  const std::string canceling = PutOrder(OrderStatus::kPlaced, "alice", /*cancel_requested=*/true);
  auto cancel = Verb(canceling, false);
  ASSERT_FALSE(cancel.ok());
  EXPECT_NE(cancel.error().detail.find("cannot be undone"), std::string::npos);

  auto unknown = Verb("ord_none", false);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, Errc::kNotFound);
  auto no_saga = Verb(PutOrder(OrderStatus::kInitiated), false);
  ASSERT_FALSE(no_saga.ok());
  EXPECT_EQ(no_saga.error().code, Errc::kNotFound);
  EXPECT_TRUE(OrderEvents().empty());
}

TEST_F(SagaOperationsTest, ADeadlineGivesUpOnACancelOnceAndStopsAnnouncingIt) {
  const std::string order_id = CancelGivenUp();
  const size_t announced = OrderEvents().size();
  // Announced at every cancel deadline before the one that reaches the give-up time.
  const int64_t deadlines_to_give_up = (kGiveUpMs + kCancelMs - 1) / kCancelMs;
  EXPECT_EQ(announced, static_cast<size_t>(deadlines_to_give_up - 1));
  const nlohmann::json view = View(order_id);
  EXPECT_EQ(view["type"], "cancel");
  EXPECT_EQ(view["state"], "GAVE_UP");
  EXPECT_EQ(view["steps"][1]["status"], "FAILED");
  EXPECT_EQ(view["steps"][1]["error"], "no answer in time: an operator must act");
  // Given up: no longer announced, however long it waits.
  clock_.AdvanceMs(kGiveUpMs * 3);
  EXPECT_EQ(deadlines_.RunOnce(clock_.NowMs()).value(), 0u);
  EXPECT_EQ(OrderEvents().size(), announced);
  EXPECT_EQ(Load(order_id).status, OrderStatus::kPlaced);
}

TEST_F(SagaOperationsTest, ARetriedCancelIsAnnouncedAgainAndFinishesWithTheRefund) {
  const std::string order_id = CancelGivenUp();
  const size_t announced = OrderEvents().size();
  auto retried = Verb(order_id, true, "wallet is back");
  ASSERT_TRUE(retried.ok()) << retried.error().detail;
  EXPECT_TRUE(*retried);
  const auto events = OrderEvents();
  ASSERT_EQ(events.size(), announced + 1);
  EXPECT_EQ(events.back().envelope.saga_id,
            saga::ChoreographySagaId(sagas::kCancelSagaType, OrderId(order_id)));
  nlohmann::json view = View(order_id);
  EXPECT_EQ(view["state"], "RUNNING");
  EXPECT_EQ(view["currentStep"], "refund");
  EXPECT_EQ(view["steps"][1]["status"], "RUNNING");
  // Idempotent while it holds.
  EXPECT_FALSE(Verb(order_id, true).value());
  EXPECT_EQ(OrderEvents().size(), announced + 1);
  // Watched again: announced a deadline later, given up only a whole give-up later.
  clock_.AdvanceMs(kCancelMs);
  EXPECT_EQ(deadlines_.RunOnce(clock_.NowMs()).value(), 1u);
  EXPECT_EQ(OrderEvents().size(), announced + 2);

  ExpectOk(ApplyEvent(Event(order_id, contracts::Refunded{TransactionId("txn_2"), Cents(500)},
                            saga::ChoreographySagaId(sagas::kCancelSagaType, OrderId(order_id)))));
  EXPECT_EQ(Load(order_id).status, OrderStatus::kCanceled);
  view = View(order_id);
  EXPECT_EQ(view["state"], "COMPLETED");
  EXPECT_EQ(view["earlierSagas"][0]["state"], "COMPLETED");
  bool retry_line = false;
  for (const nlohmann::json& line : view["history"]) {
    if (line["type"] == "RETRIED") {
      retry_line = true;
      EXPECT_EQ(line["actor"], "root");
      EXPECT_EQ(line["reason"], "wallet is back");
      EXPECT_EQ(line["step"], "refund");
    }
  }
  EXPECT_TRUE(retry_line) << view["history"].dump();
}

TEST_F(SagaOperationsTest, OnlyASagaThatGaveUpIsRetried) {
  const std::string order_id = PutOrder(OrderStatus::kPlaced, "alice", /*cancel_requested=*/true);
  auto running = Verb(order_id, true);
  ASSERT_FALSE(running.ok());
  EXPECT_EQ(running.error().detail,
            "the cancel saga is RUNNING: only a saga that GAVE_UP can be retried");
  EXPECT_TRUE(OrderEvents().empty());
}

}  // namespace
}  // namespace tinysaga::order
