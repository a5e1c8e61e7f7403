// GET /api/orders/{orderId}?waitMs= through OrderApi::Get and the waits, driven round by round
// (RunOnce, no thread) with a manual clock and a real database; the saga's changes are its
// commands applied by the orchestration handler, as the consumer applies them.

#include "order/events/order_waits.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "order/handlers/order_api.h"
#include "saga_fixture.h"
#include "tinysaga/platform/caller.h"
#include "tinysaga/testing/fake_peer.h"
#include "tinysaga/testing/http.h"

namespace tinysaga::order {
namespace {

using platform::Caller;
using platform::CallerRole;

const Caller kAlice{CallerRole::kUser, "alice"};
const Caller kBob{CallerRole::kUser, "bob"};

// One request's answer, once it has come.
struct Answer {
  std::optional<http::Response> response;
  std::string Status() const {
    return response ? nlohmann::json::parse(response->body).value("status", "") : "";
  }
};

class OrderWaitsTest : public testing::SagaFixture {
 protected:
  // GET /api/orders/{orderId}?waitMs=... ; the answer fills in when it is sent.
  std::shared_ptr<Answer> Get(const std::string& order_id, const std::string& wait_ms,
                              const Caller& caller = kAlice) {
    http::Request request = ::tinysaga::testing::MakeRequest("GET", "/api/orders/" + order_id);
    request.path_params["orderId"] = order_id;
    if (!wait_ms.empty()) request.query["waitMs"] = wait_ms;
    auto answer = std::make_shared<Answer>();
    api_.Get(request, caller,
             [answer](http::Response response) { answer->response = std::move(response); });
    return answer;
  }

  // A saga command applied and committed as the consumer does; `notify` as the consumer's
  // after_commit does (another instance's commit notifies no one here).
  void Mark(const std::string& order_id, contracts::Payload command, bool notify = true) {
    ExpectOk(ApplyCommand(order_id, std::move(command)));
    if (notify) waits_.Notify(OrderId(order_id));
  }

