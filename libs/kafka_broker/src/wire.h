#pragma once
// The Kafka protocol's primitive types (big-endian integers, strings, byte arrays, arrays,
// and the varints of the "flexible" versions), read from a request and written into a response.
// Internal to libs/kafka_broker. Not thread-safe; a value type per request.

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

namespace tinysaga::kafka_broker {

// A request that ends early or holds a negative length where none is allowed. The connection
// that sent it is closed: a Kafka client never sends one.
class WireError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Reader {
 public:
  explicit Reader(std::string_view bytes) : bytes_(bytes) {}

  int8_t Int8();
  int16_t Int16();
  int32_t Int32();
  int64_t Int64();
  uint32_t UnsignedVarint();
  std::string String();          // int16 length
  std::string NullableString();  // int16 length, -1 is null (read as "")
  std::string_view Bytes();  // int32 length, -1 is null (read as empty); a view into the request
  // int32 count of an array; a null array (-1) reads as 0. Bounded by the bytes left, so a
  // forged count cannot make the caller loop for long.
  int32_t ArrayLength();
  void SkipTaggedFields();  // the flexible versions' trailing tagged fields
  void SkipCompactString();

  size_t remaining() const { return bytes_.size() - position_; }

 private:
  std::string_view Take(size_t count);

  std::string_view bytes_;
  size_t position_ = 0;
};

class Writer {
 public:
  void Int8(int8_t value);
  void Int16(int16_t value);
  void Int32(int32_t value);
  void Int64(int64_t value);
  void UnsignedVarint(uint32_t value);
  void String(std::string_view value);
  void NullString() { Int16(-1); }
  void Bytes(std::string_view value);
  void ArrayLength(size_t count) { Int32(static_cast<int32_t>(count)); }

  const std::string& bytes() const { return bytes_; }
  std::string Take() { return std::move(bytes_); }

 private:
  std::string bytes_;
};

}  // namespace tinysaga::kafka_broker
