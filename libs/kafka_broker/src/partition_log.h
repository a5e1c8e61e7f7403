#pragma once
// One partition's log: the record batches producers sent, each given its offsets on arrival,
// kept in memory and read back by offset. Internal to libs/kafka_broker.
//
// Batches are stored as the producer encoded them (magic 2, possibly compressed): the broker
// only writes the base offset, which the batch's CRC does not cover, so consumers check the
// producer's own CRC. A fetch finds its first batch by binary search (librdkafka's mock broker
// walks the log from the start on every fetch). Bounded: past `retained_bytes_max` the oldest
// batches are dropped and the log start moves on, as Kafka's retention does.
// Not thread-safe: the broker's one network thread owns every log.

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

namespace tinysaga::kafka_broker {

class PartitionLog {
 public:
  explicit PartitionLog(size_t retained_bytes_max) : retained_bytes_max_(retained_bytes_max) {}

  // Appends the record batches of one produce request. Returns the offset given to the first
  // record, or nullopt (nothing appended) when `batches` is not a sequence of whole magic-2
  // batches.
  std::optional<int64_t> Append(std::string_view batches);

  // Appends to `out` whole batches that hold the records from `offset` on: the first one even
  // if it alone exceeds `bytes_max` (a consumer must be able to make progress), then more
  // while they fit. The first batch may begin before `offset`; clients skip those records.
  void Read(int64_t offset, size_t bytes_max, std::string& out) const;

  int64_t start_offset() const { return start_offset_; }
  int64_t end_offset() const { return end_offset_; }  // the next offset to be given

 private:
  struct Batch {
    int64_t base_offset;
    int64_t next_offset;  // base offset + records it spans
    std::string bytes;
  };

  size_t retained_bytes_max_;
  std::deque<Batch> batches_;
  size_t retained_bytes_ = 0;
  int64_t start_offset_ = 0;
  int64_t end_offset_ = 0;
};

}  // namespace tinysaga::kafka_broker
