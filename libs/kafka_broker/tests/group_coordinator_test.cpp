#include "group_coordinator.h"

#include <gtest/gtest.h>

#include <optional>

namespace tinysaga::kafka_broker {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class GroupCoordinatorTest : public ::testing::Test {
 protected:
  // Joins and returns the answer if it came at once; `pending` receives a later one.
  std::optional<JoinResult> Join(const std::string& member_id, ConnectionId connection,
                                 std::optional<JoinResult>* pending = nullptr) {
    std::optional<JoinResult> answered;
    std::optional<JoinResult>* into = pending ? pending : &answered;
    coordinator_.Join(JoinRequest{.group = "g",
                                  .member_id = member_id,
                                  .client_id = "client",
                                  .session_timeout = seconds(6),
                                  .protocol_type = "consumer",
                                  .protocols = {{"roundrobin", "subscription-of-" + member_id}},
                                  .connection = connection},
                      now_, [into](JoinResult result) { *into = std::move(result); });
    return pending ? *pending : answered;
  }

  std::optional<SyncResult> Sync(const JoinResult& joined,
                                 std::vector<std::pair<std::string, std::string>> assignments,
                                 std::optional<SyncResult>* pending = nullptr) {
    std::optional<SyncResult> answered;
    std::optional<SyncResult>* into = pending ? pending : &answered;
    coordinator_.Sync("g", joined.generation, joined.member_id, std::move(assignments), now_,
                      [into](SyncResult result) { *into = std::move(result); });
    return pending ? *pending : answered;
  }

  GroupCoordinator coordinator_;
  SteadyTime now_{};
};

TEST_F(GroupCoordinatorTest, ALoneMemberJoinsAtOnceAndLeadsItself) {
  auto joined = Join("", 1);
  ASSERT_TRUE(joined) << "no initial rebalance delay";
  EXPECT_EQ(joined->error, KafkaError::kNone);
  EXPECT_EQ(joined->generation, 1);
  EXPECT_EQ(joined->leader, joined->member_id);
  EXPECT_EQ(joined->protocol, "roundrobin");
  ASSERT_EQ(joined->members.size(), 1u);

  auto synced = Sync(*joined, {{joined->member_id, "all-partitions"}});
  ASSERT_TRUE(synced);
  EXPECT_EQ(synced->assignment, "all-partitions");
  EXPECT_EQ(coordinator_.Heartbeat("g", 1, joined->member_id, now_), KafkaError::kNone);
}

TEST_F(GroupCoordinatorTest, ANewMemberMakesTheOthersRejoinAndTheLeaderAssignsBoth) {
  auto first = Join("", 1);
  ASSERT_TRUE(first && Sync(*first, {{first->member_id, "a"}}));

  std::optional<JoinResult> second;
  EXPECT_FALSE(Join("", 2, &second)) << "waits for the first member to rejoin";
  EXPECT_EQ(coordinator_.Heartbeat("g", 1, first->member_id, now_),
            KafkaError::kRebalanceInProgress);
  auto first_again = Join(first->member_id, 1);
  ASSERT_TRUE(first_again && second);
  EXPECT_EQ(first_again->generation, 2);
  EXPECT_EQ(second->generation, 2);
  EXPECT_EQ(first_again->leader, first->member_id) << "the leader stays the leader";
  EXPECT_EQ(first_again->members.size(), 2u);
  EXPECT_TRUE(second->members.empty()) << "only the leader sees the subscriptions";

  std::optional<SyncResult> follower;
  EXPECT_FALSE(Sync(*second, {}, &follower)) << "the follower waits for the leader's assignment";
  auto leader = Sync(*first_again, {{first->member_id, "a"}, {second->member_id, "b"}});
  ASSERT_TRUE(leader && follower);
  EXPECT_EQ(leader->assignment, "a");
  EXPECT_EQ(follower->assignment, "b");
}

TEST_F(GroupCoordinatorTest, AMemberWhoseConnectionClosedLeavesAtOnce) {
  auto first = Join("", 1);
  ASSERT_TRUE(first && Sync(*first, {{first->member_id, "a"}}));
  std::optional<JoinResult> second;
  Join("", 2, &second);
  ASSERT_FALSE(second);

  coordinator_.ConnectionClosed(1, now_);  // the first member's process died

  ASSERT_TRUE(second) << "the rebalance does not wait for the dead member";
  EXPECT_EQ(second->error, KafkaError::kNone);
  EXPECT_EQ(second->leader, second->member_id);
  EXPECT_EQ(coordinator_.Heartbeat("g", 2, first->member_id, now_), KafkaError::kUnknownMemberId);
}

TEST_F(GroupCoordinatorTest, AMemberSilentPastItsSessionTimeoutIsRemoved) {
  auto first = Join("", 1);
  auto synced = first ? Sync(*first, {{first->member_id, "a"}}) : std::nullopt;
  ASSERT_TRUE(synced);
  now_ += seconds(5);
  coordinator_.Expire(now_);
  EXPECT_EQ(coordinator_.Heartbeat("g", 1, first->member_id, now_), KafkaError::kNone);
  now_ += seconds(7);
  coordinator_.Expire(now_);
  EXPECT_EQ(coordinator_.Heartbeat("g", 1, first->member_id, now_), KafkaError::kUnknownMemberId);
}

TEST_F(GroupCoordinatorTest, AMemberThatDoesNotRejoinInTimeIsDroppedFromTheRebalance) {
  auto first = Join("", 1);
  ASSERT_TRUE(first && Sync(*first, {{first->member_id, "a"}}));
  std::optional<JoinResult> second;
  Join("", 2, &second);
  now_ += seconds(3);
  EXPECT_EQ(coordinator_.Heartbeat("g", 1, first->member_id, now_),
            KafkaError::kRebalanceInProgress);  // heard, but does not rejoin
  coordinator_.Expire(now_);
  EXPECT_FALSE(second);
  now_ += seconds(4);  // past the rebalance's deadline (the session timeout)
  coordinator_.Expire(now_);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->error, KafkaError::kNone);
  EXPECT_EQ(second->members.size(), 1u);
}

