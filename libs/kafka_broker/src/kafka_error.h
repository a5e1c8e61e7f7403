#pragma once
// The Kafka protocol's error codes this broker answers with. Internal to libs/kafka_broker.

#include <cstdint>

namespace tinysaga::kafka_broker {

enum class KafkaError : int16_t {
  kNone = 0,
  kOffsetOutOfRange = 1,
  kCorruptMessage = 2,
  kUnknownTopicOrPartition = 3,
  kIllegalGeneration = 22,
  kInconsistentGroupProtocol = 23,
  kUnknownMemberId = 25,
  kInvalidSessionTimeout = 26,
  kRebalanceInProgress = 27,
  kInvalidRequest = 42,
};

}  // namespace tinysaga::kafka_broker
