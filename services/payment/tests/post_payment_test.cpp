// POST /api/payment called directly, on a real SQLite database, with fake Order and Wallet
// services (real HTTP servers) and an injected clock, rng and sleeper: the outcomes, the
// two-phase Idempotency-Key, refusals that change nothing, and the reconciler that resolves a
// payment a crash left PENDING.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "payment/handlers/payment_api.h"
#include "payment/payment_repository.h"
#include "payment/payment_requests.h"
#include "payment/reconciler.h"
#include "payment/refund_worker.h"
#include "payment/schema.h"
#include "payment/tests/fakes.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/core/breaks.h"
#include "tinysaga/testing/http.h"
#include "tinysaga/testing/test_db.h"

namespace tinysaga::payment {
namespace {

using nlohmann::json;
using platform::Caller;
using platform::CallerRole;
using std::chrono::milliseconds;
using ::tinysaga::testing::BodyOf;
using ::tinysaga::testing::MakeRequest;
using ::tinysaga::testing::SlugOf;

const Caller kAlice{CallerRole::kUser, "alice"};
const Caller kBob{CallerRole::kUser, "bob"};
const Caller kAdmin{CallerRole::kAdmin, "root"};
const Caller kAnonymous{};
constexpr char kTraceparent[] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

std::string OrderBody(const std::string& order_id) { return json{{"orderId", order_id}}.dump(); }

class PostPaymentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    wallet_.SetBalance("alice", 10'000);
    orders_.Add("ord_1", "alice", 1'250);
  }

  http::Response Pay(const Caller& caller, const std::string& body,
                     std::optional<std::string> key = "key-1") {
    http::Request request = MakeRequest("POST", "/api/payment", body);
    if (key) request.headers.emplace_back("Idempotency-Key", *key);
    request.headers.emplace_back("traceparent", kTraceparent);
    return api_.PostPayment(request, caller);
  }
  http::Response PayOrder(const std::string& order_id, const Caller& caller = kAlice,
                          const std::string& key = "key-1") {
    return Pay(caller, OrderBody(order_id), key);
  }
  std::optional<PaymentRecord> Payment(const std::string& order_id) {
    return db_.db()
        .Read<std::optional<PaymentRecord>>(
            [&](soci::session& session) -> Result<std::optional<PaymentRecord>> {
              return FindPayment(session, OrderId(order_id));
            })
        .value();
  }
  // Every row Payment writes, counted: equal snapshots mean nothing was written.
  std::string Snapshot() {
    std::string text;
    for (const char* table : {"transactions", "payment_requests", "refund_requests", "outbox"}) {
      text += std::string(table) + "=" +
              std::to_string(db_.Count(std::string("SELECT COUNT(*) FROM ") + table)) + " ";
    }
    return text;
  }
  long long VoidJobs() {
    return db_.Count("SELECT COUNT(*) FROM refund_requests WHERE command_id = ''");
  }
  std::vector<fakes::OutboxMessage> Outbox() { return fakes::ReadOutbox(db_.db()); }

  ::tinysaga::testing::TestDb db_{schema::AllMigrations()};
  ManualClock clock_;
  SeededRng rng_{7};
  fakes::FakeWallet wallet_;
  fakes::FakeOrders orders_;
  http::Client client_;
  std::vector<milliseconds> sleeps_;
  std::function<void()> on_sleep_;  // runs between two debit attempts
  // Long enough that a loaded machine never times out an answered attempt; only the hung
  // debit of the slow-wallet test waits it out.
  RetryPolicy policy_{.attempts_max = 3, .per_attempt_timeout = milliseconds(2'000)};
  WalletClient wallet_client_{client_,
                              {wallet_.endpoint()},
                              fakes::kSecret,
                              Retrier(policy_, rng_, [this](milliseconds delay) {
                                sleeps_.push_back(delay);
                                if (on_sleep_) on_sleep_();
                              })};
  OrderClient order_client_{client_, {orders_.endpoint()}, fakes::kSecret};
  int notified_ = 0;
  PaymentApi api_{db_.db(), clock_, rng_, wallet_client_, order_client_, [this] { ++notified_; }};
};

// --- Outcomes ---------------------------------------------------------------------------------

TEST_F(PostPaymentTest, APaidOrderIsCompletedAndStartsTheSaga) {
  auto response = PayOrder("ord_1");
  ASSERT_EQ(response.status, 200) << response.body;
  const json body = BodyOf(response);
  const std::string transaction_id = body["transactionId"];
  EXPECT_EQ(body, (json{{"orderId", "ord_1"},
                        {"transactionId", transaction_id},
                        {"paymentStatus", "COMPLETED"},
                        {"amount", 1'250},
                        {"currency", "USD"},
                        {"orderStatus", "PAYMENT_PENDING"}}));
  auto payment = Payment("ord_1");
  ASSERT_TRUE(payment.has_value());
  EXPECT_EQ(payment->transaction.transaction_id.value(), transaction_id);
  EXPECT_EQ(payment->transaction.payment_status, PaymentStatus::kCompleted);
  EXPECT_EQ(payment->transaction.user_id, UserId("alice"));
  EXPECT_EQ(payment->transaction.amount_cents, 1'250);
  EXPECT_FALSE(payment->failure_reason.has_value());
  EXPECT_EQ(orders_.status("ord_1"), "PAYMENT_PENDING");
  EXPECT_EQ(wallet_.balance("alice"), 8'750);
  EXPECT_EQ(wallet_.debit_operation_ids(), (std::vector<std::string>{"pay:ord_1"}));

  const auto outbox = Outbox();
  ASSERT_EQ(outbox.size(), 1u);
  EXPECT_EQ(outbox[0].topic, contracts::kPaymentEventsTopic);
  EXPECT_EQ(outbox[0].key, "ord_1");
  EXPECT_EQ(outbox[0].message.envelope.order_id, OrderId("ord_1"));
  EXPECT_EQ(outbox[0].message.envelope.traceparent, kTraceparent);
  EXPECT_EQ(outbox[0].message.payload, contracts::Payload(contracts::PaymentCompleted{
                                           .user_id = UserId("alice"),
                                           .amount = Money::FromCents(1'250).value(),
                                           .transaction_id = TransactionId(transaction_id),
                                           .product_id = ProductId("widget"),
                                           .quantity = 2}));
  EXPECT_EQ(notified_, 1);
  EXPECT_EQ(VoidJobs(), 0);
}

TEST_F(PostPaymentTest, InsufficientFundsIs402AndFailsThePayment) {
  wallet_.SetBalance("alice", 1'000);
  auto response = PayOrder("ord_1");
  EXPECT_EQ(response.status, 402) << response.body;
  EXPECT_EQ(SlugOf(response), "insufficient-funds");
  auto payment = Payment("ord_1");
  ASSERT_TRUE(payment.has_value());
  EXPECT_EQ(payment->transaction.payment_status, PaymentStatus::kFailed);
  EXPECT_EQ(payment->failure_reason, FailureReason::kInsufficientFunds);
  const auto outbox = Outbox();
  ASSERT_EQ(outbox.size(), 1u);
  const auto* failed = std::get_if<contracts::PaymentFailed>(&outbox[0].message.payload);
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->failure, contracts::PaymentFailure::kInsufficientFunds);
  EXPECT_EQ(failed->product_id, ProductId("widget"));
  EXPECT_EQ(VoidJobs(), 0);  // nothing was debited
  EXPECT_EQ(wallet_.debit_requests(), 1);
  EXPECT_EQ(wallet_.balance("alice"), 1'000);
}

TEST_F(PostPaymentTest, AWalletDownForEveryAttemptIs503AndQueuesTheVoid) {
  wallet_.FailNext(-1);
  auto response = PayOrder("ord_1");
  EXPECT_EQ(response.status, 503) << response.body;
  EXPECT_EQ(SlugOf(response), "service-unavailable");
  auto payment = Payment("ord_1");
  ASSERT_TRUE(payment.has_value());
  EXPECT_EQ(payment->transaction.payment_status, PaymentStatus::kFailed);
  EXPECT_EQ(payment->failure_reason, FailureReason::kUnavailable);
  const auto outbox = Outbox();
  ASSERT_EQ(outbox.size(), 1u);
  const auto* failed = std::get_if<contracts::PaymentFailed>(&outbox[0].message.payload);
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->failure, contracts::PaymentFailure::kUnavailable);
  EXPECT_EQ(failed->amount, Money::FromCents(1'250).value());
  // Every attempt, the same operation id; backoffs between them, none after the last.
  EXPECT_EQ(wallet_.debit_operation_ids(),
            (std::vector<std::string>{"pay:ord_1", "pay:ord_1", "pay:ord_1"}));
  EXPECT_EQ(sleeps_.size(), 2u);
  EXPECT_EQ(VoidJobs(), 1);  // a debit may have gone through unseen
  EXPECT_EQ(notified_, 1);
}

// --break void-of-unseen-debit-skipped (the simulator's, core/breaks.h): the same failure
// queues no void, so a debit the wallet applied unseen would stay taken.
TEST_F(PostPaymentTest, BrokenVoidOfAnUnseenDebitIsNotQueued) {
  const ScopedBreakForSimulation broken(Break::kVoidOfUnseenDebitSkipped);
  wallet_.FailNext(-1);
  EXPECT_EQ(PayOrder("ord_1").status, 503);
  EXPECT_EQ(Payment("ord_1")->transaction.payment_status, PaymentStatus::kFailed);
  EXPECT_EQ(VoidJobs(), 0);
}

TEST_F(PostPaymentTest, AWalletSlowOnTheFirstAttemptDebitsOnce) {
  wallet_.HangNextDebit();  // applied, answered after the client's 2 s
  auto response = PayOrder("ord_1");
  wallet_.Release();
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(wallet_.debit_requests(), 2);
  EXPECT_EQ(wallet_.debits_applied(), 1u);
  EXPECT_EQ(wallet_.balance("alice"), 8'750);
  EXPECT_EQ(Payment("ord_1")->transaction.payment_status, PaymentStatus::kCompleted);
}

// --- Idempotency-Key ------------------------------------------------------------------------

TEST_F(PostPaymentTest, TheSameKeyAndBodyReplayTheFirstAnswer) {
  auto first = PayOrder("ord_1");
  ASSERT_EQ(first.status, 200);
  EXPECT_FALSE(first.Header("Idempotent-Replayed").has_value());
  auto again = PayOrder("ord_1");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.Header("Idempotent-Replayed"), "true");
  EXPECT_EQ(again.Header("Content-Type"), "application/json");
  EXPECT_EQ(wallet_.debit_requests(), 1);
  EXPECT_EQ(orders_.gets(), 1);  // a replay asks nobody
  EXPECT_EQ(Outbox().size(), 1u);
}

TEST_F(PostPaymentTest, RefusalsOfTheWalletAreReplayedToo) {
  wallet_.SetBalance("alice", 1);
  auto first = PayOrder("ord_1");
  ASSERT_EQ(first.status, 402);
  wallet_.SetBalance("alice", 10'000);
  auto again = PayOrder("ord_1");
  EXPECT_EQ(again.status, 402);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.Header("Content-Type"), "application/problem+json");
  EXPECT_EQ(wallet_.debit_requests(), 1);
}

TEST_F(PostPaymentTest, TheSameKeyWithAnotherBodyIs422) {
  orders_.Add("ord_2", "alice", 500);
  ASSERT_EQ(PayOrder("ord_1").status, 200);
  const std::string before = Snapshot();
  auto other = PayOrder("ord_2");
  EXPECT_EQ(other.status, 422);
  EXPECT_EQ(SlugOf(other), "idempotency-key-reused");
  EXPECT_EQ(Snapshot(), before);
  // Keys are per user: bob's "key-1" is his own (and alice's order is not his).
  EXPECT_EQ(PayOrder("ord_1", kBob).status, 404);
}

TEST_F(PostPaymentTest, AKeyStillInProgressIs409) {
  // The first request with the key holds its claim (it is between its two transactions).
  const std::string body = OrderBody("ord_1");
  auto claimed = db_.db().Write<bool>([&](soci::session& session) -> Result<bool> {
    InsertClaim(
        session,
        PaymentClaim{.scope = "alice",
                     .key = "key-1",
                     .fingerprint = storage::RequestFingerprint("POST", "/api/payment", body),
                     .order_id = OrderId("ord_1"),
                     .product_id = ProductId("widget"),
                     .quantity = 2,
                     .traceparent = ""},
        clock_.NowMs());
    return true;
  });
  ASSERT_TRUE(claimed.ok()) << claimed.error().detail;
  auto busy = PayOrder("ord_1");
  EXPECT_EQ(busy.status, 409);
  EXPECT_EQ(SlugOf(busy), "idempotency-in-progress");
  EXPECT_EQ(Pay(kAlice, OrderBody("ord_2")).status, 422);
  EXPECT_EQ(wallet_.debit_requests(), 0);
  EXPECT_EQ(orders_.gets(), 0);
}

// --- Refusals that change nothing ----------------------------------------------------------

TEST_F(PostPaymentTest, AnOrderNotInitiatedIs409AndChangesNothing) {
  orders_.Add("ord_2", "alice", 500, "PLACED");
  const std::string before = Snapshot();
  auto response = PayOrder("ord_2");
  EXPECT_EQ(response.status, 409);
  EXPECT_EQ(SlugOf(response), "conflict");
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(wallet_.debit_requests(), 0);
  EXPECT_EQ(orders_.moves(), 0);
}

TEST_F(PostPaymentTest, AnotherUsersOrderOrAnUnknownOneIs404) {
  const std::string before = Snapshot();
  auto bobs = PayOrder("ord_1", kBob, "key-b");
  EXPECT_EQ(bobs.status, 404);
  EXPECT_EQ(SlugOf(bobs), "not-found");
  EXPECT_EQ(PayOrder("ord_9").status, 404);
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(wallet_.debit_requests(), 0);
}

TEST_F(PostPaymentTest, AnAdminPaysAnyOrderFromItsOwnersWallet) {
  auto response = PayOrder("ord_1", kAdmin);
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(wallet_.balance("alice"), 8'750);
  EXPECT_EQ(Payment("ord_1")->transaction.user_id, UserId("alice"));
}

TEST_F(PostPaymentTest, BadRequestsAre400Or401AndChangeNothing) {
  const std::string before = Snapshot();
  for (const std::string& body :
       {std::string(""), std::string("{}"), std::string("{"), std::string("[]"),
        std::string(R"({"orderId":5})"), std::string(R"({"orderId":"a b"})"),
        std::string(R"({"orderId":""})"), std::string(R"({"orderId":null})"),
        std::string(R"({"orderId":"ord_1","amount":5})"),
        json{{"orderId", std::string(65, 'x')}}.dump(), std::string("{\"orderId\":\"\xff\"}")}) {
    auto response = Pay(kAlice, body, "key-" + std::to_string(body.size()));
    EXPECT_EQ(response.status, 400) << body << " -> " << response.body;
    EXPECT_EQ(SlugOf(response), "invalid-request") << body;
  }
  EXPECT_EQ(Pay(kAlice, OrderBody("ord_1"), std::nullopt).status, 400);  // no key
  EXPECT_EQ(Pay(kAlice, OrderBody("ord_1"), std::string(129, 'k')).status, 400);
  EXPECT_EQ(Pay(kAlice, OrderBody("ord_1"), "bad\nkey").status, 400);
  EXPECT_EQ(Pay(kAnonymous, OrderBody("ord_1")).status, 401);
  EXPECT_EQ(Snapshot(), before);
  EXPECT_EQ(orders_.gets(), 0);
  EXPECT_EQ(wallet_.debit_requests(), 0);
}

TEST_F(PostPaymentTest, AnOrderIsPaidOnceWhateverTheKey) {
  ASSERT_EQ(PayOrder("ord_1", kAlice, "key-1").status, 200);
  orders_.Add("ord_1", "alice", 1'250);  // as if the Order service still said INITIATED
  auto second = PayOrder("ord_1", kAlice, "key-2");
  EXPECT_EQ(second.status, 409);
  EXPECT_EQ(SlugOf(second), "conflict");
  EXPECT_EQ(wallet_.debit_requests(), 1);
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM transactions"), 1);
}

TEST_F(PostPaymentTest, AnOrderServiceDownBeforeAnythingIsWrittenIs503) {
  orders_.SetDown(true);
  const std::string before = Snapshot();
  auto response = PayOrder("ord_1");
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(Snapshot(), before);  // the client may simply try again
}

// --- The order's move to PAYMENT_PENDING ----------------------------------------------------

TEST_F(PostPaymentTest, AnOrderThatChangedMeanwhileIs409WithoutDebitOrEvent) {
  orders_.RejectMoves(true);  // e.g. canceled between the read and the move
  auto response = PayOrder("ord_1");
  EXPECT_EQ(response.status, 409);
  auto payment = Payment("ord_1");
  ASSERT_TRUE(payment.has_value());
  EXPECT_EQ(payment->transaction.payment_status, PaymentStatus::kFailed);
  EXPECT_EQ(payment->failure_reason, FailureReason::kOrderRejected);
  EXPECT_TRUE(Outbox().empty());
  EXPECT_EQ(wallet_.debit_requests(), 0);
  EXPECT_EQ(PayOrder("ord_1").status, 409);  // replayed
}

// Order committed the move, died before answering, and refused the resent request: the order
// is PAYMENT_PENDING, so the move was ours and the payment goes on (found by the crash test).
TEST_F(PostPaymentTest, AMoveWhoseAnswerWasLostIsRecognisedAndThePaymentGoesOn) {
  orders_.LoseMoveAnswers(true);
  auto response = PayOrder("ord_1");
  EXPECT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(Payment("ord_1")->transaction.payment_status, PaymentStatus::kCompleted);
  EXPECT_EQ(wallet_.debit_requests(), 1);
  ASSERT_EQ(Outbox().size(), 1u);
  EXPECT_TRUE(std::holds_alternative<contracts::PaymentCompleted>(Outbox()[0].message.payload));
}

TEST_F(PostPaymentTest, AnUnansweredMoveFailsThePaymentAsUnavailableWithoutDebit) {
  orders_.SetMovesDown(true);
  auto response = PayOrder("ord_1");
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(Payment("ord_1")->failure_reason, FailureReason::kUnavailable);
  const auto outbox = Outbox();
  ASSERT_EQ(outbox.size(), 1u);  // the saga fails the order, whichever status it is in
  EXPECT_TRUE(std::holds_alternative<contracts::PaymentFailed>(outbox[0].message.payload));
  EXPECT_EQ(wallet_.debit_requests(), 0);
  EXPECT_EQ(VoidJobs(), 0);
}

// --- Payments left PENDING ------------------------------------------------------------------

class ReconcilerTest : public PostPaymentTest {
 protected:
  // What a process that died after transaction 1 leaves: a PENDING payment and its claim.
  void LeavePending(const std::string& order_id) {
    const std::string body = OrderBody(order_id);
    auto written = db_.db().Write<bool>([&](soci::session& session) -> Result<bool> {
      InsertTransaction(session, Transaction{.transaction_id = TransactionId("txn_p1"),
                                             .user_id = UserId("alice"),
                                             .order_id = OrderId(order_id),
                                             .type = TransactionType::kPayment,
                                             .payment_status = PaymentStatus::kPending,
                                             .amount_cents = 1'250,
                                             .currency = "USD",
                                             .timestamp_ms = clock_.NowMs(),
                                             .description = "Payment"});
      InsertClaim(
          session,
          PaymentClaim{.scope = "alice",
                       .key = "key-1",
                       .fingerprint = storage::RequestFingerprint("POST", "/api/payment", body),
                       .order_id = OrderId(order_id),
                       .product_id = ProductId("widget"),
                       .quantity = 2,
                       .traceparent = kTraceparent},
          clock_.NowMs());
      return true;
    });
    ASSERT_TRUE(written.ok()) << written.error().detail;
  }

  int reconciler_notified_ = 0;
  Reconciler reconciler_{db_.db(), rng_, [this] { ++reconciler_notified_; },
                         ReconcilerOptions{.stale_after = milliseconds(60'000)}};
  WalletClient single_attempt_{client_,
                               {wallet_.endpoint()},
                               fakes::kSecret,
                               Retrier(RetryPolicy{.attempts_max = 1}, rng_, [](auto) {})};
  RefundWorker refunds_{db_.db(), single_attempt_, clock_, rng_, [] {}};
};

TEST_F(ReconcilerTest, AStalePendingPaymentFailsAndItsUnseenDebitComesBack) {
  LeavePending("ord_1");
  // The process died after the wallet applied the debit.
  ASSERT_TRUE(
      wallet_client_.Debit(OrderId("ord_1"), UserId("alice"), Money::FromCents(1'250).value())
          .ok());
  EXPECT_EQ(PayOrder("ord_1").status, 409);  // in progress, as far as anyone can tell

  clock_.AdvanceMs(59'999);
  EXPECT_EQ(*reconciler_.RunOnce(clock_.NowMs()), 0u);  // it may still be running
  EXPECT_EQ(Payment("ord_1")->transaction.payment_status, PaymentStatus::kPending);
  clock_.AdvanceMs(2);
  ASSERT_EQ(*reconciler_.RunOnce(clock_.NowMs()), 1u);

  auto payment = Payment("ord_1");
  EXPECT_EQ(payment->transaction.payment_status, PaymentStatus::kFailed);
  EXPECT_EQ(payment->failure_reason, FailureReason::kUnavailable);
  const auto outbox = Outbox();
  ASSERT_EQ(outbox.size(), 1u);
  EXPECT_EQ(outbox[0].topic, contracts::kPaymentEventsTopic);
  EXPECT_EQ(outbox[0].message.envelope.traceparent, kTraceparent);
  EXPECT_EQ(outbox[0].message.payload, contracts::Payload(contracts::PaymentFailed{
                                           .user_id = UserId("alice"),
                                           .amount = Money::FromCents(1'250).value(),
                                           .product_id = ProductId("widget"),
                                           .quantity = 2,
                                           .failure = contracts::PaymentFailure::kUnavailable}));
  EXPECT_EQ(reconciler_notified_, 1);
  auto replay = PayOrder("ord_1");  // the key now has its final answer
  EXPECT_EQ(replay.status, 503);
  EXPECT_EQ(replay.Header("Idempotent-Replayed"), "true");

  // The queued void gives the unseen debit back, recorded as a REFUND of the FAILED payment.
  ASSERT_EQ(VoidJobs(), 1);
  ASSERT_EQ(*refunds_.RunOnce(clock_.NowMs()), 1u);
  EXPECT_EQ(wallet_.balance("alice"), 10'000);
  auto refund = db_.db().Read<std::optional<Transaction>>(
      [](soci::session& session) -> Result<std::optional<Transaction>> {
        return FindOrderTransaction(session, OrderId("ord_1"), TransactionType::kRefund);
      });
  ASSERT_TRUE(refund.ok() && refund->has_value());
  EXPECT_EQ((*refund)->amount_cents, 1'250);
  EXPECT_EQ(Payment("ord_1")->transaction.payment_status, PaymentStatus::kFailed);
  EXPECT_EQ(Outbox().size(), 1u);  // a void of Payment's own replies to nobody
  clock_.AdvanceMs(60'000);
  EXPECT_EQ(*reconciler_.RunOnce(clock_.NowMs()), 0u);
}

TEST_F(ReconcilerTest, AStalePendingPaymentWithoutDebitIsVoided) {
  LeavePending("ord_1");
  clock_.AdvanceMs(60'001);
  ASSERT_EQ(*reconciler_.RunOnce(clock_.NowMs()), 1u);
  ASSERT_EQ(*refunds_.RunOnce(clock_.NowMs()), 1u);
  EXPECT_TRUE(wallet_.voided("pay:ord_1"));  // a late debit will be refused
  EXPECT_EQ(db_.Count("SELECT COUNT(*) FROM transactions WHERE type = 'REFUND'"), 0);
  EXPECT_EQ(VoidJobs(), 0);
}

// --break void-of-unseen-debit-skipped: the stale payment fails without a void.
TEST_F(ReconcilerTest, BrokenVoidOfAStalePaymentIsNotQueued) {
  const ScopedBreakForSimulation broken(Break::kVoidOfUnseenDebitSkipped);
  LeavePending("ord_1");
  clock_.AdvanceMs(60'001);
  ASSERT_EQ(*reconciler_.RunOnce(clock_.NowMs()), 1u);
  EXPECT_EQ(Payment("ord_1")->transaction.payment_status, PaymentStatus::kFailed);
  EXPECT_EQ(VoidJobs(), 0);
}

TEST_F(ReconcilerTest, ARequestThatOutlivesTheStaleLimitAnswersTheRecordedFailure) {
  // The wallet fails the first attempt; while the request backs off, it becomes stale and is
  // reconciled; then its retry debits. Its final transaction must not complete the payment.
  wallet_.FailNext(1);
  bool reconciled = false;
  on_sleep_ = [this, &reconciled] {
    if (reconciled) return;
    reconciled = true;
    clock_.AdvanceMs(60'001);
    ASSERT_EQ(*reconciler_.RunOnce(clock_.NowMs()), 1u);
  };
  auto response = PayOrder("ord_1");
  EXPECT_TRUE(reconciled);
  EXPECT_EQ(response.status, 503) << response.body;
  EXPECT_EQ(wallet_.debits_applied(), 1u);  // the retry did debit...
  EXPECT_EQ(Payment("ord_1")->transaction.payment_status, PaymentStatus::kFailed);
  const auto outbox = Outbox();
  ASSERT_EQ(outbox.size(), 1u);  // ...but only the reconciler's PaymentFailed went out
  EXPECT_TRUE(std::holds_alternative<contracts::PaymentFailed>(outbox[0].message.payload));
  ASSERT_EQ(*refunds_.RunOnce(clock_.NowMs()), 1u);  // ...and the debit is given back
  EXPECT_EQ(wallet_.balance("alice"), 10'000);
}

}  // namespace
}  // namespace tinysaga::payment
