// The order saga's commands to Payment, handled inside a write transaction as the inbox
// consumer does: ChargeWallet answered from the recorded outcome, Refund answered from the
// REFUND row or queued for the refund worker, which talks to a fake wallet. Given / expect /
// reply: a command in, the rows and the reply on saga.replies out.

#include "payment/handlers/payment_commands.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "payment/handlers/payment_events.h"
#include "payment/payment_repository.h"
#include "payment/payment_requests.h"
#include "payment/refund_worker.h"
#include "payment/schema.h"
#include "payment/tests/fakes.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/testing/test_db.h"

namespace tinysaga::payment {
namespace {

using contracts::Payload;

Money Cents(int64_t cents) { return Money::FromCents(cents).value(); }

contracts::Message Command(const std::string& id, const std::string& order_id, Payload payload) {
  return contracts::Message{
      contracts::Envelope{.message_id = id,
                          .saga_id = SagaId("sag_1"),
                          .order_id = OrderId(order_id),
                          .time_ms = 1'767'225'600'000,
                          .traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"},
      std::move(payload)};
}

contracts::Message Charge(const std::string& id, const std::string& order_id = "ord_1") {
  return Command(id, order_id, contracts::ChargeWallet{UserId("alice"), Cents(1'250)});
}

contracts::Message RefundCommand(const std::string& id, const std::string& order_id = "ord_1") {
  return Command(id, order_id, contracts::Refund{UserId("alice"), Cents(1'250)});
}

PaymentRecord Record(PaymentStatus status, std::optional<FailureReason> reason = std::nullopt) {
  return PaymentRecord{Transaction{.transaction_id = TransactionId("txn_p1"),
                                   .user_id = UserId("alice"),
                                   .order_id = OrderId("ord_1"),
                                   .type = TransactionType::kPayment,
                                   .payment_status = status,
                                   .amount_cents = 1'250,
                                   .currency = "USD",
                                   .timestamp_ms = 0,
                                   .description = "Payment"},
                       reason};
}

TEST(ChargeReplyFor, AnswersTheRecordedOutcome) {
  EXPECT_EQ(*ChargeReplyFor(Record(PaymentStatus::kCompleted)),
            Payload(contracts::PaymentCharged{TransactionId("txn_p1"), Cents(1'250)}));
  EXPECT_EQ(*ChargeReplyFor(Record(PaymentStatus::kRefunded)),
            Payload(contracts::PaymentCharged{TransactionId("txn_p1"), Cents(1'250)}));
  EXPECT_EQ(*ChargeReplyFor(Record(PaymentStatus::kFailed, FailureReason::kInsufficientFunds)),
            Payload(contracts::PaymentDeclined{"insufficient funds"}));
  EXPECT_TRUE(std::holds_alternative<contracts::PaymentDeclined>(
      *ChargeReplyFor(Record(PaymentStatus::kFailed, FailureReason::kOrderRejected))));
  EXPECT_TRUE(std::holds_alternative<contracts::PaymentUnavailable>(
      *ChargeReplyFor(Record(PaymentStatus::kFailed, FailureReason::kUnavailable))));
  EXPECT_EQ(*ChargeReplyFor(std::nullopt),
            Payload(contracts::PaymentDeclined{"no payment for this order"}));
  auto pending = ChargeReplyFor(Record(PaymentStatus::kPending));
  ASSERT_FALSE(pending.ok());
  EXPECT_TRUE(pending.error().Retryable());
}

class PaymentCommandsTest : public ::testing::Test {
 protected:
  void SetUp() override { wallet_.SetBalance("alice", 10'000); }

  // Runs the handler as the inbox consumer does: inside one write transaction, rolled back
  // when it fails.
  Result<void> Handle(const contracts::Message& command) {
    auto written = db_.db().Write<bool>([&](soci::session& session) -> Result<bool> {
      TS_RETURN_IF_ERROR(commands_(session, command));
      return true;
    });
    if (!written.ok()) return written.error();
    return Ok();
  }
  // The payment and the request it came with, as POST /api/payment records them.
  void InsertPayment(const std::string& order_id, PaymentStatus status,
                     std::optional<FailureReason> reason = std::nullopt,
                     const std::string& user_id = "alice") {
    auto written = db_.db().Write<bool>([&](soci::session& session) -> Result<bool> {
      const TransactionId id("txn_" + order_id);
      InsertClaim(session,
                  PaymentClaim{.scope = user_id,
                               .key = "key-" + order_id,
                               .fingerprint = "fp",
                               .order_id = OrderId(order_id),
                               .product_id = ProductId("book-1"),
                               .quantity = 2,
                               .traceparent = ""},
                  clock_.NowMs());
      InsertTransaction(session, Transaction{.transaction_id = id,
                                             .user_id = UserId(user_id),
                                             .order_id = OrderId(order_id),
                                             .type = TransactionType::kPayment,
                                             .payment_status = PaymentStatus::kPending,
                                             .amount_cents = 1'250,
                                             .currency = "USD",
                                             .timestamp_ms = clock_.NowMs(),
                                             .description = "Payment"});
      if (status != PaymentStatus::kPending) {
        FinishPaymentIf(session, id, status, reason, clock_.NowMs());
      }
      return true;
    });
    ASSERT_TRUE(written.ok()) << written.error().detail;
  }
  // The wallet's debit of the order, as POST /api/payment would have made it.
  void Debit(const std::string& order_id) {
    ASSERT_TRUE(wallet_client_.Debit(OrderId(order_id), UserId("alice"), Cents(1'250)).ok());
  }
  // The replies on saga.replies, in order.
  std::vector<contracts::Message> Replies() {
    std::vector<contracts::Message> replies;
    for (const auto& row : fakes::ReadOutbox(db_.db())) {
      EXPECT_EQ(row.topic, contracts::kSagaRepliesTopic);
      replies.push_back(row.message);
    }
    return replies;
  }
  std::optional<Transaction> RefundRow(const std::string& order_id) {
    return db_.db()
        .Read<std::optional<Transaction>>(
            [&](soci::session& session) -> Result<std::optional<Transaction>> {
              return FindOrderTransaction(session, OrderId(order_id), TransactionType::kRefund);
            })
        .value();
  }
  PaymentStatus StatusOf(const std::string& order_id) {
    return *db_.db()
                .Read<std::optional<PaymentRecord>>(
                    [&](soci::session& session) -> Result<std::optional<PaymentRecord>> {
                      return FindPayment(session, OrderId(order_id));
                    })
                .value()
                ->transaction.payment_status;
  }
  long long QueuedJobs() { return db_.Count("SELECT COUNT(*) FROM refund_requests"); }

  ::tinysaga::testing::TestDb db_{schema::AllMigrations()};
  ManualClock clock_;
  SeededRng rng_{9};
  fakes::FakeWallet wallet_;
  http::Client client_;
  WalletClient wallet_client_{client_,
                              {wallet_.endpoint()},
                              fakes::kSecret,
                              Retrier(RetryPolicy{.attempts_max = 1}, rng_, [](auto) {})};
  const platform::MessageHandler commands_ = PaymentCommandHandler(clock_, rng_);
  int notified_ = 0;
  int refused_ = 0;
  RefundWorker refunds_{db_.db(), wallet_client_, clock_,
                        rng_,         [this] { ++notified_; }, {},
                        [this] { ++refused_; }};
};

// --- ChargeWallet ----------------------------------------------------------------------------

TEST_F(PaymentCommandsTest, ChargeWalletIsAnsweredFromTheCompletedPaymentWithoutADebit) {
  InsertPayment("ord_1", PaymentStatus::kCompleted);
  ASSERT_TRUE(Handle(Charge("cmd_1")).ok());
  const auto replies = Replies();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].envelope.causation_id, "cmd_1");
  EXPECT_EQ(replies[0].envelope.saga_id, SagaId("sag_1"));
  EXPECT_EQ(replies[0].envelope.order_id, OrderId("ord_1"));
  EXPECT_EQ(replies[0].payload,
            Payload(contracts::PaymentCharged{TransactionId("txn_ord_1"), Cents(1'250)}));
  EXPECT_EQ(wallet_.debit_requests(), 0);
}

TEST_F(PaymentCommandsTest, ChargeWalletAnswersEachRecordedFailure) {
  InsertPayment("ord_1", PaymentStatus::kFailed, FailureReason::kInsufficientFunds);
  InsertPayment("ord_2", PaymentStatus::kFailed, FailureReason::kUnavailable);
  ASSERT_TRUE(Handle(Charge("cmd_1", "ord_1")).ok());
  ASSERT_TRUE(Handle(Charge("cmd_2", "ord_2")).ok());
  ASSERT_TRUE(Handle(Charge("cmd_3", "ord_3")).ok());  // no payment at all
  const auto replies = Replies();
  ASSERT_EQ(replies.size(), 3u);
  EXPECT_EQ(replies[0].payload, Payload(contracts::PaymentDeclined{"insufficient funds"}));
  EXPECT_TRUE(std::holds_alternative<contracts::PaymentUnavailable>(replies[1].payload));
  EXPECT_EQ(replies[2].payload, Payload(contracts::PaymentDeclined{"no payment for this order"}));
  EXPECT_EQ(wallet_.debit_requests(), 0);
}

TEST_F(PaymentCommandsTest, ChargeWalletForAPendingPaymentIsRetriedLater) {
  InsertPayment("ord_1", PaymentStatus::kPending);
  auto handled = Handle(Charge("cmd_1"));
  ASSERT_FALSE(handled.ok());
  EXPECT_TRUE(handled.error().Retryable());
  EXPECT_TRUE(Replies().empty());
}

TEST_F(PaymentCommandsTest, OtherCommandsArePoison) {
  auto handled = Handle(Command("cmd_1", "ord_1", contracts::ReserveStock{ProductId("p"), 1}));
  ASSERT_FALSE(handled.ok());
  EXPECT_FALSE(handled.error().Retryable());
  EXPECT_EQ(handled.error().code, Errc::kInvalidRequest);
}

// --- Refund -------------------------------------------------------------------------------------

TEST_F(PaymentCommandsTest, ARefundGivesTheDebitBackOnceAndAnswersEveryRepeat) {
  InsertPayment("ord_1", PaymentStatus::kCompleted);
  Debit("ord_1");
  ASSERT_TRUE(Handle(RefundCommand("cmd_r1")).ok());
  EXPECT_TRUE(Replies().empty());  // queued: the wallet is called outside the transaction
  EXPECT_EQ(QueuedJobs(), 1);
  ASSERT_EQ(*refunds_.RunOnce(clock_.NowMs()), 1u);

  auto refund = RefundRow("ord_1");
  ASSERT_TRUE(refund.has_value());
  EXPECT_EQ(refund->amount_cents, 1'250);
  EXPECT_EQ(refund->payment_status, PaymentStatus::kCompleted);
  EXPECT_EQ(StatusOf("ord_1"), PaymentStatus::kRefunded);
  EXPECT_EQ(wallet_.balance("alice"), 10'000);
  auto replies = Replies();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].envelope.causation_id, "cmd_r1");
  EXPECT_EQ(replies[0].payload, Payload(contracts::Refunded{refund->transaction_id, Cents(1'250)}));
  EXPECT_EQ(notified_, 1);
  EXPECT_EQ(QueuedJobs(), 0);

  // The saga resends (a lost reply, a timeout): answered from the REFUND row at once.
  ASSERT_TRUE(Handle(RefundCommand("cmd_r2")).ok());
  replies = Replies();
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[1].envelope.causation_id, "cmd_r2");
  EXPECT_EQ(replies[1].payload, replies[0].payload);
  EXPECT_EQ(*refunds_.RunOnce(clock_.NowMs()), 0u);
  EXPECT_EQ(wallet_.refund_requests(), 1);
  EXPECT_EQ(wallet_.credits_applied(), 1u);
  EXPECT_EQ(wallet_.balance("alice"), 10'000);
}

// The refunds of one pass are recorded together: one commit, one wake of the relay.
TEST_F(PaymentCommandsTest, TheRefundsOfAPassAreRecordedInOneCommit) {
  const std::vector<std::string> orders = {"ord_1", "ord_2", "ord_3"};
  for (const std::string& order : orders) {
    InsertPayment(order, PaymentStatus::kCompleted);
    Debit(order);
    ASSERT_TRUE(Handle(RefundCommand("cmd_" + order, order)).ok());
  }
  ASSERT_EQ(*refunds_.RunOnce(clock_.NowMs()), 3u);
  EXPECT_EQ(notified_, 1);
  EXPECT_EQ(QueuedJobs(), 0);
  std::vector<std::string> answered;
  for (const contracts::Message& reply : Replies()) answered.push_back(reply.envelope.causation_id);
  EXPECT_EQ(answered, (std::vector<std::string>{"cmd_ord_1", "cmd_ord_2", "cmd_ord_3"}));
  for (const std::string& order : orders) {
    EXPECT_TRUE(RefundRow(order).has_value()) << order;
    EXPECT_EQ(StatusOf(order), PaymentStatus::kRefunded) << order;
  }
  EXPECT_EQ(wallet_.credits_applied(), 3u);
}

TEST_F(PaymentCommandsTest, ARefundForAnOrderNeverChargedIsAnsweredAtOnceWithNothing) {
  // No PAYMENT row, so no debit: POST /api/payment records the payment before it debits.
  ASSERT_TRUE(Handle(RefundCommand("cmd_r1")).ok());
  const auto replies = Replies();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].envelope.causation_id, "cmd_r1");
  EXPECT_EQ(replies[0].envelope.saga_id, SagaId("sag_1"));
  EXPECT_EQ(replies[0].payload, Payload(contracts::Refunded{std::nullopt, Cents(0)}));
  EXPECT_EQ(QueuedJobs(), 0);
  EXPECT_EQ(wallet_.refund_requests(), 0);
}

TEST_F(PaymentCommandsTest, ARefundWithNothingDebitedVoidsTheDebit) {
  InsertPayment("ord_1", PaymentStatus::kFailed, FailureReason::kUnavailable);
  ASSERT_TRUE(Handle(RefundCommand("cmd_r1")).ok());
  ASSERT_EQ(*refunds_.RunOnce(clock_.NowMs()), 1u);
  EXPECT_TRUE(wallet_.voided("pay:ord_1"));
  EXPECT_FALSE(RefundRow("ord_1").has_value());  // no money moved, no REFUND row
  const auto replies = Replies();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].payload, Payload(contracts::Refunded{std::nullopt, Cents(0)}));
  // A debit arriving late (the wallet held it in its socket buffer) is refused.
  EXPECT_EQ(wallet_client_.Debit(OrderId("ord_1"), UserId("alice"), Cents(1'250)).error().code,
            Errc::kConflict);
  EXPECT_EQ(wallet_.balance("alice"), 10'000);
}

TEST_F(PaymentCommandsTest, ARefundGivesBackADebitThatWentThroughUnseen) {
  InsertPayment("ord_1", PaymentStatus::kFailed, FailureReason::kUnavailable);
  Debit("ord_1");  // applied although Payment never saw the answer
  ASSERT_TRUE(Handle(RefundCommand("cmd_r1")).ok());
  ASSERT_EQ(*refunds_.RunOnce(clock_.NowMs()), 1u);
  auto refund = RefundRow("ord_1");
  ASSERT_TRUE(refund.has_value());
  EXPECT_EQ(refund->amount_cents, 1'250);
  EXPECT_EQ(StatusOf("ord_1"), PaymentStatus::kFailed);  // stays FAILED, with its REFUND
  EXPECT_EQ(Replies()[0].payload,
            Payload(contracts::Refunded{refund->transaction_id, Cents(1'250)}));
  EXPECT_EQ(wallet_.balance("alice"), 10'000);
}

TEST_F(PaymentCommandsTest, ARefundWaitsForTheWalletWithBackoff) {
  InsertPayment("ord_1", PaymentStatus::kCompleted);
  Debit("ord_1");
  wallet_.FailNext(-1);
  ASSERT_TRUE(Handle(RefundCommand("cmd_r1")).ok());
  const TimestampMs now_ms = clock_.NowMs();
  EXPECT_EQ(*refunds_.RunOnce(now_ms), 0u);
  EXPECT_EQ(db_.Count("SELECT attempts FROM refund_requests"), 1);
  EXPECT_EQ(db_.Count("SELECT next_attempt_at_ms FROM refund_requests"), now_ms + 500);
  EXPECT_EQ(*refunds_.RunOnce(now_ms + 499), 0u);  // not due: the wallet is not asked
  EXPECT_EQ(wallet_.refund_requests(), 1);
  EXPECT_EQ(*refunds_.RunOnce(now_ms + 500), 0u);
  EXPECT_EQ(db_.Count("SELECT next_attempt_at_ms FROM refund_requests"), now_ms + 1'500);
  wallet_.FailNext(0);
  EXPECT_EQ(*refunds_.RunOnce(now_ms + 1'500), 1u);
  EXPECT_EQ(Replies().size(), 1u);
  EXPECT_EQ(wallet_.balance("alice"), 10'000);
}

TEST_F(PaymentCommandsTest, ARefundWaitsWhileThePaymentIsPending) {
  InsertPayment("ord_1", PaymentStatus::kPending);
  ASSERT_TRUE(Handle(RefundCommand("cmd_r1")).ok());
  EXPECT_EQ(*refunds_.RunOnce(clock_.NowMs()), 0u);
  EXPECT_EQ(wallet_.refund_requests(), 0);
  EXPECT_EQ(QueuedJobs(), 1);
  EXPECT_TRUE(Replies().empty());
}

TEST_F(PaymentCommandsTest,
       ARefundTheWalletRefusesForGoodIsKeptRefusedAnsweredRefundRefusedNeitherRetriedNorDropped) {
  // Alice's debit, and a payment of it recorded for bob: the wallet refuses bob's refund
  // whatever the retries.
  InsertPayment("ord_1", PaymentStatus::kCompleted, std::nullopt, "bob");
  Debit("ord_1");
  const auto for_bob = [](const std::string& id) {
    return Command(id, "ord_1", contracts::Refund{UserId("bob"), Cents(1'250)});
  };
  ASSERT_TRUE(Handle(for_bob("cmd_r1")).ok());
  EXPECT_EQ(*refunds_.RunOnce(clock_.NowMs()), 0u);
  EXPECT_EQ(wallet_.refund_requests(), 1);
  EXPECT_EQ(refused_, 1);
  EXPECT_EQ(QueuedJobs(), 1);  // kept, for tinysaga check and an operator
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM refund_requests "
                      "WHERE refused_reason LIKE '%idempotency-key-reused%'"),
            1);
  // Answered, so the saga gives up on the refund at once instead of resending it.
  auto replies = Replies();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].envelope.causation_id, "cmd_r1");
  ASSERT_TRUE(std::holds_alternative<contracts::RefundRefused>(replies[0].payload));
  const auto refused = std::get<contracts::RefundRefused>(replies[0].payload);
  EXPECT_THAT(refused.reason, ::testing::HasSubstr("idempotency-key-reused"));

  // A resent command gets the same answer: the refusal stands, the wallet is not asked again.
  ASSERT_TRUE(Handle(for_bob("cmd_r2")).ok());
  clock_.AdvanceMs(60'000);
  EXPECT_EQ(*refunds_.RunOnce(clock_.NowMs()), 0u);
  EXPECT_EQ(wallet_.refund_requests(), 1);
  EXPECT_EQ(refused_, 1);
  EXPECT_EQ(QueuedJobs(), 1);
  EXPECT_EQ(wallet_.balance("alice"), 10'000 - 1'250);
  replies = Replies();
  ASSERT_EQ(replies.size(), 2u);
  EXPECT_EQ(replies[1].envelope.causation_id, "cmd_r2");
  EXPECT_EQ(std::get<contracts::RefundRefused>(replies[1].payload), refused);
}

TEST_F(PaymentCommandsTest, AResentRefundReplacesTheQueuedOneAndOnlyItIsAnswered) {
  InsertPayment("ord_1", PaymentStatus::kCompleted);
  Debit("ord_1");
  ASSERT_TRUE(Handle(RefundCommand("cmd_r1")).ok());
  ASSERT_TRUE(Handle(RefundCommand("cmd_r2")).ok());
  EXPECT_EQ(QueuedJobs(), 1);
  ASSERT_EQ(*refunds_.RunOnce(clock_.NowMs()), 1u);
  const auto replies = Replies();
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].envelope.causation_id, "cmd_r2");
}

// --- Choreography: Inventory's events (payment_events.h) ---------------------------------------

class PaymentEventsTest : public PaymentCommandsTest {
 protected:
  const platform::MessageHandler events_ = PaymentEventHandler(clock_, rng_);

  contracts::Message Event(const std::string& id, Payload payload) {
    contracts::Message event = Command(id, "ord_1", std::move(payload));
    event.envelope.saga_id = SagaId("order-ord_1");
    event.envelope.causation_id = "evt_paid";
    return event;
  }
  Result<void> HandleEvent(const contracts::Message& event) {
    auto written = db_.db().Write<bool>([&](soci::session& session) -> Result<bool> {
      TS_RETURN_IF_ERROR(events_(session, event));
      return true;
    });
    if (!written.ok()) return written.error();
    return Ok();
  }
  // What Payment published on payment.events, in order (nothing else may be in the outbox).
  std::vector<contracts::Message> Published() {
    std::vector<contracts::Message> published;
    for (const auto& row : fakes::ReadOutbox(db_.db())) {
      EXPECT_EQ(row.topic, contracts::kPaymentEventsTopic);
      published.push_back(row.message);
    }
    return published;
  }
};

TEST_F(PaymentEventsTest, OutOfStockRefundsOnceAndPublishesRefunded) {
  InsertPayment("ord_1", PaymentStatus::kCompleted);
  Debit("ord_1");
  ASSERT_TRUE(HandleEvent(Event("evt_oos", contracts::OutOfStock{0})).ok());
  EXPECT_TRUE(Published().empty());  // queued for the wallet
  ASSERT_EQ(*refunds_.RunOnce(clock_.NowMs()), 1u);
  EXPECT_EQ(wallet_.balance("alice"), 10'000);
  EXPECT_EQ(StatusOf("ord_1"), PaymentStatus::kRefunded);
  auto published = Published();
  ASSERT_EQ(published.size(), 1u);
  EXPECT_EQ(published[0].envelope.causation_id, "evt_oos");
  EXPECT_EQ(published[0].envelope.saga_id, SagaId("order-ord_1"));
  const auto refund = RefundRow("ord_1");
  ASSERT_TRUE(refund.has_value());
  EXPECT_EQ(published[0].payload,
            Payload(contracts::Refunded{refund->transaction_id, Cents(1'250)}));

  // Later the stock is released for the order too (the Order service gave up): answered from
  // the REFUND row, nothing more comes back.
  ASSERT_TRUE(HandleEvent(Event("evt_released", contracts::StockReleased{})).ok());
  published = Published();
  ASSERT_EQ(published.size(), 2u);
  EXPECT_EQ(published[1].envelope.causation_id, "evt_released");
  EXPECT_EQ(published[1].payload, published[0].payload);
  EXPECT_EQ(wallet_.refund_requests(), 1);
  EXPECT_EQ(wallet_.balance("alice"), 10'000);
}

TEST_F(PaymentEventsTest, TheCancelSagasReleaseIsRefundedInTheCancelSaga) {
  InsertPayment("ord_1", PaymentStatus::kCompleted);
  Debit("ord_1");
  contracts::Message released = Event("evt_released", contracts::StockReleased{});
  released.envelope.saga_id = SagaId("cancel-ord_1");
  ASSERT_TRUE(HandleEvent(released).ok());
  ASSERT_EQ(*refunds_.RunOnce(clock_.NowMs()), 1u);
  const auto published = Published();
  ASSERT_EQ(published.size(), 1u);
  EXPECT_EQ(published[0].envelope.saga_id, SagaId("cancel-ord_1"));
  EXPECT_EQ(published[0].envelope.causation_id, "evt_released");
  EXPECT_TRUE(std::holds_alternative<contracts::Refunded>(published[0].payload));
  EXPECT_EQ(wallet_.balance("alice"), 10'000);
}

TEST_F(PaymentEventsTest, APaymentWithoutItsRequestIsNeitherRefundedNorAnsweredNothing) {
  // A PAYMENT row from elsewhere (every payment is inserted with its request): the saga data
  // the refund is built from is unknown, and "nothing to refund" would keep the money.
  auto written = db_.db().Write<bool>([&](soci::session& session) -> Result<bool> {
    InsertTransaction(session, Transaction{.transaction_id = TransactionId("txn_ord_1"),
                                           .user_id = UserId("alice"),
                                           .order_id = OrderId("ord_1"),
                                           .type = TransactionType::kPayment,
                                           .payment_status = PaymentStatus::kCompleted,
                                           .amount_cents = 1'250,
                                           .currency = "USD",
                                           .timestamp_ms = clock_.NowMs(),
                                           .description = "Payment"});
    return true;
  });
  ASSERT_TRUE(written.ok());
  auto handled = HandleEvent(Event("evt_oos", contracts::OutOfStock{0}));
  ASSERT_FALSE(handled.ok());
  EXPECT_FALSE(handled.error().Retryable());  // dead-lettered, for an operator
  EXPECT_TRUE(Published().empty());
  EXPECT_EQ(QueuedJobs(), 0);
}

TEST_F(PaymentEventsTest, StockReservedNeedsNothingAndAnOrderNeverPaidIsRefundedNothing) {
  ASSERT_TRUE(HandleEvent(Event("evt_reserved", contracts::StockReserved{})).ok());
  EXPECT_TRUE(Published().empty());
  ASSERT_TRUE(HandleEvent(Event("evt_released", contracts::StockReleased{})).ok());
  const auto published = Published();
  ASSERT_EQ(published.size(), 1u);
  EXPECT_EQ(published[0].payload, Payload(contracts::Refunded{std::nullopt, Cents(0)}));
  EXPECT_EQ(QueuedJobs(), 0);
  EXPECT_EQ(wallet_.refund_requests(), 0);
}

}  // namespace
}  // namespace tinysaga::payment
