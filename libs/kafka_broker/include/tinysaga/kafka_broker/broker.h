#pragma once
// A Kafka-protocol broker for development and tests: one node on 127.0.0.1 (a random port),
// every topic and offset in memory, spoken to by librdkafka (or any Kafka client) from any
// process. It replaces librdkafka's mock cluster, whose design cost every saga hop time and
// CPU (measured in libs/kafka_broker/README.md):
// - a fetch that finds nothing is answered as soon as a message arrives, not after the full
//   fetch.wait.max.ms, so consumers can wait long without adding latency to a hop;
// - a fetch finds its offset by binary search, not by walking the partition from the start;
// - a consumer group forms as soon as its members have joined (no 3 s initial delay), and a
//   member whose process died leaves when its connection closes, not after its session timeout.
// Not for production: no replication, no persistence, no authentication, no transactions.
//
// Lifecycle: Start() binds, creates the topics and serves from its own thread; destruction
// stops it (clients see their connections close) and frees everything it held.
// Thread-safe accessors.

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "tinysaga/core/result.h"

namespace tinysaga::kafka_broker {

struct BrokerOptions {
  std::vector<std::string> topics;  // created at start; a client cannot create more
  int partitions = 8;               // per topic: the most consumers of one group that share it
  // Per partition; beyond it the oldest batches go, as Kafka's retention would drop them.
  size_t retained_bytes_per_partition = 64 * 1024 * 1024;
};

class Broker {
 public:
  static Result<std::unique_ptr<Broker>> Start(const BrokerOptions& options);
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  const std::string& bootstrap_servers() const;  // "127.0.0.1:PORT"

 private:
  struct Server;
  explicit Broker(std::unique_ptr<Server> server);
  std::unique_ptr<Server> server_;
};

// `tinysaga broker`: runs a broker until SIGINT or SIGTERM. Prints "tinysaga broker:
// bootstrap=HOST:PORT" on stdout and, when `bootstrap_file` is set, writes the address there too
// (atomically, by rename; removed again on a clean stop, so that no one dials a broker that is
// gone). Blocks the two signals in the calling thread and waits for them with sigwait, so it
// needs no signal handler. Returns the process exit code.
int RunBroker(const BrokerOptions& options, const std::string& bootstrap_file);

}  // namespace tinysaga::kafka_broker
