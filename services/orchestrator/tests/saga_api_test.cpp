// GET /api/orders/{orderId}/saga and GET /api/sagas, called directly with hand-made requests;
// the sagas are made by the real orchestrator (tests/orchestrator_fixture.h).

#include "orchestrator/handlers/saga_api.h"

#include <gtest/gtest.h>

#include "orchestrator/tests/orchestrator_fixture.h"
#include "tinysaga/testing/http.h"

namespace tinysaga::orchestrator {
namespace {

using platform::Caller;
using platform::CallerRole;
using tinysaga::testing::BodyOf;
using tinysaga::testing::DetailOf;
using tinysaga::testing::MakeRequest;
using tinysaga::testing::SlugOf;

const Caller kAnonymous{};
const Caller kAlice{CallerRole::kUser, "alice"};
const Caller kBob{CallerRole::kUser, "bob"};
const Caller kAdmin{CallerRole::kAdmin, "root"};
const Caller kService{CallerRole::kService, ""};

class SagaApiTest : public OrchestratorFixture {
 protected:
  http::Response GetSaga(const std::string& order_id, const Caller& caller) {
    auto request = MakeRequest("GET", "/api/orders/" + order_id + "/saga");
    request.path_params["orderId"] = order_id;
    return api_.GetOrderSaga(request, caller);
  }
  http::Response List(const Caller& caller, std::map<std::string, std::string> query = {}) {
    auto request = MakeRequest("GET", "/api/sagas");
    request.query = std::move(query);
    return api_.GetSagas(request, caller);
  }
  // Saga ids of a list answer, in order.
  static std::vector<std::string> Ids(const nlohmann::json& body) {
    std::vector<std::string> ids;
    for (const auto& saga : body["sagas"]) ids.push_back(saga["sagaId"]);
    return ids;
  }
  // Completes the order saga of `order` and starts its cancel saga.
  void PlaceAndCancel(const OrderId& order) {
    Start(PaymentCompletedFor(), order);  // the charge is decided by the event itself
    Reply(Expect<contracts::ReserveStock>(contracts::kInventoryCommandsTopic),
          contracts::StockReserved{});
    Reply(Expect<contracts::MarkPlaced>(contracts::kOrderCommandsTopic),
          contracts::OrderStatusChanged{"PLACED"});
    Start(CancelRequestedFor(), order);
    Expect<contracts::ReleaseStock>(contracts::kInventoryCommandsTopic);
  }

