#include "group_coordinator.h"

#include <algorithm>

namespace tinysaga::kafka_broker {

void GroupCoordinator::Join(JoinRequest request, SteadyTime now, JoinCallback answer) {
  Group& group = groups_[request.group];
  if (request.protocols.empty() ||
      (!group.members.empty() && request.protocol_type != group.protocol_type)) {
    answer({.error = KafkaError::kInconsistentGroupProtocol});
    return;
  }
  if (request.session_timeout <= std::chrono::milliseconds::zero()) {
    answer({.error = KafkaError::kInvalidSessionTimeout});
    return;
  }
  if (request.member_id.empty()) {
    request.member_id = request.client_id + "-" + std::to_string(++members_named_);
    group.members[request.member_id].id = request.member_id;
  }
  auto found = group.members.find(request.member_id);
  if (found == group.members.end()) {
    answer({.error = KafkaError::kUnknownMemberId});
    return;
  }
  Member& member = found->second;
  group.protocol_type = request.protocol_type;
  member.connection = request.connection;
  member.session_timeout = request.session_timeout;
  member.protocols = std::move(request.protocols);
  member.last_heard = now;
  // A second join from the same member replaces its first: only the newest is answered.
  if (member.pending_join) member.pending_join({.error = KafkaError::kRebalanceInProgress});
  member.pending_join = std::move(answer);
  if (group.state != State::kPreparingRebalance) BeginRebalance(group, now);
  CompleteJoinIfReady(group);
}

void GroupCoordinator::BeginRebalance(Group& group, SteadyTime now) {
  group.state = State::kPreparingRebalance;
  std::chrono::milliseconds wait{0};
  for (auto& [id, member] : group.members) {
    wait = std::max(wait, member.session_timeout);
    if (member.pending_sync) {
      member.pending_sync({.error = KafkaError::kRebalanceInProgress});
      member.pending_sync = nullptr;
    }
  }
  group.rebalance_deadline = now + wait;
}

std::string GroupCoordinator::ChooseProtocol(const Group& group) const {
  const Member& leader = group.members.at(group.leader);
  for (const auto& [name, metadata] : leader.protocols) {
    const bool everyone = std::all_of(group.members.begin(), group.members.end(), [&](auto& each) {
      const auto& offered = each.second.protocols;
      return std::any_of(offered.begin(), offered.end(),
                         [&](auto& protocol) { return protocol.first == name; });
    });
    if (everyone) return name;
  }
  return {};
}

void GroupCoordinator::CompleteJoinIfReady(Group& group) {
  if (group.state != State::kPreparingRebalance) return;
  if (group.members.empty()) {
    group.state = State::kEmpty;
    return;
  }
  const bool all_joined = std::all_of(group.members.begin(), group.members.end(),
                                      [](auto& each) { return bool(each.second.pending_join); });
  if (!all_joined) return;
  if (!group.members.contains(group.leader)) group.leader = group.members.begin()->first;
  group.protocol = ChooseProtocol(group);
  ++group.generation;
  group.state = State::kCompletingRebalance;
  std::vector<std::pair<std::string, std::string>> subscriptions;
  for (auto& [id, member] : group.members) {
    for (const auto& [name, metadata] : member.protocols) {
      if (name == group.protocol) subscriptions.emplace_back(id, metadata);
    }
  }
  for (auto& [id, member] : group.members) {
    JoinCallback answer = std::move(member.pending_join);
    member.pending_join = nullptr;
    answer({.error =
                group.protocol.empty() ? KafkaError::kInconsistentGroupProtocol : KafkaError::kNone,
            .generation = group.generation,
            .protocol = group.protocol,
            .leader = group.leader,
            .member_id = id,
            .members = id == group.leader ? subscriptions
                                          : std::vector<std::pair<std::string, std::string>>{}});
  }
}

void GroupCoordinator::Sync(const std::string& group_id, int32_t generation,
                            const std::string& member_id,
                            std::vector<std::pair<std::string, std::string>> assignments,
                            SteadyTime now, SyncCallback answer) {
  auto group_found = groups_.find(group_id);
  if (group_found == groups_.end() || !group_found->second.members.contains(member_id)) {
    answer({.error = KafkaError::kUnknownMemberId});
    return;
  }
  Group& group = group_found->second;
  Member& member = group.members.at(member_id);
  member.last_heard = now;
  if (group.state == State::kPreparingRebalance) {
    answer({.error = KafkaError::kRebalanceInProgress});
    return;
  }
  if (generation != group.generation) {
    answer({.error = KafkaError::kIllegalGeneration});
    return;
  }
  if (group.state == State::kStable) {
    answer({.assignment = member.assignment});
    return;
  }
  // Completing the rebalance: the leader's assignment completes it for everyone.
  if (member_id != group.leader) {
    member.pending_sync = std::move(answer);
    return;
  }
  for (auto& [id, each] : group.members) each.assignment.clear();
  for (auto& [id, assignment] : assignments) {
    if (auto assigned = group.members.find(id); assigned != group.members.end())
      assigned->second.assignment = std::move(assignment);
  }
  group.state = State::kStable;
  answer({.assignment = member.assignment});
  for (auto& [id, each] : group.members) {
    if (!each.pending_sync) continue;
    SyncCallback waiting = std::move(each.pending_sync);
    each.pending_sync = nullptr;
    waiting({.assignment = each.assignment});
  }
}

KafkaError GroupCoordinator::Heartbeat(const std::string& group_id, int32_t generation,
                                       const std::string& member_id, SteadyTime now) {
  auto group_found = groups_.find(group_id);
  if (group_found == groups_.end() || !group_found->second.members.contains(member_id))
    return KafkaError::kUnknownMemberId;
  Group& group = group_found->second;
  group.members.at(member_id).last_heard = now;
  if (group.state == State::kPreparingRebalance) return KafkaError::kRebalanceInProgress;
  if (generation != group.generation) return KafkaError::kIllegalGeneration;
  return KafkaError::kNone;
}

KafkaError GroupCoordinator::Leave(const std::string& group_id, const std::string& member_id,
                                   SteadyTime now) {
  auto group_found = groups_.find(group_id);
  if (group_found == groups_.end() || !group_found->second.members.contains(member_id))
    return KafkaError::kUnknownMemberId;
  Remove(group_found->second, member_id, now);
  return KafkaError::kNone;
}

void GroupCoordinator::Remove(Group& group, const std::string& member_id, SteadyTime now) {
  auto found = group.members.find(member_id);
  if (found == group.members.end()) return;
  Member removed = std::move(found->second);
  group.members.erase(found);
  if (removed.pending_join) removed.pending_join({.error = KafkaError::kUnknownMemberId});
  if (removed.pending_sync) removed.pending_sync({.error = KafkaError::kUnknownMemberId});
  if (group.members.empty()) {
    group.state = State::kEmpty;
    return;
  }
  // The others must rejoin so that its partitions are assigned again.
  if (group.state != State::kPreparingRebalance) BeginRebalance(group, now);
  CompleteJoinIfReady(group);
}

KafkaError GroupCoordinator::Commit(const std::string& group_id, int32_t generation,
                                    const std::string& member_id, const TopicPartition& partition,
                                    CommittedOffset offset) {
  Group& group = groups_[group_id];
  const bool outside_membership = generation == -1 && member_id.empty();
  if (!outside_membership) {
    if (!group.members.contains(member_id)) return KafkaError::kUnknownMemberId;
    if (group.state == State::kPreparingRebalance || group.state == State::kCompletingRebalance)
      return KafkaError::kRebalanceInProgress;
    if (generation != group.generation) return KafkaError::kIllegalGeneration;
  }
  group.offsets[partition] = std::move(offset);
  return KafkaError::kNone;
}

CommittedOffset GroupCoordinator::Committed(const std::string& group_id,
                                            const TopicPartition& partition) const {
  auto group = groups_.find(group_id);
  if (group == groups_.end()) return {};
  auto offset = group->second.offsets.find(partition);
  return offset == group->second.offsets.end() ? CommittedOffset{} : offset->second;
}

void GroupCoordinator::ConnectionClosed(ConnectionId connection, SteadyTime now) {
  for (auto& [group_id, group] : groups_) {
    std::vector<std::string> gone;
    for (auto& [id, member] : group.members) {
      if (member.connection == connection) gone.push_back(id);
    }
    for (const std::string& id : gone) Remove(group, id, now);
  }
}

void GroupCoordinator::Expire(SteadyTime now) {
  for (auto& [group_id, group] : groups_) {
    std::vector<std::string> gone;
    const bool rebalance_overdue =
        group.state == State::kPreparingRebalance && now >= group.rebalance_deadline;
    for (auto& [id, member] : group.members) {
      // A member waiting in JoinGroup is alive: its answer is what it waits for.
      if (member.pending_join) continue;
      if (rebalance_overdue || now - member.last_heard > member.session_timeout) gone.push_back(id);
    }
    for (const std::string& id : gone) Remove(group, id, now);
  }
}

}  // namespace tinysaga::kafka_broker