  http::Client client_;
  InventoryClient inventory_{client_, {::tinysaga::testing::DeadEndpoint()}, "secret"};
  OrderApi api_{db_.db(), clock_, rng_, inventory_, OrderApiHooks{.waits = &waits_}};
  OrderWaits waits_{[this](const OrderId& id, const Caller& caller, bool answer_if_moving) {
                      return api_.Look(id, caller, answer_if_moving);
                    },
                    clock_, OrderWaits::Options{.held_max = 3}};
};

TEST_F(OrderWaitsTest, AnOrderNoSagaMovesIsAnsweredAtOnce) {
  for (OrderStatus status : {OrderStatus::kInitiated, OrderStatus::kPlaced, OrderStatus::kFailed}) {
    const std::string order_id = PutOrder(status);
    auto answer = Get(order_id, "5000");
    ASSERT_TRUE(answer->response) << FormatOrderStatus(status);
    EXPECT_EQ(answer->response->status, 200);
    EXPECT_EQ(answer->Status(), FormatOrderStatus(status));
  }
  EXPECT_EQ(waits_.held_count(), 0u);
}

TEST_F(OrderWaitsTest, WithoutWaitMsAnOrderInASagaIsAnsweredAtOnce) {
  const std::string order_id = PutOrder(OrderStatus::kPaymentPending);
  for (const std::string wait_ms : {"", "0"}) {
    auto answer = Get(order_id, wait_ms);
    ASSERT_TRUE(answer->response) << wait_ms;
    EXPECT_EQ(answer->Status(), "PAYMENT_PENDING");
  }
}

TEST_F(OrderWaitsTest, IsHeldWhileTheSagaMovesTheOrderAndAnsweredWhenItLetsGo) {
  const std::string order_id = PutOrder(OrderStatus::kPaymentPending);
  auto first = Get(order_id, "5000");
  auto second = Get(order_id, "5000");
  EXPECT_FALSE(first->response);
  EXPECT_EQ(waits_.held_count(), 2u);

  Mark(order_id, contracts::PaymentCompleted{UserId("alice"), Money::FromCents(1000).value(),
                                             TransactionId("txn_1"), ProductId("prd_apple"), 2});
  waits_.RunOnce(/*sweep=*/false);
  EXPECT_FALSE(first->response);  // PAYMENT_DONE: the saga goes on

  Mark(order_id, contracts::MarkPlaced{});
  waits_.RunOnce(/*sweep=*/false);
  ASSERT_TRUE(first->response);
  ASSERT_TRUE(second->response);
  EXPECT_EQ(first->response->status, 200);
  EXPECT_EQ(first->Status(), "PLACED");
  EXPECT_EQ(nlohmann::json::parse(first->response->body)["history"].size(), 4u);
  EXPECT_EQ(second->response->body, first->response->body);
  EXPECT_EQ(waits_.held_count(), 0u);
}

TEST_F(OrderWaitsTest, IsAnsweredWithTheOrderAsItIsOnceTheWaitIsOver) {
  const std::string order_id = PutOrder(OrderStatus::kPaymentPending);
  auto answer = Get(order_id, "1000");
  clock_.AdvanceMs(999);
  waits_.RunOnce(/*sweep=*/false);
  EXPECT_FALSE(answer->response);
  clock_.AdvanceMs(1);
  waits_.RunOnce(/*sweep=*/false);
  ASSERT_TRUE(answer->response);
  EXPECT_EQ(answer->response->status, 200);
  EXPECT_EQ(answer->Status(), "PAYMENT_PENDING");
}

TEST_F(OrderWaitsTest, AChangeNobodyNotifiedIsSeenByTheSweep) {
  const std::string order_id = PutOrder(OrderStatus::kPaymentPending);
  auto answer = Get(order_id, "5000");
  Mark(order_id, contracts::MarkFailed{"insufficient funds"}, /*notify=*/false);
  waits_.RunOnce(/*sweep=*/false);
  EXPECT_FALSE(answer->response);  // not read again: nothing said it changed
  waits_.RunOnce(/*sweep=*/true);
  ASSERT_TRUE(answer->response);
  EXPECT_EQ(answer->Status(), "FAILED");
}

TEST_F(OrderWaitsTest, ACommitBetweenTheReadAndTheHoldIsLookedAtAgain) {
  const std::string order_id = PutOrder(OrderStatus::kPaymentPending);
  std::optional<http::Response> answer;
  const uint64_t read_at = waits_.Generation();
  Mark(order_id, contracts::MarkFailed{"insufficient funds"});  // nobody held yet
  ASSERT_TRUE(waits_.Hold(OrderId(order_id), kAlice, clock_.NowMs() + 5000, read_at,
                          [&answer](http::Response response) { answer = std::move(response); }));
  waits_.RunOnce(/*sweep=*/false);
  ASSERT_TRUE(answer);
  EXPECT_EQ(nlohmann::json::parse(answer->body)["status"], "FAILED");
}

TEST_F(OrderWaitsTest, ABadWaitIsRefusedAndOthersOrdersAreNotFound) {
  const std::string order_id = PutOrder(OrderStatus::kPaymentPending);
  for (const std::string wait_ms : {"-1", "20001", "1.5", "soon", "+5"}) {
    auto answer = Get(order_id, wait_ms);
    ASSERT_TRUE(answer->response) << wait_ms;
    EXPECT_EQ(answer->response->status, 400) << wait_ms;
    EXPECT_NE(answer->response->body.find("waitMs"), std::string::npos) << wait_ms;
  }
  auto others = Get(order_id, "5000", kBob);
  ASSERT_TRUE(others->response);
  EXPECT_EQ(others->response->status, 404);
  EXPECT_EQ(waits_.held_count(), 0u);
}

TEST_F(OrderWaitsTest, BeyondItsBoundARequestIsAnsweredAtOnce) {
  const std::string order_id = PutOrder(OrderStatus::kPaymentPending);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(Get(order_id, "5000")->response);
  auto beyond = Get(order_id, "5000");
  ASSERT_TRUE(beyond->response);
  EXPECT_EQ(beyond->Status(), "PAYMENT_PENDING");
}

TEST_F(OrderWaitsTest, StoppingAnswersEveryHeldRequestAndHoldsNoMore) {
  const std::string paying = PutOrder(OrderStatus::kPaymentPending);
  const std::string canceling = PutOrder(OrderStatus::kPlaced, "alice", /*cancel_requested=*/true);
  auto first = Get(paying, "5000");
  auto second = Get(canceling, "5000");
  EXPECT_EQ(waits_.held_count(), 2u);
  waits_.Stop();
  ASSERT_TRUE(first->response);
  ASSERT_TRUE(second->response);
  EXPECT_EQ(first->Status(), "PAYMENT_PENDING");
  EXPECT_EQ(second->Status(), "PLACED");
  auto after = Get(paying, "5000");
  EXPECT_TRUE(after->response);
  EXPECT_EQ(waits_.held_count(), 0u);
}

}  // namespace
}  // namespace tinysaga::order
