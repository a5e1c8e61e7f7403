// The Order endpoints the sagas rely on, called directly on a real SQLite database:
// POST /internal/orders/{id}/payment-pending, the cancel of a PLACED order (cancel saga start),
// the head of GET /api/orders/{id}/events, and reads by the service caller.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "order/handlers/order_api.h"
#include "saga_fixture.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/sagas/order_sagas.h"
#include "tinysaga/testing/fake_peer.h"
#include "tinysaga/testing/http.h"

namespace tinysaga::order {
namespace {

using nlohmann::json;
using platform::Caller;
using platform::CallerRole;
using ::tinysaga::testing::BodyOf;
using ::tinysaga::testing::MakeRequest;
using ::tinysaga::testing::SlugOf;

const Caller kAlice{CallerRole::kUser, "alice"};
const Caller kBob{CallerRole::kUser, "bob"};
const Caller kAdmin{CallerRole::kAdmin, "root"};
const Caller kAnonymous{CallerRole::kAnonymous, ""};
const Caller kService{CallerRole::kService, ""};

class SagaApiTest : public testing::SagaFixture {
 protected:
  http::Request OnOrder(std::string method, const std::string& path, const std::string& order_id,
                        std::string body = "") {
    http::Request request = MakeRequest(std::move(method), path, std::move(body));
    request.path_params["orderId"] = order_id;
    return request;
  }
  http::Response PaymentPending(const Caller& caller, const std::string& order_id) {
    return api_.PaymentPending(
        OnOrder("POST", "/internal/orders/" + order_id + "/payment-pending", order_id), caller);
  }
  http::Response Cancel(const Caller& caller, const std::string& order_id) {
    return api_.Cancel(OnOrder("POST", "/api/orders/" + order_id + "/cancel", order_id), caller);
  }
  http::Response Get(const Caller& caller, const std::string& order_id) {
    http::Response answer;  // without waits, Get answers before it returns
    api_.Get(OnOrder("GET", "/api/orders/" + order_id, order_id), caller,
             [&answer](http::Response response) { answer = std::move(response); });
    return answer;
  }
  http::Response Ship(const std::string& order_id) {
    return api_.SetStatus(
        OnOrder("PUT", "/api/orders/" + order_id + "/status", order_id, R"({"status": "ON_WAY"})"),
        kAdmin);
  }
  http::Response Saga(const Caller& caller, const std::string& order_id) {
    return api_.Saga(OnOrder("GET", "/api/orders/" + order_id + "/saga", order_id), caller);
  }
  http::Response EventsHead(const Caller& caller, const std::string& order_id) {
    return api_.EventsHead(OnOrder("GET", "/api/orders/" + order_id + "/events", order_id),
                           caller);
  }