  SagaApi api_{db_.db(), *catalog_, clock_};
};

// --- GET /api/orders/{orderId}/saga ---------------------------------------------------------

TEST_F(SagaApiTest, OwnerSeesTheRunningSagaWithItsSteps) {
  Start(PaymentCompletedFor("alice"));
  const contracts::Message reserve =
      Expect<contracts::ReserveStock>(contracts::kInventoryCommandsTopic);

  auto response = GetSaga(kOrder.value(), kAlice);
  ASSERT_EQ(response.status, 200) << response.body;
  const nlohmann::json body = BodyOf(response);
  EXPECT_EQ(body["sagaId"], reserve.envelope.saga_id.value());
  EXPECT_EQ(body["type"], "order");
  EXPECT_EQ(body["mode"], "orchestration");
  EXPECT_EQ(body["state"], "RUNNING");
  EXPECT_EQ(body["orderId"], kOrder.value());
  EXPECT_EQ(body["userId"], "alice");
  EXPECT_EQ(body["startedAt"], "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(body["earlierSagas"], nlohmann::json::array());
  ASSERT_EQ(body["steps"].size(), 4u);
  EXPECT_EQ(body["steps"][0]["name"], "order");
  EXPECT_EQ(body["steps"][0]["status"], "SUCCEEDED");
  // Decided by PaymentCompleted, never sent, yet shown as done in one attempt.
  EXPECT_EQ(body["steps"][1]["name"], "charge_wallet");
  EXPECT_EQ(body["steps"][1]["status"], "SUCCEEDED");
  EXPECT_EQ(body["steps"][1]["attempts"], 1);
  EXPECT_EQ(body["steps"][1]["startedAt"], "2026-01-01T00:00:00.000Z");
  EXPECT_EQ(body["steps"][1]["endedAt"], "2026-01-01T00:00:00.000Z");
  // No step for PAYMENT_DONE (Order follows PaymentCompleted itself): the reservation is next,
  // alone.
  EXPECT_EQ(body["steps"][2]["name"], "reserve_stock");
  EXPECT_EQ(body["steps"][2]["status"], "RUNNING");
  EXPECT_EQ(body["steps"][2]["attempts"], 1);
  EXPECT_TRUE(body["steps"][2]["parallelGroup"].is_null());
  EXPECT_EQ(body["steps"][3]["name"], "order_placed");
  EXPECT_EQ(body["steps"][3]["status"], "PENDING");
}

TEST_F(SagaApiTest, AdminAndServiceSeeEveryonesSaga) {
  Start(PaymentCompletedFor("alice"));
  EXPECT_EQ(GetSaga(kOrder.value(), kAdmin).status, 200);
  EXPECT_EQ(GetSaga(kOrder.value(), kService).status, 200);
}

TEST_F(SagaApiTest, OtherUsersSagaIsNotFound) {
  Start(PaymentCompletedFor("alice"));
  auto response = GetSaga(kOrder.value(), kBob);
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(SlugOf(response), "not-found");
  EXPECT_EQ(DetailOf(response), "order '" + kOrder.value() + "' has no saga")
      << "indistinguishable from an order without a saga";
}

TEST_F(SagaApiTest, OrderWithoutSagaOrImpossibleIdIsNotFound) {
  EXPECT_EQ(GetSaga("ord_none", kAdmin).status, 404);
  EXPECT_EQ(GetSaga("../etc", kAdmin).status, 404);
}

TEST_F(SagaApiTest, AnonymousCallerIsUnauthorized) {
  Start(PaymentCompletedFor("alice"));
  EXPECT_EQ(GetSaga(kOrder.value(), kAnonymous).status, 401);
}

TEST_F(SagaApiTest, CanceledOrderShowsTheCancelSagaAndTheOrderSagaBefore) {
  PlaceAndCancel(kOrder);
  auto response = GetSaga(kOrder.value(), kAlice);
  ASSERT_EQ(response.status, 200);
  const nlohmann::json body = BodyOf(response);
  EXPECT_EQ(body["type"], "cancel");
  EXPECT_EQ(body["state"], "RUNNING");
  EXPECT_EQ(body["steps"][0]["name"], "release_stock");
  ASSERT_EQ(body["earlierSagas"].size(), 1u);
  EXPECT_EQ(body["earlierSagas"][0]["type"], "order");
  EXPECT_EQ(body["earlierSagas"][0]["state"], "COMPLETED");
}

TEST_F(SagaApiTest, FailedSagaShowsItsReason) {
  Start(PaymentFailedFor());
  Expect<contracts::MarkFailed>(contracts::kOrderCommandsTopic);
  const nlohmann::json body = BodyOf(GetSaga(kOrder.value(), kAlice));
  EXPECT_EQ(body["state"], "COMPENSATING");
  EXPECT_EQ(body["failureReason"], "insufficient funds");
  EXPECT_EQ(body["steps"][1]["status"], "FAILED");
  EXPECT_EQ(body["steps"][1]["attempts"], 1);
  EXPECT_EQ(body["steps"][1]["error"], "insufficient funds");
  EXPECT_EQ(body["steps"][0]["status"], "COMPENSATING");
}

// --- GET /api/sagas --------------------------------------------------------------------------

TEST_F(SagaApiTest, ListIsForAdminsAndServices) {
  EXPECT_EQ(List(kAnonymous).status, 401);
  auto user = List(kAlice);
  EXPECT_EQ(user.status, 403);
  EXPECT_EQ(SlugOf(user), "forbidden");
  EXPECT_EQ(List(kAdmin).status, 200);
  EXPECT_EQ(List(kService).status, 200);
}

TEST_F(SagaApiTest, EmptyList) {
  EXPECT_EQ(BodyOf(List(kAdmin)), nlohmann::json::parse(R"({"sagas": [], "nextCursor": null})"));
}

TEST_F(SagaApiTest, ListPagesNewestFirst) {
  std::vector<std::string> started;
  for (int i = 1; i <= 5; ++i) {
    clock_.AdvanceMs(1);
    Start(PaymentCompletedFor(), OrderId("ord_" + std::to_string(i)));
    started.insert(started.begin(),
                   State("order", OrderId("ord_" + std::to_string(i))).saga_id.value());
  }

  std::vector<std::string> seen;
  std::map<std::string, std::string> query{{"limit", "2"}};
  for (int page = 0; page < 3; ++page) {
    auto response = List(kAdmin, query);
    ASSERT_EQ(response.status, 200);
    const nlohmann::json body = BodyOf(response);
    for (const std::string& id : Ids(body)) seen.push_back(id);
    if (page < 2) {
      ASSERT_TRUE(body["nextCursor"].is_string());
      query["cursor"] = body["nextCursor"];
    } else {
      EXPECT_TRUE(body["nextCursor"].is_null());
    }
  }
  EXPECT_EQ(seen, started);
}

TEST_F(SagaApiTest, ListFiltersByState) {
  Start(PaymentCompletedFor(), OrderId("ord_running"));
  Start(PaymentFailedFor(), OrderId("ord_failed"));
  Expect<contracts::ReserveStock>(contracts::kInventoryCommandsTopic);
  Reply(Expect<contracts::MarkFailed>(contracts::kOrderCommandsTopic),
        contracts::OrderStatusChanged{"FAILED"});

  const nlohmann::json failed = BodyOf(List(kAdmin, {{"state", "FAILED"}}));
  ASSERT_EQ(failed["sagas"].size(), 1u);
  EXPECT_EQ(failed["sagas"][0]["orderId"], "ord_failed");
  EXPECT_EQ(failed["sagas"][0]["state"], "FAILED");
  EXPECT_EQ(BodyOf(List(kAdmin, {{"state", "RUNNING"}}))["sagas"].size(), 1u);
  EXPECT_EQ(BodyOf(List(kAdmin, {{"state", "COMPLETED"}}))["sagas"].size(), 0u);
  EXPECT_EQ(BodyOf(List(kAdmin, {{"state", ""}}))["sagas"].size(), 2u) << "empty means all";
}

TEST_F(SagaApiTest, BadQueryValuesAreBadRequests) {
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"state", "STUCK"}, {"limit", "0"}, {"limit", "abc"}, {"cursor", "nonsense"}}) {
    auto response = List(kAdmin, {{name, value}});
    EXPECT_EQ(response.status, 400) << name << "=" << value;
    EXPECT_EQ(SlugOf(response), "invalid-request");
  }
}

TEST_F(SagaApiTest, UnreadableSagaIsListedAsSuchAndIsAServerErrorAlone) {
  Start(PaymentCompletedFor());
  ASSERT_TRUE(db_.db()
                  .Write<int>([](soci::session& session) -> Result<int> {
                    session << "UPDATE sagas SET state_json = 'not json'";
                    return 0;
                  })
                  .ok());
  const nlohmann::json body = BodyOf(List(kAdmin));
  ASSERT_EQ(body["sagas"].size(), 1u);
  EXPECT_EQ(body["sagas"][0]["unreadable"], true);
  EXPECT_EQ(body["sagas"][0]["orderId"], kOrder.value());
  auto response = GetSaga(kOrder.value(), kAdmin);
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(response.body.find("not json"), std::string::npos) << "no internals leak";
}

}  // namespace
}  // namespace tinysaga::orchestrator
