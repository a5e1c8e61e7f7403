#include "tinysaga/bus/memory/memory_bus.h"

#include <algorithm>
#include <cassert>
#include <map>
#include <mutex>
#include <set>
#include <utility>

namespace tinysaga::bus {
namespace {

// FNV-1a: stable across runs and platforms, so a seed replays the same partitioning.
uint64_t HashKey(std::string_view key) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : key) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

using TopicPartition = std::pair<std::string, int32_t>;

struct Held {
  Message message;
  int remaining = 1;  // direct appends still to come before it is stored
};

struct Group {
  std::map<TopicPartition, int64_t> committed;           // next offset to deliver after a restart
  std::map<uint64_t, std::vector<std::string>> members;  // member id -> subscribed topics
  uint64_t generation = 0;  // bumped by every join, leave and new topic: members reassign
};

}  // namespace

struct MemoryBus::State {
  mutable std::mutex mutex;
  MemoryBusOptions options;
  FaultHook fault_hook;
  std::map<std::string, std::vector<std::vector<Message>>, std::less<>> topics;
  std::vector<Held> held;
  std::map<std::string, Group, std::less<>> groups;
  uint64_t next_member_id = 1;
  MemoryBusCounters counters;
  uint64_t appends = 0;  // messages appended to any log, ever: a poll that found none compares

  int32_t PartitionOf(std::string_view key) const {
    return static_cast<int32_t>(HashKey(key) % static_cast<uint64_t>(options.partitions));
  }

  static bool Subscribes(const Group& group, const std::string& topic) {
    for (const auto& [id, member_topics] : group.members) {
      if (std::find(member_topics.begin(), member_topics.end(), topic) != member_topics.end())
        return true;
    }
    return false;
  }

  std::vector<std::vector<Message>>& Topic(const std::string& name) {
    auto it = topics.find(name);
    if (it != topics.end()) return it->second;
    for (auto& [group_name, group] : groups) {
      if (Subscribes(group, name)) ++group.generation;  // new partitions to assign
    }
    return topics.emplace(name, std::vector<std::vector<Message>>(options.partitions))
        .first->second;
  }

  void Store(const Message& message) {
    Topic(message.topic)[PartitionOf(message.key)].push_back(message);
    ++counters.stored;
    ++appends;
  }

  // A direct append moves every held message one step closer to being stored; those that
  // reach zero are stored in the order they were held, which keeps a key's order.
  void StoreAndTick(const Message& message) {
    Store(message);
    for (Held& held_message : held) --held_message.remaining;
    std::vector<Held> still_held;
    for (Held& held_message : held) {
      if (held_message.remaining <= 0) {
        Store(held_message.message);
      } else {
        still_held.push_back(std::move(held_message));
      }
    }
    held = std::move(still_held);
  }

  // The held message of the same topic and key that a new one must wait behind, if any.
  const Held* HeldAhead(const Message& message) const {
    if (options.reorder_same_key) return nullptr;
    const Held* ahead = nullptr;
    for (const Held& held_message : held) {
      if (held_message.message.topic == message.topic && held_message.message.key == message.key) {
        ahead = &held_message;
      }
    }
    return ahead;
  }

  void Accept(const Message& message, Fault fault) {
    ++counters.published;
    if (fault.kind == FaultKind::kDrop) {
      ++counters.dropped;
      return;
    }
    const int copies = fault.kind == FaultKind::kDuplicate ? 2 : 1;
    if (copies == 2) ++counters.duplicated;
    const Held* ahead = HeldAhead(message);
    if (fault.kind == FaultKind::kDelay || ahead != nullptr) {
      int remaining = fault.kind == FaultKind::kDelay ? std::max(1, fault.delay_messages) : 1;
      if (ahead != nullptr) remaining = std::max(remaining, ahead->remaining);
      if (fault.kind == FaultKind::kDelay) ++counters.delayed;
      for (int i = 0; i < copies; ++i) held.push_back(Held{message, remaining});
      return;
    }
    for (int i = 0; i < copies; ++i) StoreAndTick(message);
  }

  Result<void> Publish(std::span<const Message> batch) {
    std::lock_guard lock(mutex);
    for (size_t i = 0; i < batch.size(); ++i) {
      const Fault fault = fault_hook ? fault_hook(batch[i]) : Fault{};
      if (fault.kind == FaultKind::kFailPublish) {
        counters.failed += batch.size() - i;
        return MakeError(Errc::kUnavailable, "injected publish failure at message " + batch[i].id);
      }
      Accept(batch[i], fault);
    }
    return Ok();
  }

  void ReleaseDelayed() {
    for (Held& held_message : held) Store(held_message.message);
    held.clear();
  }