  http::Client client_;
  InventoryClient inventory_{client_, {::tinysaga::testing::DeadEndpoint()}, "secret"};
  int outbox_notified_ = 0;
  std::vector<std::string> changed_;
  // What the saga source (the orchestrator, or the choreography facts) answers, and whom it
  // was asked about.
  SagaObservation saga_seen_{SagaPresence::kAbsent};
  std::vector<std::string> sagas_asked_;
  OrderApi api_{db_.db(), clock_, rng_, inventory_,
                OrderApiHooks{.notify_outbox = [this] { ++outbox_notified_; },
                              .order_changed = [this](const OrderId& id) {
                                changed_.push_back(id.value());
                              },
                              .saga_view = {SagaMode::kOrchestration, [this](const OrderId& id) {
                                              sagas_asked_.push_back(id.value());
                                              return saga_seen_;
                                            }}}};
};

// ---- POST /internal/orders/{orderId}/payment-pending ----------------------------------------

TEST_F(SagaApiTest, PaymentPendingMovesAnInitiatedOrderWithAHistoryLine) {
  const std::string order_id = PutOrder(OrderStatus::kInitiated);
  clock_.AdvanceMs(1'000);
  auto response = PaymentPending(kService, order_id);
  ASSERT_EQ(response.status, 200) << response.body;
  json order = BodyOf(response);
  EXPECT_EQ(order["status"], "PAYMENT_PENDING");
  EXPECT_EQ(order["statusInfo"], "payment in progress");
  ASSERT_EQ(order["history"].size(), 2u);
  EXPECT_EQ(order["history"][1]["status"], "PAYMENT_PENDING");
  EXPECT_EQ(order["history"][1]["at"], "2026-01-01T00:00:01.000Z");
  // The same shape as GET /api/orders/{id}, which the service caller may read too.
  auto read = Get(kService, order_id);
  ASSERT_EQ(read.status, 200);
  EXPECT_EQ(BodyOf(read), order);
  EXPECT_EQ(changed_, std::vector<std::string>{order_id});
  EXPECT_EQ(outbox_notified_, 0);
}

TEST_F(SagaApiTest, PaymentPendingIsAConflictUnlessInitiatedEvenWhenRepeated) {
  const std::string order_id = PutOrder(OrderStatus::kInitiated);
  ASSERT_EQ(PaymentPending(kService, order_id).status, 200);
  auto again = PaymentPending(kService, order_id);
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(SlugOf(again), "conflict");
  EXPECT_EQ(History(order_id).size(), 2u);
  for (OrderStatus status : {OrderStatus::kPaymentDone, OrderStatus::kPlaced,
                             OrderStatus::kCanceled, OrderStatus::kFailed}) {
    EXPECT_EQ(PaymentPending(kService, PutOrder(status)).status, 409) << FormatOrderStatus(status);
  }
}

TEST_F(SagaApiTest, PaymentPendingIsNotFoundForUnknownOrdersAndForAnyoneButServices) {
  EXPECT_EQ(PaymentPending(kService, "ord_missing").status, 404);
  EXPECT_EQ(PaymentPending(kService, "bad id!").status, 404);
  const std::string order_id = PutOrder(OrderStatus::kInitiated);
  for (const Caller& caller : {kAlice, kBob, kAdmin, kAnonymous}) {
    auto refused = PaymentPending(caller, order_id);
    EXPECT_EQ(refused.status, 404);
    EXPECT_EQ(SlugOf(refused), "not-found");
  }
  EXPECT_EQ(Load(order_id).status, OrderStatus::kInitiated);
  EXPECT_TRUE(changed_.empty());
}

// ---- POST /api/orders/{orderId}/cancel of a PLACED order --------------------------------------

TEST_F(SagaApiTest, CancelOfAPlacedOrderRequestsTheCancelSagaOnce) {
  const std::string order_id = PutOrder(OrderStatus::kPlaced);
  const size_t history = History(order_id).size();
  clock_.AdvanceMs(5'000);
  auto accepted = Cancel(kAlice, order_id);
  ASSERT_EQ(accepted.status, 202) << accepted.body;
  json order = BodyOf(accepted);
  EXPECT_EQ(order["status"], "PLACED");
  EXPECT_EQ(order["cancelRequested"], true);
  EXPECT_EQ(order["updatedAt"], "2026-01-01T00:00:05.000Z");
  EXPECT_EQ(order["history"].size(), history);  // no status change (yet)
  EXPECT_EQ(BodyOf(Get(kAlice, order_id)), order);

  auto events = Outbox(contracts::kOrderEventsTopic);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].envelope.order_id.value(), order_id);
  EXPECT_TRUE(events[0].envelope.saga_id.empty());
  EXPECT_EQ(events[0].payload,
            contracts::Payload(contracts::OrderCancelRequested{
                UserId("alice"), Money::FromCents(500, "USD").value(), ProductId("prd_apple"), 2}));
  EXPECT_EQ(outbox_notified_, 1);
  EXPECT_EQ(changed_, std::vector<std::string>{order_id});

  // Asked again (by the owner or an admin): the same answer, no second event.
  clock_.AdvanceMs(1'000);
  auto again = Cancel(kAdmin, order_id);
  EXPECT_EQ(again.status, 202);
  EXPECT_EQ(BodyOf(again), order);
  EXPECT_EQ(Outbox(contracts::kOrderEventsTopic).size(), 1u);
  EXPECT_EQ(outbox_notified_, 1);
}

TEST_F(SagaApiTest, APlacedOrderWithACancelRequestedCannotBeShipped) {
  const std::string order_id = PutOrder(OrderStatus::kPlaced);
  ASSERT_EQ(Cancel(kAlice, order_id).status, 202);
  auto shipped = Ship(order_id);
  EXPECT_EQ(shipped.status, 409);
  EXPECT_NE(::tinysaga::testing::DetailOf(shipped).find("cancel"), std::string::npos);
  EXPECT_EQ(Load(order_id).status, OrderStatus::kPlaced);
  // Without a cancel request it ships as before.
  EXPECT_EQ(Ship(PutOrder(OrderStatus::kPlaced)).status, 200);
}

TEST_F(SagaApiTest, CancelInOtherStatusesIsAsBefore) {
  auto now = Cancel(kAlice, PutOrder(OrderStatus::kInitiated));
  EXPECT_EQ(now.status, 200);
  EXPECT_EQ(BodyOf(now)["status"], "CANCELED");
  EXPECT_EQ(BodyOf(now)["cancelRequested"], false);
  for (OrderStatus status : {OrderStatus::kPaymentPending, OrderStatus::kPaymentDone,
                             OrderStatus::kOnWay, OrderStatus::kDelivered, OrderStatus::kFailed,
                             OrderStatus::kCanceled}) {
    EXPECT_EQ(Cancel(kAlice, PutOrder(status)).status, 409) << FormatOrderStatus(status);
  }
  const std::string placed = PutOrder(OrderStatus::kPlaced);
  EXPECT_EQ(Cancel(kBob, placed).status, 404);
  EXPECT_EQ(Cancel(kService, placed).status, 403);
  EXPECT_TRUE(Outbox(contracts::kOrderEventsTopic).empty());
  EXPECT_EQ(outbox_notified_, 0);
}

// ---- GET /api/orders/{orderId}/saga ---------------------------------------------------------

TEST_F(SagaApiTest, SagaViewBeforeThePaymentShowsEveryDeclaredStepPending) {
  const std::string order_id = PutOrder(OrderStatus::kInitiated);
  auto response = Saga(kAlice, order_id);
  ASSERT_EQ(response.status, 200) << response.body;
  json view = BodyOf(response);
  EXPECT_EQ(view["state"], "NOT_STARTED");
  EXPECT_TRUE(view["sagaId"].is_null());
  EXPECT_EQ(view["type"], sagas::kOrderSagaType);
  EXPECT_EQ(view["mode"], "orchestration");
  EXPECT_EQ(view["orderId"], order_id);
  EXPECT_EQ(view["userId"], "alice");
  EXPECT_EQ(view["earlierSagas"], json::array());
  const saga::SagaDefinition definition = sagas::OrderSaga();
  ASSERT_EQ(view["steps"].size(), definition.steps.size());
  for (size_t i = 0; i < definition.steps.size(); ++i) {
    EXPECT_EQ(view["steps"][i]["name"], definition.steps[i].name);
    EXPECT_EQ(view["steps"][i]["status"], "PENDING");
    EXPECT_EQ(view["steps"][i]["attempts"], 0);
    EXPECT_TRUE(view["steps"][i]["startedAt"].is_null());
  }
}

TEST_F(SagaApiTest, SagaViewOfAStartedSagaIsTheSourcesView) {
  const std::string order_id = PutOrder(OrderStatus::kPlaced);
  saga_seen_ = SagaObservation{SagaPresence::kPresent, R"({"state":"COMPLETED"})", true};
  auto response = Saga(kAlice, order_id);
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(BodyOf(response), json({{"state", "COMPLETED"}}));
  EXPECT_EQ(response.Header("Content-Type"), "application/json");
}

TEST_F(SagaApiTest, SagaViewIsUnavailableWhenTheSourceDoesNotAnswer) {
  const std::string order_id = PutOrder(OrderStatus::kPaymentDone);
  saga_seen_ = SagaObservation{SagaPresence::kUnknown};
  auto response = Saga(kAlice, order_id);
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(SlugOf(response), "service-unavailable");
}

TEST_F(SagaApiTest, SagaViewOfUnknownOrOthersOrdersIsNotFoundWithoutAskingTheSource) {
  const std::string order_id = PutOrder(OrderStatus::kInitiated);
  EXPECT_EQ(Saga(kBob, order_id).status, 404);
  EXPECT_EQ(Saga(kAlice, "ord_missing").status, 404);
  EXPECT_EQ(Saga(kAlice, "bad id!").status, 404);
  EXPECT_EQ(Saga(kAnonymous, order_id).status, 401);
  EXPECT_TRUE(sagas_asked_.empty());
  EXPECT_EQ(Saga(kAdmin, order_id).status, 200);
  EXPECT_EQ(sagas_asked_, std::vector<std::string>{order_id});
}

// ---- GET /api/orders/{orderId}/events (head) --------------------------------------------------

TEST_F(SagaApiTest, EventsHeadLetsTheOwnerAdminsAndServicesWatch) {
  const std::string order_id = PutOrder(OrderStatus::kPlaced);
  for (const Caller& caller : {kAlice, kAdmin, kService}) {
    auto head = EventsHead(caller, order_id);
    EXPECT_EQ(head.status, 200);
    EXPECT_EQ(head.Header("Content-Type").value_or(""), "text/event-stream");
    EXPECT_EQ(head.Header("Cache-Control").value_or(""), "no-cache");
  }
  EXPECT_EQ(EventsHead(kBob, order_id).status, 404);
  EXPECT_EQ(EventsHead(kAlice, "ord_missing").status, 404);
  EXPECT_EQ(EventsHead(kAlice, "bad id!").status, 404);
  EXPECT_EQ(EventsHead(kAnonymous, order_id).status, 401);
}

}  // namespace
}  // namespace tinysaga::order
