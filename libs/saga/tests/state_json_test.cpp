// The Saga DB form of a saga's state. (Every decision of every other test also round-trips
// its state through this format: see saga_test_helper.h.)
#include "tinysaga/saga/state_json.h"

#include <gtest/gtest.h>

#include "saga_test_helper.h"

namespace tinysaga::saga {
namespace {

using namespace sagas;  // NOLINT: the order sagas, the real definitions the rules are tested on

using namespace contracts;  // NOLINT: the message types read best unqualified here
using testing::SagaTest;

nlohmann::json CompensatingState() {
  SagaTest saga(OrderSaga());
  saga.Given(testing::TestData(), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
      .Expect<ChargeWallet>()
      .TimeOut()
      .TimeOut()
      .Expect<ChargeWallet>()
      .Reply(PaymentUnavailable{"down"})
      .Expect<Refund>();
  return SagaStateToJson(saga.state());
}

TEST(StateJson, RoundTripsEveryField) {
  nlohmann::json stored = CompensatingState();
  auto state = SagaStateFromJson(stored);
  ASSERT_TRUE(state.ok()) << state.error().detail;
  EXPECT_EQ(state->status, SagaStatus::kCompensating);
  EXPECT_EQ(state->failure_reason, "payment service unavailable");
  EXPECT_FALSE(state->traceparent.empty());
  EXPECT_EQ(SagaStateToJson(*state), stored);
  EXPECT_EQ(stored["status"], "COMPENSATING");
  EXPECT_EQ(stored["history"][0]["type"], "SUCCEEDED");  // step 0 passes at once
  EXPECT_EQ(stored["history"][2]["type"], "TIMED_OUT");
}

TEST(StateJson, CorruptDocumentsAreErrorsNotCrashes) {
  auto broken = [](auto change) {
    nlohmann::json stored = CompensatingState();
    change(stored);
    return SagaStateFromJson(stored);
  };
  EXPECT_FALSE(broken([](auto& s) { s.erase("stepIndex"); }).ok());
  EXPECT_FALSE(broken([](auto& s) { s["status"] = "PAUSED"; }).ok());
  EXPECT_FALSE(broken([](auto& s) { s["schemaVersion"] = 2; }).ok());
  EXPECT_FALSE(broken([](auto& s) { s["sagaId"] = "has space"; }).ok());
  EXPECT_FALSE(broken([](auto& s) { s["data"] = "text"; }).ok());
  EXPECT_FALSE(broken([](auto& s) { s["history"][0]["kind"] = "SIDEWAYS"; }).ok());
  EXPECT_FALSE(broken([](auto& s) { s["history"][0]["extra"] = 1; }).ok());
  EXPECT_FALSE(broken([](auto& s) { s["history"] = nlohmann::json::object(); }).ok());
  EXPECT_FALSE(broken([](auto& s) { s["deadlineMs"] = -1; }).ok());
  EXPECT_FALSE(broken([](auto& s) { s["surprise"] = true; }).ok());
  EXPECT_FALSE(SagaStateFromJson(nlohmann::json::array()).ok());
}

}  // namespace
}  // namespace tinysaga::saga