  // Eager assignment like Kafka's round-robin assignor: every partition of the group's topics,
  // in name order, goes to the next member (by id) that subscribes to its topic.
  std::vector<TopicPartition> AssignmentOf(const Group& group, uint64_t member_id) {
    std::set<std::string> all_topics;
    for (const auto& [id, member_topics] : group.members) {
      all_topics.insert(member_topics.begin(), member_topics.end());
    }
    std::vector<TopicPartition> assigned;
    for (const std::string& topic : all_topics) {
      std::vector<uint64_t> eligible;
      for (const auto& [id, member_topics] : group.members) {
        if (std::find(member_topics.begin(), member_topics.end(), topic) != member_topics.end()) {
          eligible.push_back(id);
        }
      }
      const int32_t partitions = static_cast<int32_t>(Topic(topic).size());
      for (int32_t partition = 0; partition < partitions; ++partition) {
        if (eligible[partition % eligible.size()] == member_id)
          assigned.emplace_back(topic, partition);
      }
    }
    return assigned;
  }
};

namespace {

class MemoryProducer final : public Producer {
 public:
  explicit MemoryProducer(std::shared_ptr<MemoryBus::State> state) : state_(std::move(state)) {}
  Result<void> Publish(std::span<const Message> batch) override { return state_->Publish(batch); }

 private:
  std::shared_ptr<MemoryBus::State> state_;
};

// One group member. Positions start at the committed offsets whenever the group's generation
// changes (a join, a leave or a new topic), as in Kafka's eager rebalance protocol.
class MemoryConsumer final : public Consumer {
 public:
  MemoryConsumer(std::shared_ptr<MemoryBus::State> state, ConsumerOptions options)
      : state_(std::move(state)), options_(std::move(options)) {
    std::lock_guard lock(state_->mutex);
    for (const std::string& topic : options_.topics) state_->Topic(topic);
    Group& group = state_->groups[options_.group];
    member_id_ = state_->next_member_id++;
    group.members[member_id_] = options_.topics;
    ++group.generation;
  }

  ~MemoryConsumer() override {
    std::lock_guard lock(state_->mutex);
    Group& group = state_->groups[options_.group];
    group.members.erase(member_id_);
    ++group.generation;
  }

  Result<std::vector<Delivery>> Poll(size_t max_messages, std::chrono::milliseconds) override {
    std::lock_guard lock(state_->mutex);
    Rebalance();
    std::vector<Delivery> deliveries;
    const size_t count = assignment_.size();
    // Nothing appended and no rebalance since a poll that reached the end of every assigned
    // log: this one finds nothing either, without looking up each partition (most polls of a
    // simulation, where every consumer polls at every step).
    if (at_end_ && at_end_appends_ == state_->appends && at_end_generation_ == generation_) {
      if (count > 0) first_partition_ = (first_partition_ + 1) % count;
      return deliveries;
    }
    // Start one partition further each time, so no partition starves the others.
    for (size_t step = 0; step < count && deliveries.size() < max_messages; ++step) {
      const TopicPartition& tp = assignment_[(first_partition_ + step) % count];
      const std::vector<Message>& log = state_->Topic(tp.first)[tp.second];
      int64_t& position = positions_[tp];
      while (position < static_cast<int64_t>(log.size()) && deliveries.size() < max_messages) {
        deliveries.push_back(Delivery{log[position], tp.second, position});
        ++position;
      }
    }
    if (count > 0) first_partition_ = (first_partition_ + 1) % count;
    at_end_ = deliveries.empty() && max_messages > 0;
    at_end_appends_ = state_->appends;
    at_end_generation_ = generation_;
    return deliveries;
  }

  Result<void> Commit(std::span<const Delivery> processed) override {
    std::lock_guard lock(state_->mutex);
    Group& group = state_->groups[options_.group];
    std::map<TopicPartition, int64_t> next;
    for (const Delivery& delivery : processed) {
      TopicPartition tp{delivery.message.topic, delivery.partition};
      if (std::find(assignment_.begin(), assignment_.end(), tp) == assignment_.end() ||
          generation_ != group.generation) {
        return MakeError(Errc::kConflict, "partition " + tp.first + "/" +
                                              std::to_string(tp.second) +
                                              " is no longer assigned to this member");
      }
      next[tp] = std::max(next[tp], delivery.offset + 1);
    }
    for (const auto& [tp, offset] : next) group.committed[tp] = offset;
    return Ok();
  }

 private:
  void Rebalance() {
    Group& group = state_->groups[options_.group];
    if (generation_ == group.generation) return;
    generation_ = group.generation;
    assignment_ = state_->AssignmentOf(group, member_id_);
    positions_.clear();
    for (const TopicPartition& tp : assignment_) positions_[tp] = group.committed[tp];
    first_partition_ = 0;
  }

