// The orchestration handler on a real database (SQLite, or PostgreSQL when the environment
// provides one): each Mark* command's change, its history lines and its reply in the outbox,
// repeats, refusals, unknown orders and poison; and Payment's PaymentCompleted and declined
// PaymentFailed, which Order follows itself on the same subscription (no reply).

#include "order/handlers/order_commands.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "saga_fixture.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/sagas/order_sagas.h"

namespace tinysaga::order {
namespace {

using contracts::Message;
using contracts::OrderStatusChanged;
using contracts::OrderStatusRejected;

class OrderCommandsTest : public testing::SagaFixture {
 protected:
  const platform::MessageHandler handler_ = OrderCommandHandler(clock_, rng_);

  Message Command(const std::string& order_id, contracts::Payload payload) {
    return Message{contracts::Envelope{.message_id = "cmd_" + std::to_string(++command_count_),
                                       .saga_id = SagaId("sag_1"),
                                       .order_id = OrderId(order_id),
                                       .time_ms = clock_.NowMs()},
                   std::move(payload)};
  }

  // Applies the command in one transaction, as the inbox consumer does.
  Result<void> Apply(const Message& command) {
    auto applied = db_.db().Write<int>([&](soci::session& session) -> Result<int> {
      TS_RETURN_IF_ERROR(handler_(session, command));
      return 0;
    });
    if (!applied.ok()) return applied.error();
    return Ok();
  }

  // Applies the command and returns its one reply, checked to answer it.
  contracts::Payload ReplyTo(const std::string& order_id, contracts::Payload payload) {
    const Message command = Command(order_id, std::move(payload));
    const size_t before = Outbox(contracts::kSagaRepliesTopic).size();
    auto applied = Apply(command);
    EXPECT_TRUE(applied.ok()) << applied.error().detail;
    auto replies = Outbox(contracts::kSagaRepliesTopic);
    EXPECT_EQ(replies.size(), before + 1);
    if (replies.size() != before + 1) return contracts::StockReleased{};
    EXPECT_EQ(replies.back().envelope.causation_id, command.envelope.message_id);
    EXPECT_EQ(replies.back().envelope.saga_id, command.envelope.saga_id);
    EXPECT_EQ(replies.back().envelope.order_id, command.envelope.order_id);
    return replies.back().payload;
  }

  static contracts::Payload Changed(const char* status) { return OrderStatusChanged{status}; }
  static std::string RejectedStatus(const contracts::Payload& reply) {
    const auto* rejected = std::get_if<OrderStatusRejected>(&reply);
    EXPECT_NE(rejected, nullptr) << "not OrderStatusRejected";
    if (rejected) {
      EXPECT_FALSE(rejected->detail.empty());
    }
    return rejected ? rejected->status : "";
  }

  static contracts::Payload Paid() {
    return contracts::PaymentCompleted{UserId("alice"), Money::FromCents(500).value(),
                                       TransactionId("txn_1"), ProductId("prd_apple"), 2};
  }

  // Applies Payment's event (no saga id: Payment does not know the saga) as the inbox consumer
  // does; an event is answered by nothing, so nothing may reach the outbox.
  void Hear(const std::string& order_id, contracts::Payload event) {
    const size_t before = ::tinysaga::testing::ReadOutbox(db_.db()).size();
    auto applied = Apply(Event(order_id, std::move(event)));
    EXPECT_TRUE(applied.ok()) << applied.error().detail;
    EXPECT_EQ(::tinysaga::testing::ReadOutbox(db_.db()).size(), before)
        << "an event is not answered";
  }

