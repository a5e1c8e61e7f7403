#pragma once
// Consumer groups as a Kafka broker runs them (the classic, eager protocol): members join,
// the broker picks a leader and hands it everyone's subscriptions, the leader's assignment is
// handed back to each member at SyncGroup, heartbeats keep members in, and committed offsets
// are kept per group. Internal to libs/kafka_broker.
//
// Faster than librdkafka's mock broker where a development machine feels it:
// - a rebalance completes as soon as every member has rejoined: no initial 3 s delay;
// - a member whose connection closed (its process died) leaves at once, instead of after its
//   session timeout: a restarted service gets its partitions back without waiting.
//
// Answers that must wait (a JoinGroup until the others rejoin, a follower's SyncGroup until
// the leader's) are given through callbacks, called from a later call or from Expire().
// Time comes in as an argument, so tests drive it. Not thread-safe: the broker's one network
// thread owns it.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "kafka_error.h"

namespace tinysaga::kafka_broker {

using SteadyTime = std::chrono::steady_clock::time_point;
using ConnectionId = uint64_t;

struct JoinRequest {
  std::string group;
  std::string member_id;  // empty on a first join: the coordinator names the member
  std::string client_id;
  std::chrono::milliseconds session_timeout{10'000};
  std::string protocol_type;
  std::vector<std::pair<std::string, std::string>> protocols;  // name, metadata
  ConnectionId connection = 0;
};

struct JoinResult {
  KafkaError error = KafkaError::kNone;
  int32_t generation = -1;
  std::string protocol;
  std::string leader;
  std::string member_id;
  std::vector<std::pair<std::string, std::string>> members;  // the leader's only: id, metadata
};

struct SyncResult {
  KafkaError error = KafkaError::kNone;
  std::string assignment;
};

struct CommittedOffset {
  int64_t offset = -1;
  std::string metadata;
};

struct TopicPartition {
  std::string topic;
  int32_t partition;
  auto operator<=>(const TopicPartition&) const = default;
};

class GroupCoordinator {
 public:
  using JoinCallback = std::function<void(JoinResult)>;
  using SyncCallback = std::function<void(SyncResult)>;

  void Join(JoinRequest request, SteadyTime now, JoinCallback answer);
  void Sync(const std::string& group, int32_t generation, const std::string& member_id,
            std::vector<std::pair<std::string, std::string>> assignments, SteadyTime now,
            SyncCallback answer);
  KafkaError Heartbeat(const std::string& group, int32_t generation, const std::string& member_id,
                       SteadyTime now);
  KafkaError Leave(const std::string& group, const std::string& member_id, SteadyTime now);

  // Generation -1 with no member id is a commit from outside any group's membership.
  KafkaError Commit(const std::string& group, int32_t generation, const std::string& member_id,
                    const TopicPartition& partition, CommittedOffset offset);
  CommittedOffset Committed(const std::string& group, const TopicPartition& partition) const;

  // Every member that joined through this connection leaves.
  void ConnectionClosed(ConnectionId connection, SteadyTime now);
  // Removes members silent past their session timeout, and those that did not rejoin a
  // rebalance in time; completes rebalances that were waiting for them. Called periodically.
  void Expire(SteadyTime now);

 private:
  enum class State { kEmpty, kPreparingRebalance, kCompletingRebalance, kStable };
  struct Member {
    std::string id;
    ConnectionId connection = 0;
    std::chrono::milliseconds session_timeout{};
    std::vector<std::pair<std::string, std::string>> protocols;
    SteadyTime last_heard{};
    JoinCallback pending_join;
    SyncCallback pending_sync;
    std::string assignment;
  };
  struct Group {
    State state = State::kEmpty;
    int32_t generation = 0;
    std::string protocol_type;
    std::string protocol;
    std::string leader;
    std::map<std::string, Member> members;
    SteadyTime rebalance_deadline{};
    std::map<TopicPartition, CommittedOffset> offsets;
  };

  void BeginRebalance(Group& group, SteadyTime now);
  void CompleteJoinIfReady(Group& group);
  void Remove(Group& group, const std::string& member_id, SteadyTime now);
  std::string ChooseProtocol(const Group& group) const;

  std::map<std::string, Group> groups_;
  uint64_t members_named_ = 0;
};

}  // namespace tinysaga::kafka_broker
