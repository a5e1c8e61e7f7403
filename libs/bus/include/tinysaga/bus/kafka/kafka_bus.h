#pragma once
// The Bus on Kafka through librdkafka's C++ API. Every librdkafka option is set explicitly in
// kafka_bus.cpp with the reason next to it (and listed in libs/bus/README.md).
//
// Producer: idempotent (acks=all, enable.idempotence=true), so the broker stores each message
// once and in order per partition even when librdkafka retries. Publish() blocks until every
// message of the batch has its delivery report.
// Consumer: a consumer-group member with auto-commit off; offsets are committed only by
// Commit(), i.e. after the effects committed.
//
// Lifecycle: KafkaBus only holds the options; each producer and consumer owns its librdkafka
// handle and closes it on destruction (a consumer leaves its group, a producer flushes for up
// to flush_timeout and then purges). Thread safety as in bus.h. librdkafka's callbacks never
// let an exception out.

#include <chrono>
#include <memory>
#include <string>

#include "tinysaga/bus/bus.h"

namespace tinysaga::bus {

struct KafkaOptions {
  std::string bootstrap_servers;  // "host:port,host:port"
  std::string client_id = "tinysaga";
  // How long a message may wait for its acknowledgement (librdkafka's message.timeout.ms).
  std::chrono::milliseconds publish_timeout{30'000};
  // Producer destruction: how long to wait for in-flight messages before purging them.
  std::chrono::milliseconds flush_timeout{5'000};
  // How long the group may miss this member's heartbeats before reassigning its partitions.
  std::chrono::milliseconds session_timeout{6'000};
  // How long the broker may hold an empty fetch (librdkafka's fetch.wait.max.ms). Kafka and
  // the development broker answer a held fetch as soon as data arrives, so this bounds only
  // the idle fetches (and how long closing a consumer may wait for the one in flight).
  std::chrono::milliseconds fetch_wait_max{100};
};

class KafkaBus final : public Bus {
 public:
  explicit KafkaBus(KafkaOptions options);

  Result<std::unique_ptr<Producer>> NewProducer() override;
  Result<std::unique_ptr<Consumer>> NewConsumer(const ConsumerOptions& options) override;

 private:
  KafkaOptions options_;
};

}  // namespace tinysaga::bus
