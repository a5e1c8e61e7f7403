#include "partition_log.h"

#include <algorithm>
#include <vector>

#include "wire.h"

namespace tinysaga::kafka_broker {
namespace {

// The fixed header of a record batch (magic 2), as offsets into it.
constexpr size_t kBatchLengthAt = 8;         // int32: bytes after this field
constexpr size_t kBatchLengthFieldEnd = 12;  // base offset (8) + batch length (4)
constexpr size_t kMagicAt = 16;
constexpr size_t kLastOffsetDeltaAt = 23;  // int32
constexpr size_t kHeaderSize = 61;
constexpr int8_t kMagic = 2;

struct BatchView {
  std::string_view bytes;
  int32_t last_offset_delta;
};

int32_t Int32At(std::string_view bytes, size_t at) { return Reader(bytes.substr(at, 4)).Int32(); }

// Splits a produce request's records into batches; nullopt if any is malformed.
std::optional<std::vector<BatchView>> SplitBatches(std::string_view records) {
  std::vector<BatchView> batches;
  while (!records.empty()) {
    if (records.size() < kHeaderSize) return std::nullopt;
    const int32_t length = Int32At(records, kBatchLengthAt);
    if (length < static_cast<int32_t>(kHeaderSize - kBatchLengthFieldEnd)) return std::nullopt;
    const size_t size = kBatchLengthFieldEnd + static_cast<size_t>(length);
    if (size > records.size() || records[kMagicAt] != kMagic) return std::nullopt;
    const int32_t last_offset_delta = Int32At(records, kLastOffsetDeltaAt);
    if (last_offset_delta < 0) return std::nullopt;
    batches.push_back({records.substr(0, size), last_offset_delta});
    records.remove_prefix(size);
  }
  if (batches.empty()) return std::nullopt;
  return batches;
}

}  // namespace

std::optional<int64_t> PartitionLog::Append(std::string_view records) {
  const auto batches = SplitBatches(records);
  if (!batches) return std::nullopt;
  const int64_t first_offset = end_offset_;
  for (const BatchView& view : *batches) {
    Batch batch{.base_offset = end_offset_,
                .next_offset = end_offset_ + view.last_offset_delta + 1,
                .bytes = std::string(view.bytes)};
    Writer base_offset;
    base_offset.Int64(batch.base_offset);
    batch.bytes.replace(0, 8, base_offset.bytes());
    end_offset_ = batch.next_offset;
    retained_bytes_ += batch.bytes.size();
    batches_.push_back(std::move(batch));
  }
  // Keeps at least the newest batch, whatever its size.
  while (retained_bytes_ > retained_bytes_max_ && batches_.size() > 1) {
    retained_bytes_ -= batches_.front().bytes.size();
    batches_.pop_front();
    start_offset_ = batches_.front().base_offset;
  }
  return first_offset;
}

void PartitionLog::Read(int64_t offset, size_t bytes_max, std::string& out) const {
  auto batch = std::upper_bound(
      batches_.begin(), batches_.end(), offset,
      [](int64_t wanted, const Batch& candidate) { return wanted < candidate.next_offset; });
  size_t taken = 0;
  for (; batch != batches_.end(); ++batch) {
    if (taken > 0 && taken + batch->bytes.size() > bytes_max) break;
    out.append(batch->bytes);
    taken += batch->bytes.size();
  }
}

}  // namespace tinysaga::kafka_broker
