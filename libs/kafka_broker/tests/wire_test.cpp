#include "wire.h"

#include <gtest/gtest.h>

namespace tinysaga::kafka_broker {
namespace {

TEST(WireTest, WhatIsWrittenReadsBackBigEndian) {
  Writer out;
  out.Int8(-2);
  out.Int16(0x0102);
  out.Int32(-7);
  out.Int64(0x0102030405060708);
  out.String("orders");
  out.NullString();
  out.Bytes("abc");
  out.UnsignedVarint(300);
  EXPECT_EQ(out.bytes().substr(1, 2), std::string("\x01\x02", 2));

  Reader in(out.bytes());
  EXPECT_EQ(in.Int8(), -2);
  EXPECT_EQ(in.Int16(), 0x0102);
  EXPECT_EQ(in.Int32(), -7);
  EXPECT_EQ(in.Int64(), 0x0102030405060708);
  EXPECT_EQ(in.String(), "orders");
  EXPECT_EQ(in.NullableString(), "");
  EXPECT_EQ(in.Bytes(), "abc");
  EXPECT_EQ(in.UnsignedVarint(), 300u);
  EXPECT_EQ(in.remaining(), 0u);
}

TEST(WireTest, ARequestThatEndsEarlyIsAnErrorNotARead) {
  Writer out;
  out.Int16(10);  // a string of 10 bytes, then nothing
  Reader in(out.bytes());
  EXPECT_THROW(in.String(), WireError);
  EXPECT_THROW(Reader("").Int32(), WireError);
}

TEST(WireTest, AForgedArrayCountLargerThanTheRequestIsRefused) {
  Writer out;
  out.Int32(1'000'000'000);
  Reader in(out.bytes());
  EXPECT_THROW(in.ArrayLength(), WireError);
  Writer null_array;
  null_array.Int32(-1);
  EXPECT_EQ(Reader(null_array.bytes()).ArrayLength(), 0);
}

TEST(WireTest, TaggedFieldsAreSkipped) {
  Writer out;
  out.UnsignedVarint(2);  // two tagged fields
  out.UnsignedVarint(0);
  out.UnsignedVarint(3);
  out.String("x");  // 3 bytes
  out.UnsignedVarint(1);
  out.UnsignedVarint(0);
  out.Int8(9);
  Reader in(out.bytes());
  in.SkipTaggedFields();
  EXPECT_EQ(in.Int8(), 9);
}

}  // namespace
}  // namespace tinysaga::kafka_broker
