#include "gateway/upstream_pool.h"

#include <gtest/gtest.h>

#include <map>

namespace tinysaga::gateway {
namespace {

UpstreamPool ThreeInstances() {
  return UpstreamPool("inventory", {{"127.0.0.1", 1}, {"127.0.0.1", 2}, {"127.0.0.1", 3}});
}

TEST(UpstreamPool, RoundRobinsOverHealthyInstances) {
  auto pool = ThreeInstances();
  for (size_t i = 0; i < 3; ++i) pool.MarkHealthy(i, true);
  std::map<size_t, int> first_choice;
  for (int i = 0; i < 300; ++i) ++first_choice[pool.Order().front()];
  EXPECT_EQ(first_choice, (std::map<size_t, int>{{0, 100}, {1, 100}, {2, 100}}));
}

TEST(UpstreamPool, SkipsUnhealthyInstancesButKeepsThemAsLastResort) {
  auto pool = ThreeInstances();
  pool.MarkHealthy(0, true);
  pool.MarkHealthy(2, true);
  for (int i = 0; i < 10; ++i) {
    auto order = pool.Order();
    ASSERT_EQ(order.size(), 3u);
    EXPECT_NE(order[0], 1u);
    EXPECT_NE(order[1], 1u);
    EXPECT_EQ(order[2], 1u);
  }
}

TEST(UpstreamPool, ReadyOnlyOnceAnInstanceIsHealthy) {
  auto pool = ThreeInstances();
  EXPECT_FALSE(pool.AnyHealthy());
  EXPECT_EQ(pool.Order().size(), 3u);  // still tried when none is known healthy
  pool.MarkHealthy(1, true);
  EXPECT_TRUE(pool.AnyHealthy());
}

}  // namespace
}  // namespace tinysaga::gateway
