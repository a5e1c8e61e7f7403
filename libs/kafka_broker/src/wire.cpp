#include "wire.h"

namespace tinysaga::kafka_broker {
namespace {

template <typename T>
T FromBigEndian(std::string_view bytes) {
  using Unsigned = std::make_unsigned_t<T>;
  Unsigned value = 0;
  for (char byte : bytes) value = static_cast<Unsigned>((value << 8) | static_cast<uint8_t>(byte));
  return static_cast<T>(value);
}

template <typename T>
void AppendBigEndian(std::string& out, T value) {
  using Unsigned = std::make_unsigned_t<T>;
  const auto bits = static_cast<Unsigned>(value);
  for (int shift = (sizeof(T) - 1) * 8; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>((bits >> shift) & 0xFF));
}

}  // namespace

std::string_view Reader::Take(size_t count) {
  if (count > remaining()) throw WireError("request ends early");
  std::string_view taken = bytes_.substr(position_, count);
  position_ += count;
  return taken;
}

int8_t Reader::Int8() { return FromBigEndian<int8_t>(Take(1)); }
int16_t Reader::Int16() { return FromBigEndian<int16_t>(Take(2)); }
int32_t Reader::Int32() { return FromBigEndian<int32_t>(Take(4)); }
int64_t Reader::Int64() { return FromBigEndian<int64_t>(Take(8)); }

uint32_t Reader::UnsignedVarint() {
  uint32_t value = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    const auto byte = static_cast<uint8_t>(Take(1)[0]);
    value |= static_cast<uint32_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return value;
  }
  throw WireError("varint longer than 5 bytes");
}

std::string Reader::String() {
  const int16_t length = Int16();
  if (length < 0) throw WireError("null where a string is required");
  return std::string(Take(static_cast<size_t>(length)));
}

std::string Reader::NullableString() {
  const int16_t length = Int16();
  if (length < 0) return {};
  return std::string(Take(static_cast<size_t>(length)));
}

std::string_view Reader::Bytes() {
  const int32_t length = Int32();
  if (length < 0) return {};
  return Take(static_cast<size_t>(length));
}

int32_t Reader::ArrayLength() {
  const int32_t count = Int32();
  if (count < 0) return 0;
  // Every element takes at least one byte.
  if (static_cast<size_t>(count) > remaining()) throw WireError("array longer than the request");
  return count;
}

void Reader::SkipTaggedFields() {
  const uint32_t count = UnsignedVarint();
  for (uint32_t i = 0; i < count; ++i) {
    (void)UnsignedVarint();  // tag
    Take(UnsignedVarint());  // size, then the value
  }
}

void Reader::SkipCompactString() {
  const uint32_t length_plus_one = UnsignedVarint();
  if (length_plus_one > 0) Take(length_plus_one - 1);
}

void Writer::Int8(int8_t value) { AppendBigEndian(bytes_, value); }
void Writer::Int16(int16_t value) { AppendBigEndian(bytes_, value); }
void Writer::Int32(int32_t value) { AppendBigEndian(bytes_, value); }
void Writer::Int64(int64_t value) { AppendBigEndian(bytes_, value); }

void Writer::UnsignedVarint(uint32_t value) {
  while (value >= 0x80) {
    bytes_.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  bytes_.push_back(static_cast<char>(value));
}

void Writer::String(std::string_view value) {
  Int16(static_cast<int16_t>(value.size()));
  bytes_.append(value);
}

void Writer::Bytes(std::string_view value) {
  Int32(static_cast<int32_t>(value.size()));
  bytes_.append(value);
}

}  // namespace tinysaga::kafka_broker
