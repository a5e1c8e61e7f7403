#include "tinysaga/http/router.h"

#include <gtest/gtest.h>

namespace tinysaga::http {
namespace {

TEST(RouterTest, MatchesLiteralsAndExtractsParameters) {
  Router router;
  size_t list = router.Add("GET", "/api/orders");
  size_t get = router.Add("GET", "/api/orders/{orderId}");
  auto match = router.Find("GET", "/api/orders/ord_1");
  ASSERT_TRUE(match);
  EXPECT_EQ(match->route_index, get);
  EXPECT_EQ(match->pattern, "/api/orders/{orderId}");
  EXPECT_EQ(match->params, (std::map<std::string, std::string>{{"orderId", "ord_1"}}));
  auto listed = router.Find("GET", "/api/orders");
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->route_index, list);
  EXPECT_TRUE(listed->params.empty());
}

TEST(RouterTest, LiteralSegmentBeatsParameter) {
  Router router;
  size_t by_id = router.Add("GET", "/api/orders/{orderId}");
  size_t saga = router.Add("GET", "/api/orders/{orderId}/saga");
  size_t special = router.Add("GET", "/api/orders/special");
  size_t param_tail = router.Add("GET", "/api/{kind}/special");
  EXPECT_EQ(router.Find("GET", "/api/orders/special")->route_index, special);
  EXPECT_EQ(router.Find("GET", "/api/orders/x")->route_index, by_id);
  EXPECT_EQ(router.Find("GET", "/api/orders/x/saga")->route_index, saga);
  // The first differing segment decides: "orders" (literal) beats {kind}.
  EXPECT_EQ(router.Find("GET", "/api/things/special")->route_index, param_tail);
}

TEST(RouterTest, ParameterNeedsANonEmptySegment) {
  Router router;
  router.Add("GET", "/api/orders/{orderId}");
  Router::Miss miss{};
  EXPECT_FALSE(router.Find("GET", "/api/orders/", &miss));
  EXPECT_EQ(miss, Router::Miss::kNotFound);
  EXPECT_FALSE(router.Find("GET", "/api/orders/a/b", &miss));
  EXPECT_FALSE(router.Find("GET", "/api", &miss));
}

TEST(RouterTest, DistinguishesNotFoundFromMethodNotAllowed) {
  Router router;
  router.Add("GET", "/api/orders/{orderId}");
  router.Add("POST", "/api/orders/{orderId}/cancel");
  Router::Miss miss{};
  EXPECT_FALSE(router.Find("DELETE", "/api/orders/x", &miss));
  EXPECT_EQ(miss, Router::Miss::kMethodNotAllowed);
  EXPECT_FALSE(router.Find("GET", "/api/orders/x/cancel", &miss));
  EXPECT_EQ(miss, Router::Miss::kMethodNotAllowed);
  EXPECT_FALSE(router.Find("GET", "/nope", &miss));
  EXPECT_EQ(miss, Router::Miss::kNotFound);
  EXPECT_FALSE(router.Find("GET", "/nope"));  // miss is optional
}

TEST(RouterTest, RootAndSameMethodOnDifferentPatterns) {
  Router router;
  size_t root = router.Add("GET", "/");
  size_t health = router.Add("GET", "/healthz");
  size_t post = router.Add("POST", "/healthz");
  EXPECT_EQ(router.Find("GET", "/")->route_index, root);
  EXPECT_EQ(router.Find("GET", "/healthz")->route_index, health);
  EXPECT_EQ(router.Find("POST", "/healthz")->route_index, post);
}

TEST(RouterTest, SeveralParameters) {
  Router router;
  router.Add("GET", "/api/{a}/x/{b}");
  auto match = router.Find("GET", "/api/1/x/2");
  ASSERT_TRUE(match);
  EXPECT_EQ(match->params, (std::map<std::string, std::string>{{"a", "1"}, {"b", "2"}}));
}

}  // namespace
}  // namespace tinysaga::http
