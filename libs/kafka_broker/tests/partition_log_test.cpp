#include "partition_log.h"

#include <gtest/gtest.h>

#include "wire.h"

namespace tinysaga::kafka_broker {
namespace {

// A record batch as a producer sends it: a 61-byte header (magic 2) and `payload` standing in
// for the records. Its base offset is 0, as a producer writes it; the log gives the real one.
std::string Batch(int32_t records, const std::string& payload = "records") {
  Writer out;
  out.Int64(0);                                          // base offset
  out.Int32(static_cast<int32_t>(49 + payload.size()));  // batch length
  out.Int32(0);                                          // partition leader epoch
  out.Int8(2);                                           // magic
  out.Int32(0x12345678);                                 // crc (not checked by the broker)
  out.Int16(0);                                          // attributes
  out.Int32(records - 1);                                // last offset delta
  out.Int64(1);                                          // first timestamp
  out.Int64(1);                                          // max timestamp
  out.Int64(7);                                          // producer id
  out.Int16(0);                                          // producer epoch
  out.Int32(0);                                          // base sequence
  out.Int32(records);                                    // record count
  return out.Take() + payload;
}

int64_t BaseOffsetOf(std::string_view batch) { return Reader(batch).Int64(); }

TEST(PartitionLogTest, BatchesGetConsecutiveOffsetsAndKeepTheirBytes) {
  PartitionLog log(1 << 20);
  EXPECT_EQ(log.Append(Batch(3)), 0);
  EXPECT_EQ(log.Append(Batch(2) + Batch(1)), 3);  // two batches in one request
  EXPECT_EQ(log.end_offset(), 6);

  std::string read;
  log.Read(0, 1 << 20, read);
  ASSERT_EQ(read.size(), 3 * Batch(1).size());
  EXPECT_EQ(BaseOffsetOf(read), 0);
  EXPECT_EQ(BaseOffsetOf(std::string_view(read).substr(Batch(1).size())), 3);
  EXPECT_EQ(read.substr(8, Batch(3).size() - 8), Batch(3).substr(8))
      << "only the base offset is rewritten";
}

TEST(PartitionLogTest, AReadStartsAtTheBatchHoldingTheOffset) {
  PartitionLog log(1 << 20);
  ASSERT_TRUE(log.Append(Batch(3)));
  ASSERT_TRUE(log.Append(Batch(3)));
  std::string read;
  log.Read(4, 1 << 20, read);  // inside the second batch
  ASSERT_EQ(read.size(), Batch(3).size());
  EXPECT_EQ(BaseOffsetOf(read), 3);

  std::string at_end;
  log.Read(6, 1 << 20, at_end);
  EXPECT_TRUE(at_end.empty());
}

TEST(PartitionLogTest, AReadGivesAtLeastOneBatchThenOnlyWhatFits) {
  PartitionLog log(1 << 20);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(log.Append(Batch(1)));
  std::string read;
  log.Read(0, 1, read);
  EXPECT_EQ(read.size(), Batch(1).size()) << "a consumer must always be able to progress";
  std::string two;
  log.Read(0, 2 * Batch(1).size(), two);
  EXPECT_EQ(two.size(), 2 * Batch(1).size());
}

TEST(PartitionLogTest, RetentionDropsTheOldestBatchesAndMovesTheStart) {
  const size_t batch_size = Batch(2).size();
  PartitionLog log(2 * batch_size);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(log.Append(Batch(2)));
  EXPECT_EQ(log.start_offset(), 6);
  EXPECT_EQ(log.end_offset(), 10);
  std::string read;
  log.Read(0, 1 << 20, read);
  EXPECT_EQ(BaseOffsetOf(read), 6);
}

TEST(PartitionLogTest, MalformedBatchesAreRefusedWhole) {
  PartitionLog log(1 << 20);
  std::string wrong_magic = Batch(1);
  wrong_magic[16] = 1;
  EXPECT_FALSE(log.Append(wrong_magic));
  EXPECT_FALSE(log.Append(Batch(1) + Batch(1).substr(0, 30))) << "a cut second batch";
  EXPECT_FALSE(log.Append(""));
  EXPECT_FALSE(log.Append(Batch(0))) << "a negative last offset delta";
  EXPECT_EQ(log.end_offset(), 0) << "nothing of a refused request is kept";
}

}  // namespace
}  // namespace tinysaga::kafka_broker
