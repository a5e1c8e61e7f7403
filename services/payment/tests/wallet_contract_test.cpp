// Payment's wallet client against the real wallet endpoints (services/wallet, on a real SQLite
// database behind a local HTTP server): the two sides agree on paths, bodies, statuses and the
// meaning of each answer.

#include <gtest/gtest.h>

#include "payment/tests/fakes.h"
#include "payment/wallet_client.h"
#include "tinysaga/platform/service.h"
#include "tinysaga/testing/http.h"
#include "tinysaga/testing/test_db.h"
#include "wallet/handlers/payment_operations_api.h"
#include "wallet/handlers/wallet_api.h"
#include "wallet/schema.h"

namespace tinysaga::payment {
namespace {

using std::chrono::milliseconds;

class WalletContractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto guarded = [this](auto endpoint) {
      return platform::Guarded(fakes::kSecret, [this, endpoint](const http::Request& request,
                                                                const platform::Caller& caller) {
        return (operations_.*endpoint)(request, caller);
      });
    };
    server_.Route("POST", "/internal/debits", guarded(&wallet::PaymentOperationsApi::PostDebit));
    server_.Route("POST", "/internal/refunds", guarded(&wallet::PaymentOperationsApi::PostRefund));
    server_.Start();
    auto request = ::tinysaga::testing::MakeRequest("POST", "/api/wallets/alice/deposits",
                                                    R"({"amount":1000})");
    request.path_params["userId"] = "alice";
    request.headers.emplace_back("Idempotency-Key", "seed");
    ASSERT_EQ(wallet_api_.PostDeposit(request, {platform::CallerRole::kService, ""}).status, 201);
  }
  int64_t Balance() {
    return wallet_db_.Count("SELECT balance_cents FROM wallets WHERE user_id = 'alice'");
  }
  static Money Cents(int64_t cents) { return Money::FromCents(cents).value(); }

  ::tinysaga::testing::TestDb wallet_db_{wallet::schema::Migrations()};
  ManualClock clock_;
  SeededRng rng_{1};
  wallet::WalletApi wallet_api_{wallet_db_.db(), clock_, rng_};
  wallet::PaymentOperationsApi operations_{wallet_db_.db(), clock_, rng_, /*dev_mode=*/true};
  ::tinysaga::testing::FakePeer server_;
  http::Client client_;
  std::vector<milliseconds> sleeps_;
};

TEST_F(WalletContractTest, DebitRefundAndTheirRefusals) {
  // The endpoint is only known once the server started, so the client is made here.
  WalletClient wallet(client_, {server_.endpoint()}, fakes::kSecret,
                      Retrier(RetryPolicy{.attempts_max = 3}, rng_,
                              [this](milliseconds delay) { sleeps_.push_back(delay); }));
  auto debit = wallet.Debit(OrderId("ord_1"), UserId("alice"), Cents(300));
  ASSERT_TRUE(debit.ok()) << debit.error().detail;
  EXPECT_EQ(debit->balance_cents, 700);
  auto again = wallet.Debit(OrderId("ord_1"), UserId("alice"), Cents(300));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->entry_id, debit->entry_id);

  auto poor = wallet.Debit(OrderId("ord_2"), UserId("alice"), Cents(5'000));
  EXPECT_EQ(poor.error().code, Errc::kInsufficientFunds);
  auto mismatch = wallet.Debit(OrderId("ord_1"), UserId("alice"), Cents(301));
  EXPECT_EQ(mismatch.error().code, Errc::kIdempotencyMismatch);

  auto refund = wallet.Refund(OrderId("ord_1"), UserId("alice"));
  ASSERT_TRUE(refund.ok()) << refund.error().detail;
  EXPECT_EQ(refund->refunded_cents, 300);
  EXPECT_TRUE(refund->entry_id.has_value());
  EXPECT_EQ(Balance(), 1'000);

  auto voided = wallet.Refund(OrderId("ord_3"), UserId("alice"));
  ASSERT_TRUE(voided.ok()) << voided.error().detail;
  EXPECT_EQ(voided->refunded_cents, 0);
  EXPECT_FALSE(voided->entry_id.has_value());
  auto late = wallet.Debit(OrderId("ord_3"), UserId("alice"), Cents(300));
  EXPECT_EQ(late.error().code, Errc::kConflict);
  EXPECT_EQ(Balance(), 1'000);
  EXPECT_TRUE(sleeps_.empty());  // nothing above was worth a retry
}

TEST_F(WalletContractTest, TheFaultSwitchIsRetriedThenUnavailable) {
  WalletClient wallet(client_, {server_.endpoint()}, fakes::kSecret,
                      Retrier(RetryPolicy{.attempts_max = 3}, rng_,
                              [this](milliseconds delay) { sleeps_.push_back(delay); }));
  auto on = operations_.PostFaults(::tinysaga::testing::MakeRequest("POST", "/api/dev/faults/wallet",
                                                                    R"({"unavailableForMs":1000})"),
                                   {platform::CallerRole::kAdmin, "root"});
  ASSERT_EQ(on.status, 200);
  auto debit = wallet.Debit(OrderId("ord_1"), UserId("alice"), Cents(300));
  ASSERT_FALSE(debit.ok());
  EXPECT_EQ(debit.error().code, Errc::kUnavailable);
  EXPECT_EQ(sleeps_.size(), 2u);
  clock_.AdvanceMs(1'000);
  EXPECT_TRUE(wallet.Debit(OrderId("ord_1"), UserId("alice"), Cents(300)).ok());
  EXPECT_EQ(Balance(), 700);
}

}  // namespace
}  // namespace tinysaga::payment
