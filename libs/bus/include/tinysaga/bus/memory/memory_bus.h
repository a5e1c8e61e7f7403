#pragma once
// An in-memory Bus for tests and the deterministic simulator: partitioned topic logs,
// consumer groups with committed offsets, eager rebalancing, and a fault hook that can fail,
// drop, duplicate or delay published messages. No threads and no waiting: Poll() returns what
// is there now. The same calls in the same order (and the same fault seed) give the same
// deliveries.
//
// Lifecycle and ownership: producers and consumers share the bus state, so they may outlive
// the MemoryBus object. Thread-safe: one mutex guards the state (the simulator is
// single-threaded; tests with threads are still correct). The fault hook runs under that
// mutex and must not call back into the bus.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "tinysaga/bus/bus.h"
#include "tinysaga/core/rng.h"

namespace tinysaga::bus {

enum class FaultKind {
  kNone,
  kFailPublish,  // Publish() returns kUnavailable; this and later messages of the batch are not
                 // stored
  kDrop,         // acknowledged but lost, as a development broker that lost its data
  kDuplicate,    // stored twice, as after a producer retry whose first acknowledgement was lost
  kDelay,        // stored only after `delay_messages` later messages: other keys overtake it
};

struct Fault {
  FaultKind kind = FaultKind::kNone;
  int delay_messages = 1;  // kDelay only; at least 1
};

// Decides the fault for each published message, in publish order.
using FaultHook = std::function<Fault(const Message&)>;

// Probabilities in parts per million, each drawn from `rng` per message.
struct RandomFaultOptions {
  uint32_t fail_publish_ppm = 0;
  uint32_t drop_ppm = 0;
  uint32_t duplicate_ppm = 0;
  uint32_t delay_ppm = 0;
  int delay_messages_max = 8;
};

// A hook driven by `rng`, which must outlive it. One draw per message, so a seed replays.
FaultHook RandomFaults(RandomFaultOptions options, Rng& rng);

struct MemoryBusOptions {
  int32_t partitions = 4;  // per topic; topics are created on first use
  // Kafka never reorders one key's messages, so by default a message queued behind a delayed
  // one of its key waits for it. True lets the key's later messages overtake (tests only).
  bool reorder_same_key = false;
};

struct MemoryBusCounters {
  uint64_t published = 0;  // messages acknowledged to producers
  uint64_t stored = 0;     // appended to a partition log (duplicates count twice)
  uint64_t failed = 0;
  uint64_t dropped = 0;
  uint64_t duplicated = 0;
  uint64_t delayed = 0;
};

class MemoryBus final : public Bus {
 public:
  explicit MemoryBus(MemoryBusOptions options = {});
  ~MemoryBus() override;

  Result<std::unique_ptr<Producer>> NewProducer() override;
  Result<std::unique_ptr<Consumer>> NewConsumer(const ConsumerOptions& options) override;

  // Replaces the fault hook; an empty hook means no faults.
  void SetFaultHook(FaultHook hook);
  // Stores every delayed message now, in the order they were held back.
  void ReleaseDelayed();
  // Loses every topic's log, every held message and every group's committed offsets at once,
  // as a development broker that restarts empty: members start over from the new, empty logs.
  // (The simulator's `broker-loses-log` fault; nothing else calls it.)
  void LoseEverything();

  // Inspection for tests and the simulator's invariant checks.
  int32_t PartitionOf(std::string_view key) const;
  // Every stored message of the topic, partition by partition, in offset order.
  std::vector<Delivery> Stored(std::string_view topic) const;
  size_t DelayedCount() const;
  // Stored but not yet committed by the group, over all partitions of the topic.
  int64_t Lag(std::string_view group, std::string_view topic) const;
  MemoryBusCounters counters() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace tinysaga::bus
