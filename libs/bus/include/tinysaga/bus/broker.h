#pragma once
// `tinysaga broker`: a development Kafka cluster in one process, librdkafka's mock cluster.
// It speaks the Kafka protocol on 127.0.0.1 (random ports) to any process, keeps everything in
// memory, and is good enough for `tinysaga up` on a machine without Kafka. Known limits: a
// group's first join takes about 3 s and a rejoin after a crash takes session.timeout.ms,
// each partition keeps only about 5 MiB, and transactions are not really implemented.

#include <memory>
#include <string>
#include <vector>

#include "tinysaga/core/result.h"

struct rd_kafka_s;
struct rd_kafka_mock_cluster_s;

namespace tinysaga::bus {

struct BrokerOptions {
  // One broker: each mock broker is one more thread that every client fetches from and
  // heartbeats to (measured at C=16: 1 broker 143 sagas/s, 11.1 ms CPU per saga; 3 brokers
  // 129/s, 12.8 ms). `tinysaga broker --brokers 3` spreads leadership as production would.
  int broker_count = 1;
  int partitions = 8;    // per topic: the most consumers of one group that can share a topic
  std::vector<std::string> topics;  // created at start (the contracts' topic list)
  bool dead_letter_topics = true;   // also create "<topic>.dlq" for each topic
  std::string bootstrap_file;       // when set, the bootstrap address is also written here
};

// A running mock cluster. Lifecycle: Start() creates it and its topics; destruction stops the
// brokers (clients see the connection close). Thread-safe accessors; owns its librdkafka handle.
class MockCluster {
 public:
  static Result<std::unique_ptr<MockCluster>> Start(const BrokerOptions& options);
  ~MockCluster();
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  // "127.0.0.1:PORT,127.0.0.1:PORT,..."
  const std::string& bootstrap_servers() const { return bootstrap_servers_; }

 private:
  MockCluster() = default;

  rd_kafka_s* handle_ = nullptr;                // owns the mock cluster
  rd_kafka_mock_cluster_s* cluster_ = nullptr;  // owned by handle_
  std::string bootstrap_servers_;
};

// Runs the broker until SIGINT or SIGTERM: prints "tinysaga broker: bootstrap=HOST:PORT,..." on
// stdout, writes the address to bootstrap_file (atomically, by rename) when set. Blocks the two
// signals in the calling thread and waits for them with sigwait, so it needs no signal handler.
// Returns the process exit code.
int RunBroker(const BrokerOptions& options);

}  // namespace tinysaga::bus
