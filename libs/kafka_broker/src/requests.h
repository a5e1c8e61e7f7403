#pragma once
// The broker's state (topics, partition logs, consumer groups, producer ids) and its answer
// to each Kafka request it supports. Internal to libs/kafka_broker.
//
// Only the API versions a librdkafka 2.0 client needs are offered, each at one version it
// will pick (the highest both sides support) and without the "flexible" encoding, except
// ApiVersions itself, which a client first sends at v3. Lifecycle: owned by the server,
// used only on its network thread.

#include <cstdint>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "asio.h"
#include "group_coordinator.h"
#include "partition_log.h"
#include "tinysaga/kafka_broker/broker.h"
#include "wire.h"

namespace tinysaga::kafka_broker {

struct RequestHeader {
  int16_t api_key = 0;
  int16_t api_version = 0;
  int32_t correlation_id = 0;
  std::string client_id;
  ConnectionId connection = 0;
};

// Reads a request's header; the reader is left at the request's body.
RequestHeader ReadRequestHeader(Reader& reader, ConnectionId connection);

class Requests {
 public:
  Requests(const BrokerOptions& options, std::string host, int32_t port);

  // The response body (after the correlation id), or nullopt when the request has none (a
  // produce with acks=0). Throws WireError on a request it cannot read or does not support.
  Awaitable<std::optional<std::string>> Answer(const RequestHeader& header, Reader& body);

  GroupCoordinator& groups() { return groups_; }

 private:
  std::string ApiVersions(const RequestHeader& header);
  std::string Metadata(const RequestHeader& header, Reader& body);
  std::optional<std::string> Produce(Reader& body);
  Awaitable<std::string> Fetch(Reader& body);
  std::string ListOffsets(Reader& body);
  std::string FindCoordinator();
  std::string InitProducerId();
  Awaitable<std::string> JoinGroup(const RequestHeader& header, Reader& body);
  Awaitable<std::string> SyncGroup(Reader& body);
  std::string Heartbeat(Reader& body);
  std::string LeaveGroup(Reader& body);
  std::string OffsetCommit(Reader& body);
  std::string OffsetFetch(Reader& body);

  PartitionLog* Log(const std::string& topic, int32_t partition);
  void WakeFetchesOf(const std::string& topic);

  struct FetchWaiter {
    Wakeup* wakeup;
    const std::vector<std::string>* topics;
  };

  std::string host_;
  int32_t port_;
  std::map<std::string, std::vector<PartitionLog>> topics_;
  GroupCoordinator groups_;
  int64_t producer_ids_given_ = 0;
  std::list<FetchWaiter> fetch_waiters_;
};

}  // namespace tinysaga::kafka_broker