  int command_count_ = 0;
};

TEST_F(OrderCommandsTest, TheHandlerHearsOrderCommandsAndPaymentEvents) {
  EXPECT_EQ(OrderCommandTopics(),
            (std::vector<std::string>{std::string(contracts::kOrderCommandsTopic),
                                      std::string(contracts::kPaymentEventsTopic)}));
}

TEST_F(OrderCommandsTest, PaymentCompletedMovesAPendingOrderToPaymentDoneWithoutAReply) {
  const std::string order_id = PutOrder(OrderStatus::kPaymentPending);
  const size_t history = History(order_id).size();
  clock_.AdvanceMs(1'000);
  Hear(order_id, Paid());
  const Order order = Load(order_id);
  EXPECT_EQ(order.status, OrderStatus::kPaymentDone);
  EXPECT_EQ(order.updated_at_ms, clock_.NowMs());
  const auto lines = History(order_id);
  ASSERT_EQ(lines.size(), history + 1);
  EXPECT_EQ(lines.back().status, OrderStatus::kPaymentDone);
  EXPECT_EQ(lines.back().status_info, "payment received");
  EXPECT_EQ(lines.back().at_ms, clock_.NowMs());
  EXPECT_TRUE(Facts(order_id).empty()) << "facts are for the choreography's saga view";

  // Redelivered (a new message id, so the inbox would not have caught it): already done.
  clock_.AdvanceMs(1'000);
  Hear(order_id, Paid());
  EXPECT_EQ(Load(order_id).updated_at_ms, order.updated_at_ms);
  EXPECT_EQ(History(order_id).size(), history + 1);
}

TEST_F(OrderCommandsTest, ALatePaymentCompletedForAPlacedOrFailedOrderChangesNothing) {
  for (OrderStatus status : {OrderStatus::kPlaced, OrderStatus::kFailed}) {
    const std::string order_id = PutOrder(status);
    const Order before = Load(order_id);
    const size_t history = History(order_id).size();
    clock_.AdvanceMs(1'000);
    Hear(order_id, Paid());
    const Order after = Load(order_id);
    EXPECT_EQ(after.status, status) << FormatOrderStatus(status);
    EXPECT_EQ(after.status_info, before.status_info) << FormatOrderStatus(status);
    EXPECT_EQ(after.updated_at_ms, before.updated_at_ms) << FormatOrderStatus(status);
    EXPECT_EQ(History(order_id).size(), history) << FormatOrderStatus(status);
  }
}

contracts::Payload PaymentFailed(contracts::PaymentFailure failure) {
  return contracts::PaymentFailed{UserId("alice"), Money::FromCents(500).value(),
                                  ProductId("prd_apple"), 2, failure};
}

// A declined charge had no effect: Order fails the order itself, with no reply, and the saga's
// MarkFailed that follows (or comes first: another topic) finds it done.
TEST_F(OrderCommandsTest, ADeclinedPaymentFailsThePendingOrderAndTheSagasMarkFailedFindsItDone) {
  const std::string order_id = PutOrder(OrderStatus::kPaymentPending);
  const size_t history = History(order_id).size();
  clock_.AdvanceMs(1'000);
  Hear(order_id, PaymentFailed(contracts::PaymentFailure::kInsufficientFunds));
  const Order failed = Load(order_id);
  EXPECT_EQ(failed.status, OrderStatus::kFailed);
  EXPECT_EQ(failed.status_info, sagas::kReasonInsufficientFunds);
  ASSERT_EQ(History(order_id).size(), history + 1);

  clock_.AdvanceMs(1'000);
  EXPECT_EQ(ReplyTo(order_id, contracts::MarkFailed{std::string(sagas::kReasonInsufficientFunds)}),
            Changed("FAILED"));
  Hear(order_id, PaymentFailed(contracts::PaymentFailure::kInsufficientFunds));
  EXPECT_EQ(Load(order_id).updated_at_ms, failed.updated_at_ms);
  EXPECT_EQ(History(order_id).size(), history + 1);

  // The saga's MarkFailed first: the late event changes nothing.
  const std::string overtaken = PutOrder(OrderStatus::kPaymentPending);
  EXPECT_EQ(
      ReplyTo(overtaken, contracts::MarkFailed{std::string(sagas::kReasonInsufficientFunds)}),
      Changed("FAILED"));
  const size_t lines = History(overtaken).size();
  Hear(overtaken, PaymentFailed(contracts::PaymentFailure::kInsufficientFunds));
  EXPECT_EQ(History(overtaken).size(), lines);
}

TEST_F(OrderCommandsTest, APaymentFailedWhoseEffectIsUnknownIsLeftToTheSaga) {
  // The saga voids the charge first, then its MarkFailed says whether the money came back.
  const std::string order_id = PutOrder(OrderStatus::kPaymentPending);
  const size_t history = History(order_id).size();
  Hear(order_id, PaymentFailed(contracts::PaymentFailure::kUnavailable));
  EXPECT_EQ(Load(order_id).status, OrderStatus::kPaymentPending);
  EXPECT_EQ(History(order_id).size(), history);
}

TEST_F(OrderCommandsTest, PaymentCompletedForAnOrderThatDoesNotExistIsPoison) {
  auto applied = Apply(Event("ord_missing", Paid()));
  ASSERT_FALSE(applied.ok());
  EXPECT_EQ(applied.error().code, Errc::kInvalidRequest);
  EXPECT_FALSE(applied.error().Retryable());
  EXPECT_TRUE(::tinysaga::testing::ReadOutbox(db_.db()).empty());
}

TEST_F(OrderCommandsTest, TheHappyPathMovesTheOrderWithHistoryLines) {
  const std::string order_id = PutOrder(OrderStatus::kPaymentPending);
  const size_t history = History(order_id).size();
  clock_.AdvanceMs(1'000);
  Hear(order_id, Paid());
  EXPECT_EQ(Load(order_id).status, OrderStatus::kPaymentDone);
  clock_.AdvanceMs(1'000);
  EXPECT_EQ(ReplyTo(order_id, contracts::MarkPlaced{}), Changed("PLACED"));
  Order placed = Load(order_id);
  EXPECT_EQ(placed.status, OrderStatus::kPlaced);
  EXPECT_EQ(placed.updated_at_ms, clock_.NowMs());
  auto lines = History(order_id);
  ASSERT_EQ(lines.size(), history + 2);
  EXPECT_EQ(lines[history].status, OrderStatus::kPaymentDone);
  EXPECT_EQ(lines[history].at_ms, clock_.NowMs() - 1'000);
  EXPECT_EQ(lines[history + 1].status, OrderStatus::kPlaced);
  EXPECT_EQ(lines[history + 1].at_ms, clock_.NowMs());
}

// MarkPlaced travels on order.commands, PaymentCompleted on payment.events: the command may
// come first. The order walks through PAYMENT_DONE, as the late event would have moved it.
TEST_F(OrderCommandsTest, MarkPlacedOvertakingPaymentCompletedWalksThroughPaymentDone) {
  const std::string order_id = PutOrder(OrderStatus::kPaymentPending);
  const size_t history = History(order_id).size();
  clock_.AdvanceMs(1'000);
  EXPECT_EQ(ReplyTo(order_id, contracts::MarkPlaced{}), Changed("PLACED"));
  const Order placed = Load(order_id);
  EXPECT_EQ(placed.status, OrderStatus::kPlaced);
  const auto lines = History(order_id);
  ASSERT_EQ(lines.size(), history + 2);
  EXPECT_EQ(lines[history].status, OrderStatus::kPaymentDone);
  EXPECT_EQ(lines[history].status_info, "payment received");
  EXPECT_EQ(lines[history + 1].status, OrderStatus::kPlaced);
  EXPECT_EQ(lines[history + 1].at_ms, clock_.NowMs());

  // The overtaken event comes: the order went through PAYMENT_DONE already.
  clock_.AdvanceMs(1'000);
  Hear(order_id, Paid());
  EXPECT_EQ(Load(order_id).status, OrderStatus::kPlaced);
  EXPECT_EQ(Load(order_id).updated_at_ms, placed.updated_at_ms);
  EXPECT_EQ(History(order_id).size(), history + 2);
}

TEST_F(OrderCommandsTest, RepeatsAnswerTheSameAndChangeNothing) {
  const std::string order_id = PutOrder(OrderStatus::kPaymentDone);
  const size_t history = History(order_id).size();
  ASSERT_EQ(ReplyTo(order_id, contracts::MarkPlaced{}), Changed("PLACED"));
  EXPECT_EQ(ReplyTo(order_id, contracts::MarkPlaced{}), Changed("PLACED"));
  EXPECT_EQ(History(order_id).size(), history + 1);

  const std::string failed = PutOrder(OrderStatus::kPaymentDone);
  ASSERT_EQ(ReplyTo(failed, contracts::MarkFailed{"out of stock, payment refunded"}),
            Changed("FAILED"));
  EXPECT_EQ(ReplyTo(failed, contracts::MarkFailed{"out of stock, payment refunded"}),
            Changed("FAILED"));
  EXPECT_EQ(History(failed).size(), 4u);  // INITIATED, PENDING, DONE, FAILED
}

// Issue 15: a refund given up, then retried by an operator and done: the saga fails the order
// again with the reason that is now true, and the statusInfo says so (the status stays FAILED).
TEST_F(OrderCommandsTest, ARetriedRefundCorrectsTheReasonOfAnOrderThatSaidItWasNotDone) {
  const std::string order_id = PutOrder(OrderStatus::kPaymentDone);
  ASSERT_EQ(
      ReplyTo(order_id,
              contracts::MarkFailed{sagas::UnrefundedReason("out of stock, payment refunded")}),
      Changed("FAILED"));
  ASSERT_EQ(Load(order_id).status_info, "out of stock, refund not done: an operator must act");
  const size_t history = History(order_id).size();
  // Another reason does not overwrite it.
  EXPECT_EQ(ReplyTo(order_id, contracts::MarkFailed{"insufficient funds"}), Changed("FAILED"));
  EXPECT_EQ(History(order_id).size(), history);
  EXPECT_EQ(ReplyTo(order_id, contracts::MarkFailed{"out of stock, payment refunded"}),
            Changed("FAILED"));
  const Order order = Load(order_id);
  EXPECT_EQ(order.status, OrderStatus::kFailed);
  EXPECT_EQ(order.status_info, "out of stock, payment refunded");
  ASSERT_EQ(History(order_id).size(), history + 1);
  EXPECT_EQ(History(order_id).back().status_info, "out of stock, payment refunded");
  // Said once.
  EXPECT_EQ(ReplyTo(order_id, contracts::MarkFailed{"out of stock, payment refunded"}),
            Changed("FAILED"));
  EXPECT_EQ(History(order_id).size(), history + 1);
}

TEST_F(OrderCommandsTest, MarkPlacedForAnOrderAlreadyShippedIsNotAFailure) {
  // Its reply was lost, the saga resent it, and meanwhile an admin shipped the order.
  const std::string order_id = PutOrder(OrderStatus::kOnWay);
  EXPECT_EQ(ReplyTo(order_id, contracts::MarkPlaced{}), Changed("ON_WAY"));
}

// Found by the simulator (seed 12): MarkPlaced's reply was lost; meanwhile the customer canceled
// the PLACED order and the cancel saga finished. The saga's retry of MarkPlaced is done (the
// order was placed), not refused: a refusal made the order saga compensate and give up.
TEST_F(OrderCommandsTest, MarkPlacedForAnOrderCanceledAfterItWasPlacedIsDone) {
  const std::string order_id = PutOrder(OrderStatus::kPlaced, "alice", /*cancel_requested=*/true);
  ASSERT_EQ(ReplyTo(order_id, contracts::MarkCanceled{}), Changed("CANCELED"));
  const size_t history = History(order_id).size();
  EXPECT_EQ(ReplyTo(order_id, contracts::MarkPlaced{}), Changed("CANCELED"));
  Hear(order_id, Paid());  // as late, and as done
  EXPECT_EQ(Load(order_id).status, OrderStatus::kCanceled);
  EXPECT_EQ(History(order_id).size(), history);
  // Past PLACED it never went, and FAILED is no step it went through.
  EXPECT_EQ(RejectedStatus(ReplyTo(order_id, contracts::MarkOnWay{})), "CANCELED");
  EXPECT_EQ(RejectedStatus(ReplyTo(order_id, contracts::MarkFailed{"x"})), "CANCELED");
}

TEST_F(OrderCommandsTest, MarkOnWayShipsAPlacedOrderButNotOneBeingCanceled) {
  // The ship step of docs/adding-a-step.md.
  const std::string placed = PutOrder(OrderStatus::kPlaced);
  EXPECT_EQ(ReplyTo(placed, contracts::MarkOnWay{}), Changed("ON_WAY"));
  EXPECT_EQ(Load(placed).status, OrderStatus::kOnWay);
  EXPECT_EQ(ReplyTo(placed, contracts::MarkOnWay{}), Changed("ON_WAY"));  // a resend

  const std::string canceling = PutOrder(OrderStatus::kPlaced, "alice", /*cancel_requested=*/true);
  EXPECT_EQ(RejectedStatus(ReplyTo(canceling, contracts::MarkOnWay{})), "PLACED");
  const std::string unpaid = PutOrder(OrderStatus::kPaymentDone);
  EXPECT_EQ(RejectedStatus(ReplyTo(unpaid, contracts::MarkOnWay{})), "PAYMENT_DONE");
}

TEST_F(OrderCommandsTest, MarkFailedFromEveryPaymentStatusRecordsTheReason) {
  for (OrderStatus status :
       {OrderStatus::kInitiated, OrderStatus::kPaymentPending, OrderStatus::kPaymentDone}) {
    const std::string order_id = PutOrder(status);
    EXPECT_EQ(ReplyTo(order_id, contracts::MarkFailed{"insufficient funds"}), Changed("FAILED"))
        << FormatOrderStatus(status);
    Order order = Load(order_id);
    EXPECT_EQ(order.status, OrderStatus::kFailed);
    EXPECT_EQ(order.status_info, "insufficient funds");
    EXPECT_EQ(History(order_id).back().status_info, "insufficient funds");
  }
}

TEST_F(OrderCommandsTest, MarkCanceledNeedsAPlacedOrderWithACancelRequested) {
  const std::string requested = PutOrder(OrderStatus::kPlaced, "alice", /*cancel_requested=*/true);
  EXPECT_EQ(ReplyTo(requested, contracts::MarkCanceled{}), Changed("CANCELED"));
  EXPECT_EQ(Load(requested).status_info, "canceled: stock released and payment refunded");
  EXPECT_EQ(ReplyTo(requested, contracts::MarkCanceled{}), Changed("CANCELED"));

  const std::string not_requested = PutOrder(OrderStatus::kPlaced);
  EXPECT_EQ(RejectedStatus(ReplyTo(not_requested, contracts::MarkCanceled{})), "PLACED");
  EXPECT_EQ(Load(not_requested).status, OrderStatus::kPlaced);
}

TEST_F(OrderCommandsTest, TheStatusTableRejectsWithTheOrdersStatus) {
  struct Case {
    OrderStatus status;
    contracts::Payload command;
  };
  for (const Case& refused : {
           // MarkPlaced walks through PAYMENT_DONE: refused at the first step it cannot take.
           Case{OrderStatus::kCanceled, contracts::MarkPlaced{}},
           Case{OrderStatus::kFailed, contracts::MarkPlaced{}},
           Case{OrderStatus::kInitiated, contracts::MarkPlaced{}},
           Case{OrderStatus::kPlaced, contracts::MarkFailed{"too late"}},
           Case{OrderStatus::kCanceled, contracts::MarkFailed{"too late"}},
           Case{OrderStatus::kDelivered, contracts::MarkCanceled{}},
       }) {
    const std::string order_id = PutOrder(refused.status);
    const size_t history = History(order_id).size();
    EXPECT_EQ(RejectedStatus(ReplyTo(order_id, refused.command)),
              FormatOrderStatus(refused.status));
    EXPECT_EQ(Load(order_id).status, refused.status);
    EXPECT_EQ(History(order_id).size(), history);
  }
}

TEST_F(OrderCommandsTest, AnUnknownOrderIsRejected) {
  auto reply = ReplyTo("ord_missing", contracts::MarkPlaced{});
  EXPECT_EQ(RejectedStatus(reply), "FAILED");
  EXPECT_NE(std::get<OrderStatusRejected>(reply).detail.find("does not exist"), std::string::npos);
}

TEST_F(OrderCommandsTest, ACommandOfAnotherTypeIsPoisonAndWritesNothing) {
  // Addressed here by mistake, unlike an event: a command or a reply nobody registered is
  // dead-lettered.
  const std::string order_id = PutOrder(OrderStatus::kPaymentPending);
  for (contracts::Payload foreign :
       {contracts::Payload(contracts::ReserveStock{ProductId("prd_apple"), 1}),
        contracts::Payload(contracts::OrderStatusChanged{"PLACED"})}) {
    auto applied = Apply(Command(order_id, foreign));
    ASSERT_FALSE(applied.ok());
    EXPECT_EQ(applied.error().code, Errc::kInvalidRequest);
    EXPECT_FALSE(applied.error().Retryable());
  }
  EXPECT_TRUE(Outbox(contracts::kSagaRepliesTopic).empty());
  EXPECT_EQ(Load(order_id).status, OrderStatus::kPaymentPending);
}

}  // namespace
}  // namespace tinysaga::order
