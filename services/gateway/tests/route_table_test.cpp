#include "gateway/domain/route_table.h"

#include <gtest/gtest.h>

namespace tinysaga::gateway {
namespace {

std::string ServiceOf(std::string_view method, std::string_view path) {
  auto target = ResolveRoute(method, path);
  return target ? target->service : "<none>";
}

TEST(RouteTable, EachResourceGoesToItsOwner) {
  EXPECT_EQ(ServiceOf("POST", "/api/orders"), "order");
  EXPECT_EQ(ServiceOf("GET", "/api/orders/ord_1"), "order");
  EXPECT_EQ(ServiceOf("POST", "/api/orders/ord_1/cancel"), "order");
  EXPECT_EQ(ServiceOf("GET", "/api/orders/ord_1/events"), "order");
  EXPECT_EQ(ServiceOf("GET", "/api/orders/ord_1/saga"), "order");
  EXPECT_EQ(ServiceOf("GET", "/api/sagas"), "orchestrator");
  EXPECT_EQ(ResolveRoute("GET", "/api/orders/ord_1/saga", SagaViews::kOrder)->service, "order");
  EXPECT_EQ(ResolveRoute("GET", "/api/sagas", SagaViews::kOrder)->service, "order");
  EXPECT_EQ(ServiceOf("POST", "/api/payment"), "payment");
  EXPECT_EQ(ServiceOf("GET", "/api/transactions"), "payment");
  EXPECT_EQ(ServiceOf("POST", "/api/wallets/alice/deposits"), "wallet");
  EXPECT_EQ(ServiceOf("GET", "/api/products/p1/availability"), "inventory");
  EXPECT_EQ(ServiceOf("POST", "/api/dev/faults/wallet"), "wallet");
  EXPECT_EQ(ServiceOf("POST", "/api/dev/faults/inventory"), "inventory");
}

// Issue 15: the verbs go where the saga is driven, and never without a token.
TEST(RouteTable, SagaVerbsGoToTheOrchestratorOrInChoreographyToOrder) {
  for (const char* verb : {"retry", "abort"}) {
    const std::string path = std::string("/api/orders/ord_1/saga/") + verb;
    auto orchestrated = ResolveRoute("POST", path);
    ASSERT_TRUE(orchestrated);
    EXPECT_EQ(orchestrated->service, "orchestrator");
    EXPECT_FALSE(orchestrated->is_public);
    auto choreographed = ResolveRoute("POST", path, SagaViews::kOrder);
    ASSERT_TRUE(choreographed);
    EXPECT_EQ(choreographed->service, "order");
    EXPECT_FALSE(choreographed->is_public);
  }
  // Only those two, and only under one order's saga.
  EXPECT_EQ(ServiceOf("POST", "/api/orders/ord_1/saga/restart"), "order");
  EXPECT_EQ(ServiceOf("POST", "/api/orders/ord_1/cancel/retry"), "order");
  EXPECT_EQ(ServiceOf("GET", "/api/orders/ord_1/saga"), "order");
}

TEST(RouteTable, OnlyProductAndSagaDefinitionReadsArePublic) {
  EXPECT_TRUE(ResolveRoute("GET", "/api/products")->is_public);
  EXPECT_TRUE(ResolveRoute("GET", "/api/products/p1")->is_public);
  EXPECT_FALSE(ResolveRoute("POST", "/api/products")->is_public);
  EXPECT_FALSE(ResolveRoute("PUT", "/api/products/p1/stock")->is_public);
  EXPECT_FALSE(ResolveRoute("GET", "/api/orders")->is_public);
  EXPECT_FALSE(ResolveRoute("GET", "/api/wallets/alice")->is_public);
  for (SagaViews views : {SagaViews::kOrchestrator, SagaViews::kOrder}) {
    EXPECT_TRUE(ResolveRoute("GET", "/api/sagas/definitions", views)->is_public);
    EXPECT_FALSE(ResolveRoute("POST", "/api/sagas/definitions", views)->is_public);
    EXPECT_FALSE(ResolveRoute("GET", "/api/sagas", views)->is_public);
  }
  EXPECT_EQ(ResolveRoute("GET", "/api/sagas/definitions", SagaViews::kOrder)->service, "order");
  EXPECT_EQ(ServiceOf("GET", "/api/sagas/definitions"), "orchestrator");
}

TEST(RouteTable, InternalAndUnknownPathsAreNotRouted) {
  EXPECT_EQ(ServiceOf("GET", "/internal/wallet-transactions"), "<none>");
  EXPECT_EQ(ServiceOf("GET", "/api/internal"), "<none>");
  EXPECT_EQ(ServiceOf("GET", "/api/"), "<none>");
  EXPECT_EQ(ServiceOf("GET", "/api/ordersx"), "<none>");
  EXPECT_EQ(ServiceOf("GET", "/healthz"), "<none>");
  EXPECT_EQ(ServiceOf("POST", "/api/dev/faults/order"), "<none>");
  EXPECT_EQ(ServiceOf("POST", "/api/dev/faults"), "<none>");
}

}  // namespace
}  // namespace tinysaga::gateway