TEST_F(GroupCoordinatorTest, CommitsNeedTheCurrentGenerationAndAreReadBack) {
  auto first = Join("", 1);
  ASSERT_TRUE(first && Sync(*first, {{first->member_id, "a"}}));
  const TopicPartition orders0{"orders", 0};
  EXPECT_EQ(coordinator_.Committed("g", orders0).offset, -1);
  EXPECT_EQ(coordinator_.Commit("g", 1, first->member_id, orders0, {.offset = 42}),
            KafkaError::kNone);
  EXPECT_EQ(coordinator_.Committed("g", orders0).offset, 42);
  EXPECT_EQ(coordinator_.Commit("g", 0, first->member_id, orders0, {.offset = 7}),
            KafkaError::kIllegalGeneration);
  EXPECT_EQ(coordinator_.Commit("g", 1, "stranger", orders0, {.offset = 7}),
            KafkaError::kUnknownMemberId);
  EXPECT_EQ(coordinator_.Commit("g", -1, "", orders0, {.offset = 43}), KafkaError::kNone)
      << "a commit from outside the group's membership";
  EXPECT_EQ(coordinator_.Committed("g", orders0).offset, 43);

  coordinator_.ConnectionClosed(1, now_);
  EXPECT_EQ(coordinator_.Committed("g", orders0).offset, 43) << "offsets outlive the members";
}

TEST_F(GroupCoordinatorTest, AMemberWithoutACommonProtocolIsRefused) {
  ASSERT_TRUE(Join("", 1));
  std::optional<JoinResult> refused;
  coordinator_.Join(JoinRequest{.group = "g",
                                .client_id = "other",
                                .session_timeout = seconds(6),
                                .protocol_type = "connect",
                                .protocols = {{"x", ""}},
                                .connection = 2},
                    now_, [&](JoinResult result) { refused = result; });
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->error, KafkaError::kInconsistentGroupProtocol);
}

}  // namespace
}  // namespace tinysaga::kafka_broker
