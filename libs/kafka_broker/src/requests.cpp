#include "requests.h"

#include <algorithm>
#include <memory>

namespace tinysaga::kafka_broker {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

constexpr int32_t kNodeId = 1;

enum ApiKey : int16_t {
  kProduce = 0,
  kFetch = 1,
  kListOffsets = 2,
  kMetadata = 3,
  kOffsetCommit = 8,
  kOffsetFetch = 9,
  kFindCoordinator = 10,
  kJoinGroup = 11,
  kHeartbeat = 12,
  kLeaveGroup = 13,
  kSyncGroup = 14,
  kApiVersions = 18,
  kInitProducerId = 22,
};

struct ApiRange {
  int16_t key;
  int16_t version_min;  // 0 where librdkafka's feature check wants to see version 0 offered
  int16_t version_max;  // the version a client uses: the only one served, except as noted
};

// librdkafka enables a feature (idempotent producer, consumer groups, message format 2) when
// the offered ranges overlap the versions it lists for it, then uses the highest version both
// support: here, always version_max.
constexpr ApiRange kApis[] = {
    {kProduce, 0, 3},        {kFetch, 0, 4},       {kListOffsets, 0, 1},     {kMetadata, 0, 4},
    {kOffsetCommit, 0, 2},   {kOffsetFetch, 0, 1}, {kFindCoordinator, 0, 0}, {kJoinGroup, 0, 0},
    {kHeartbeat, 0, 0},      {kLeaveGroup, 0, 0},  {kSyncGroup, 0, 0},       {kApiVersions, 0, 3},
    {kInitProducerId, 0, 0},
};

// ApiVersions and Metadata are answered at every offered version; the others only at their
// highest, which is what librdkafka sends.
bool Served(const RequestHeader& header) {
  for (const ApiRange& api : kApis) {
    if (api.key != header.api_key) continue;
    if (api.key == kApiVersions || api.key == kMetadata)
      return header.api_version >= api.version_min && header.api_version <= api.version_max;
    return header.api_version == api.version_max;
  }
  return false;
}

// The answer to a JoinGroup or SyncGroup that arrives later, from another member's request.
// It holds no timer, so a coordinator destroyed after the network thread's context frees
// nothing of that context.
template <typename T>
struct Later {
  std::optional<T> value;
  Wakeup* waiting = nullptr;  // the waiting coroutine's, while it waits
  void Give(T given) {
    value = std::move(given);
    if (waiting != nullptr) waiting->Wake();
  }
};

// Group answers that must wait for other members are bounded, so a coordinator bug cannot hold
// a connection forever; the client retries.
constexpr milliseconds kGroupWaitMax{300'000};

// The answer, or past the bound REBALANCE_IN_PROGRESS (the client joins or syncs again).
template <typename T>
Awaitable<T> WaitFor(const std::shared_ptr<Later<T>>& later) {
  Wakeup wakeup(co_await asio::this_coro::executor);
  later->waiting = &wakeup;
  const auto deadline = SteadyClock::now() + kGroupWaitMax;
  while (!later->value && SteadyClock::now() < deadline) co_await wakeup.WaitUntil(deadline);
  later->waiting = nullptr;
  T answer;
  if (later->value) {
    answer = std::move(*later->value);
  } else {
    answer.error = KafkaError::kRebalanceInProgress;
  }
  co_return answer;
}

// Produce, ListOffsets, OffsetCommit and OffsetFetch share one frame: topics, each with its
// partitions, asked and answered in the same order. This reads and writes the frame, and each
// partition's index; `answer(topic, partition)` reads the rest of the partition's request and
// writes the rest of its answer.
template <typename Answer>
void EachPartition(Reader& body, Writer& out, Answer answer) {
  const int32_t topic_count = body.ArrayLength();
  out.ArrayLength(static_cast<size_t>(topic_count));
  for (int32_t t = 0; t < topic_count; ++t) {
    const std::string topic = body.String();
    out.String(topic);
    const int32_t partition_count = body.ArrayLength();
    out.ArrayLength(static_cast<size_t>(partition_count));
    for (int32_t p = 0; p < partition_count; ++p) {
      const int32_t partition = body.Int32();
      out.Int32(partition);
      answer(topic, partition);
    }
  }
}

}  // namespace

RequestHeader ReadRequestHeader(Reader& reader, ConnectionId connection) {
  RequestHeader header;
  header.api_key = reader.Int16();
  header.api_version = reader.Int16();
  header.correlation_id = reader.Int32();
  header.client_id = reader.NullableString();
  header.connection = connection;
  // Request header v2 (the flexible versions) ends with tagged fields; of the versions served,
  // only ApiVersions v3 is flexible.
  if (header.api_key == kApiVersions && header.api_version >= 3) reader.SkipTaggedFields();
  return header;
}

Requests::Requests(const BrokerOptions& options, std::string host, int32_t port)
    : host_(std::move(host)), port_(port) {
  for (const std::string& topic : options.topics) {
    topics_.emplace(topic,
                    std::vector<PartitionLog>(static_cast<size_t>(options.partitions),
                                              PartitionLog(options.retained_bytes_per_partition)));
  }
}

PartitionLog* Requests::Log(const std::string& topic, int32_t partition) {
  auto found = topics_.find(topic);
  if (found == topics_.end() || partition < 0 ||
      static_cast<size_t>(partition) >= found->second.size())
    return nullptr;
  return &found->second[static_cast<size_t>(partition)];
}

Awaitable<std::optional<std::string>> Requests::Answer(const RequestHeader& header, Reader& body) {
  if (!Served(header)) {
    throw WireError("unsupported request: api key " + std::to_string(header.api_key) + " version " +
                    std::to_string(header.api_version));
  }
  switch (header.api_key) {
    case kApiVersions:
      co_return ApiVersions(header);
    case kMetadata:
      co_return Metadata(header, body);
    case kProduce:
      co_return Produce(body);
    case kFetch:
      co_return co_await Fetch(body);
    case kListOffsets:
      co_return ListOffsets(body);
    case kFindCoordinator:
      co_return FindCoordinator();
    case kInitProducerId:
      co_return InitProducerId();
    case kJoinGroup:
      co_return co_await JoinGroup(header, body);
    case kSyncGroup:
      co_return co_await SyncGroup(body);
    case kHeartbeat:
      co_return Heartbeat(body);
    case kLeaveGroup:
      co_return LeaveGroup(body);
    case kOffsetCommit:
      co_return OffsetCommit(body);
    case kOffsetFetch:
      co_return OffsetFetch(body);
    default:
      throw WireError("unsupported api key " + std::to_string(header.api_key));
  }
}

std::string Requests::ApiVersions(const RequestHeader& header) {
  const bool flexible = header.api_version >= 3;
  Writer out;
  out.Int16(static_cast<int16_t>(KafkaError::kNone));
  if (flexible) {
    out.UnsignedVarint(static_cast<uint32_t>(std::size(kApis) + 1));
  } else {
    out.ArrayLength(std::size(kApis));
  }
  for (const ApiRange& api : kApis) {
    out.Int16(api.key);
    out.Int16(api.version_min);
    out.Int16(api.version_max);
    if (flexible) out.UnsignedVarint(0);  // no tagged fields
  }
  if (header.api_version >= 1) out.Int32(0);  // throttle time
  if (flexible) out.UnsignedVarint(0);
  return out.Take();
}

std::string Requests::Metadata(const RequestHeader& header, Reader& body) {
  const int16_t version = header.api_version;
  // v0: an empty list means every topic; v1 on: a null list does, an empty one means none.
  const int32_t count = body.Int32();
  std::vector<std::string> wanted;
  const bool every_topic = count < 0 || (version == 0 && count == 0);
  for (int32_t i = 0; i < std::max(count, 0); ++i) wanted.push_back(body.String());
  if (every_topic) {
    for (const auto& [name, partitions] : topics_) wanted.push_back(name);
  }
  Writer out;
  if (version >= 3) out.Int32(0);  // throttle time
  out.ArrayLength(1);
  out.Int32(kNodeId);
  out.String(host_);
  out.Int32(port_);
  if (version >= 1) out.NullString();    // rack
  if (version >= 2) out.NullString();    // cluster id
  if (version >= 1) out.Int32(kNodeId);  // controller
  out.ArrayLength(wanted.size());
  for (const std::string& name : wanted) {
    auto topic = topics_.find(name);
    out.Int16(static_cast<int16_t>(topic == topics_.end() ? KafkaError::kUnknownTopicOrPartition
                                                          : KafkaError::kNone));
    out.String(name);
    if (version >= 1) out.Int8(0);  // not internal
    const size_t partitions = topic == topics_.end() ? 0 : topic->second.size();
    out.ArrayLength(partitions);
    for (size_t partition = 0; partition < partitions; ++partition) {
      out.Int16(static_cast<int16_t>(KafkaError::kNone));
      out.Int32(static_cast<int32_t>(partition));
      out.Int32(kNodeId);  // leader
      out.ArrayLength(1);  // replicas
      out.Int32(kNodeId);
      out.ArrayLength(1);  // in-sync replicas
      out.Int32(kNodeId);
    }
  }
  return out.Take();
}

std::optional<std::string> Requests::Produce(Reader& body) {
  (void)body.NullableString();  // transactional id: transactions are not offered
  const int16_t acks = body.Int16();
  (void)body.Int32();  // timeout: nothing is replicated, so nothing is waited for
  Writer out;
  EachPartition(body, out, [&](const std::string& topic, int32_t partition) {
    const std::string_view records = body.Bytes();
    PartitionLog* log = Log(topic, partition);
    const std::optional<int64_t> base_offset = log ? log->Append(records) : std::nullopt;
    if (base_offset) WakeFetchesOf(topic);
    const KafkaError error = !log          ? KafkaError::kUnknownTopicOrPartition
                             : base_offset ? KafkaError::kNone
                                           : KafkaError::kCorruptMessage;
    out.Int16(static_cast<int16_t>(error));
    out.Int64(base_offset.value_or(-1));
    out.Int64(-1);  // log append time: the producer's create time is kept
  });
  out.Int32(0);  // throttle time
  if (acks == 0) return std::nullopt;
  return out.Take();
}

void Requests::WakeFetchesOf(const std::string& topic) {
  for (const FetchWaiter& waiter : fetch_waiters_) {
    if (std::find(waiter.topics->begin(), waiter.topics->end(), topic) != waiter.topics->end())
      waiter.wakeup->Wake();
  }
}

Awaitable<std::string> Requests::Fetch(Reader& body) {
  struct Wanted {
    std::string topic;
    int32_t partition;
    int64_t offset;
    int32_t bytes_max;
  };
  (void)body.Int32();  // replica id
  const milliseconds wait_max{std::clamp(body.Int32(), 0, 30'000)};
  // fetch.min.bytes above 1 is not honoured: any data answers a fetch at once.
  const int32_t bytes_min = body.Int32();
  const int32_t response_bytes_max = body.Int32();
  (void)body.Int8();  // isolation level: without transactions everything is committed
  std::vector<Wanted> wanted;
  std::vector<std::string> topics;
  for (int32_t t = 0, topic_count = body.ArrayLength(); t < topic_count; ++t) {
    topics.push_back(body.String());
    for (int32_t p = 0, count = body.ArrayLength(); p < count; ++p) {
      const int32_t partition = body.Int32();
      const int64_t offset = body.Int64();
      wanted.push_back({topics.back(), partition, offset, body.Int32()});
    }
  }
  // Anything to say: data, or an error (unknown partition, offset out of range).
  auto ready = [&] {
    return std::any_of(wanted.begin(), wanted.end(), [&](const Wanted& each) {
      const PartitionLog* log = Log(each.topic, each.partition);
      return log == nullptr || each.offset != log->end_offset();
    });
  };
  if (bytes_min > 0 && wait_max > milliseconds::zero() && !ready()) {
    Wakeup wakeup(co_await asio::this_coro::executor);
    const auto waiter = fetch_waiters_.insert(fetch_waiters_.end(), {&wakeup, &topics});
    const auto deadline = SteadyClock::now() + wait_max;
    while (!ready() && SteadyClock::now() < deadline) co_await wakeup.WaitUntil(deadline);
    fetch_waiters_.erase(waiter);
  }

  Writer out;
  out.Int32(0);  // throttle time
  out.ArrayLength(topics.size());
  size_t response_bytes = 0;
  auto each = wanted.begin();
  for (const std::string& topic : topics) {
    out.String(topic);
    const auto topic_end =
        std::find_if(each, wanted.end(), [&](const Wanted& w) { return w.topic != topic; });
    out.ArrayLength(static_cast<size_t>(topic_end - each));
    for (; each != topic_end; ++each) {
      const PartitionLog* log = Log(each->topic, each->partition);
      const bool in_range =
          log && each->offset >= log->start_offset() && each->offset <= log->end_offset();
      std::string records;
      if (in_range && response_bytes < static_cast<size_t>(std::max(response_bytes_max, 1)))
        log->Read(each->offset, static_cast<size_t>(std::max(each->bytes_max, 1)), records);
      response_bytes += records.size();
      out.Int32(each->partition);
      out.Int16(static_cast<int16_t>(!log       ? KafkaError::kUnknownTopicOrPartition
                                     : in_range ? KafkaError::kNone
                                                : KafkaError::kOffsetOutOfRange));
      out.Int64(log ? log->end_offset() : -1);  // high watermark
      out.Int64(log ? log->end_offset() : -1);  // last stable offset
      out.ArrayLength(0);                       // aborted transactions
      out.Bytes(records);
    }
  }
  co_return out.Take();
}

std::string Requests::ListOffsets(Reader& body) {
  constexpr int64_t kLatest = -1;
  constexpr int64_t kEarliest = -2;
  (void)body.Int32();  // replica id
  Writer out;
  EachPartition(body, out, [&](const std::string& topic, int32_t partition) {
    const int64_t timestamp = body.Int64();
    const PartitionLog* log = Log(topic, partition);
    // Only the two ends are offered: lookup by time is not needed by the clients here.
    const KafkaError error = !log ? KafkaError::kUnknownTopicOrPartition
                             : (timestamp == kLatest || timestamp == kEarliest)
                                 ? KafkaError::kNone
                                 : KafkaError::kInvalidRequest;
    out.Int16(static_cast<int16_t>(error));
    out.Int64(-1);  // timestamp
    out.Int64(error != KafkaError::kNone ? -1
              : timestamp == kLatest     ? log->end_offset()
                                         : log->start_offset());
  });
  return out.Take();
}

std::string Requests::FindCoordinator() {
  Writer out;
  out.Int16(static_cast<int16_t>(KafkaError::kNone));
  out.Int32(kNodeId);
  out.String(host_);
  out.Int32(port_);
  return out.Take();
}

std::string Requests::InitProducerId() {
  // Sequence numbers are not checked: a batch that librdkafka resends after a lost
  // acknowledgement is stored twice, and the inboxes drop the duplicate (at-least-once).
  Writer out;
  out.Int32(0);  // throttle time
  out.Int16(static_cast<int16_t>(KafkaError::kNone));
  out.Int64(++producer_ids_given_);
  out.Int16(0);  // epoch
  return out.Take();
}

Awaitable<std::string> Requests::JoinGroup(const RequestHeader& header, Reader& body) {
  JoinRequest request;
  request.group = body.String();
  request.session_timeout = milliseconds(body.Int32());
  request.member_id = body.String();
  request.protocol_type = body.String();
  for (int32_t i = 0, count = body.ArrayLength(); i < count; ++i) {
    std::string name = body.String();
    request.protocols.emplace_back(std::move(name), std::string(body.Bytes()));
  }
  request.client_id = header.client_id;
  request.connection = header.connection;
  auto later = std::make_shared<Later<JoinResult>>();
  groups_.Join(std::move(request), SteadyClock::now(),
               [later](JoinResult result) { later->Give(std::move(result)); });
  // The co_await alone in its statement: g++ 12 destroys a temporary twice when a co_await
  // and a braced initializer share one full expression.
  const JoinResult result = co_await WaitFor(later);
  Writer out;
  out.Int16(static_cast<int16_t>(result.error));
  out.Int32(result.generation);
  out.String(result.protocol);
  out.String(result.leader);
  out.String(result.member_id);
  out.ArrayLength(result.members.size());
  for (const auto& [id, metadata] : result.members) {
    out.String(id);
    out.Bytes(metadata);
  }
  co_return out.Take();
}

Awaitable<std::string> Requests::SyncGroup(Reader& body) {
  const std::string group = body.String();
  const int32_t generation = body.Int32();
  const std::string member_id = body.String();
  std::vector<std::pair<std::string, std::string>> assignments;
  for (int32_t i = 0, count = body.ArrayLength(); i < count; ++i) {
    std::string id = body.String();
    assignments.emplace_back(std::move(id), std::string(body.Bytes()));
  }
  auto later = std::make_shared<Later<SyncResult>>();
  groups_.Sync(group, generation, member_id, std::move(assignments), SteadyClock::now(),
               [later](SyncResult result) { later->Give(std::move(result)); });
  const SyncResult result = co_await WaitFor(later);  // alone, see JoinGroup
  Writer out;
  out.Int16(static_cast<int16_t>(result.error));
  out.Bytes(result.assignment);
  co_return out.Take();
}

std::string Requests::Heartbeat(Reader& body) {
  const std::string group = body.String();
  const int32_t generation = body.Int32();
  const std::string member_id = body.String();
  Writer out;
  out.Int16(
      static_cast<int16_t>(groups_.Heartbeat(group, generation, member_id, SteadyClock::now())));
  return out.Take();
}

std::string Requests::LeaveGroup(Reader& body) {
  const std::string group = body.String();
  const std::string member_id = body.String();
  Writer out;
  out.Int16(static_cast<int16_t>(groups_.Leave(group, member_id, SteadyClock::now())));
  return out.Take();
}

std::string Requests::OffsetCommit(Reader& body) {
  const std::string group = body.String();
  const int32_t generation = body.Int32();
  const std::string member_id = body.String();
  (void)body.Int64();  // retention: offsets are kept for the broker's life
  Writer out;
  EachPartition(body, out, [&](const std::string& topic, int32_t partition) {
    const int64_t offset = body.Int64();
    std::string metadata = body.NullableString();
    const KafkaError error =
        Log(topic, partition) == nullptr
            ? KafkaError::kUnknownTopicOrPartition
            : groups_.Commit(group, generation, member_id, {topic, partition},
                             {.offset = offset, .metadata = std::move(metadata)});
    out.Int16(static_cast<int16_t>(error));
  });
  return out.Take();
}

std::string Requests::OffsetFetch(Reader& body) {
  const std::string group = body.String();
  Writer out;
  EachPartition(body, out, [&](const std::string& topic, int32_t partition) {
    const CommittedOffset committed = groups_.Committed(group, {topic, partition});
    out.Int64(committed.offset);
    out.String(committed.metadata);
    out.Int16(static_cast<int16_t>(Log(topic, partition) ? KafkaError::kNone
                                                         : KafkaError::kUnknownTopicOrPartition));
  });
  return out.Take();
}

}  // namespace tinysaga::kafka_broker