  std::shared_ptr<MemoryBus::State> state_;
  ConsumerOptions options_;
  uint64_t member_id_ = 0;
  uint64_t generation_ = UINT64_MAX;
  std::vector<TopicPartition> assignment_;
  std::map<TopicPartition, int64_t> positions_;
  size_t first_partition_ = 0;
  // The last poll found nothing, at state_->appends == at_end_appends_ and this generation.
  bool at_end_ = false;
  uint64_t at_end_appends_ = 0;
  uint64_t at_end_generation_ = 0;
};

}  // namespace

FaultHook RandomFaults(RandomFaultOptions options, Rng& rng) {
  return [options, &rng](const Message&) {
    // One draw decides the kind, a second the delay, always both: the number of draws per
    // message is fixed, so changing one probability does not shift every later decision.
    const uint64_t draw = rng.Below(1'000'000);
    const int delay =
        1 +
        static_cast<int>(rng.Below(static_cast<uint64_t>(std::max(1, options.delay_messages_max))));
    uint64_t threshold = options.fail_publish_ppm;
    if (draw < threshold) return Fault{FaultKind::kFailPublish};
    threshold += options.drop_ppm;
    if (draw < threshold) return Fault{FaultKind::kDrop};
    threshold += options.duplicate_ppm;
    if (draw < threshold) return Fault{FaultKind::kDuplicate};
    threshold += options.delay_ppm;
    if (draw < threshold) return Fault{FaultKind::kDelay, delay};
    return Fault{};
  };
}

MemoryBus::MemoryBus(MemoryBusOptions options) : state_(std::make_shared<State>()) {
  assert(options.partitions > 0);
  state_->options = options;
}

MemoryBus::~MemoryBus() = default;

Result<std::unique_ptr<Producer>> MemoryBus::NewProducer() {
  return std::unique_ptr<Producer>(std::make_unique<MemoryProducer>(state_));
}

Result<std::unique_ptr<Consumer>> MemoryBus::NewConsumer(const ConsumerOptions& options) {
  if (options.group.empty() || options.topics.empty()) {
    return MakeError(Errc::kInvalidRequest, "a consumer needs a group and at least one topic");
  }
  return std::unique_ptr<Consumer>(std::make_unique<MemoryConsumer>(state_, options));
}

void MemoryBus::SetFaultHook(FaultHook hook) {
  std::lock_guard lock(state_->mutex);
  state_->fault_hook = std::move(hook);
}

void MemoryBus::ReleaseDelayed() {
  std::lock_guard lock(state_->mutex);
  state_->ReleaseDelayed();
}

void MemoryBus::LoseEverything() {
  std::lock_guard lock(state_->mutex);
  for (auto& [name, partitions] : state_->topics) {
    for (std::vector<Message>& log : partitions) log.clear();
  }
  state_->held.clear();
  for (auto& [name, group] : state_->groups) {
    group.committed.clear();
    ++group.generation;  // every member takes its positions again: offset 0 of the new logs
  }
}

int32_t MemoryBus::PartitionOf(std::string_view key) const { return state_->PartitionOf(key); }

std::vector<Delivery> MemoryBus::Stored(std::string_view topic) const {
  std::lock_guard lock(state_->mutex);
  std::vector<Delivery> stored;
  auto it = state_->topics.find(topic);
  if (it == state_->topics.end()) return stored;
  for (size_t partition = 0; partition < it->second.size(); ++partition) {
    const std::vector<Message>& log = it->second[partition];
    for (size_t offset = 0; offset < log.size(); ++offset) {
      stored.push_back(
          Delivery{log[offset], static_cast<int32_t>(partition), static_cast<int64_t>(offset)});
    }
  }
  return stored;
}

size_t MemoryBus::DelayedCount() const {
  std::lock_guard lock(state_->mutex);
  return state_->held.size();
}

int64_t MemoryBus::Lag(std::string_view group_name, std::string_view topic) const {
  std::lock_guard lock(state_->mutex);
  auto topic_it = state_->topics.find(topic);
  if (topic_it == state_->topics.end()) return 0;
  auto group_it = state_->groups.find(group_name);
  int64_t lag = 0;
  for (size_t partition = 0; partition < topic_it->second.size(); ++partition) {
    int64_t committed = 0;
    if (group_it != state_->groups.end()) {
      auto offset_it =
          group_it->second.committed.find({std::string(topic), static_cast<int32_t>(partition)});
      if (offset_it != group_it->second.committed.end()) committed = offset_it->second;
    }
    lag += static_cast<int64_t>(topic_it->second[partition].size()) - committed;
  }
  return lag;
}

MemoryBusCounters MemoryBus::counters() const {
  std::lock_guard lock(state_->mutex);
  return state_->counters;
}

}  // namespace tinysaga::bus
