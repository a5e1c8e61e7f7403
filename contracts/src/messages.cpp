#include "tinysaga/contracts/messages.h"

#include <array>
#include <type_traits>
#include <utility>

#include "message_traits.h"

namespace tinysaga::contracts {
using internal::Traits;
namespace {

template <size_t... kIndex>
int SchemaVersionMaxOf(std::string_view type, std::index_sequence<kIndex...>) {
  int version = 0;
  ((Traits<std::variant_alternative_t<kIndex, Payload>>::kName == type
        ? (version = Traits<std::variant_alternative_t<kIndex, Payload>>::kVersion)
        : 0),
   ...);
  return version;
}

template <size_t... kIndex>
constexpr std::array<std::string_view, sizeof...(kIndex)> TypeNames(
    std::index_sequence<kIndex...>) {
  return {Traits<std::variant_alternative_t<kIndex, Payload>>::kName...};
}

template <size_t... kIndex>
constexpr std::array<MessageKind, sizeof...(kIndex)> Kinds(std::index_sequence<kIndex...>) {
  return {Traits<std::variant_alternative_t<kIndex, Payload>>::kKind...};
}

}  // namespace

std::string_view TypeNameAt(size_t index) {
  static constexpr auto kNames =
      TypeNames(std::make_index_sequence<std::variant_size_v<Payload>>());
  return index < kNames.size() ? kNames[index] : std::string_view();
}

std::optional<size_t> IndexOfType(std::string_view type) {
  for (size_t index = 0; index < std::variant_size_v<Payload>; ++index) {
    if (TypeNameAt(index) == type) return index;
  }
  return std::nullopt;
}

MessageKind KindAt(size_t index) {
  static constexpr auto kKinds = Kinds(std::make_index_sequence<std::variant_size_v<Payload>>());
  return kKinds.at(index);
}

std::string_view TypeName(const Payload& payload) {
  return std::visit([](const auto& value) { return Traits<std::decay_t<decltype(value)>>::kName; },
                    payload);
}

MessageKind KindOf(const Payload& payload) { return KindAt(payload.index()); }

int SchemaVersionMax(std::string_view type) {
  return SchemaVersionMaxOf(type, std::make_index_sequence<std::variant_size_v<Payload>>());
}

std::string_view PaymentFailureName(PaymentFailure failure) {
  switch (failure) {
    case PaymentFailure::kInsufficientFunds:
      return "INSUFFICIENT_FUNDS";
    case PaymentFailure::kUnavailable:
      return "UNAVAILABLE";
  }
  return "UNKNOWN";
}

}  // namespace tinysaga::contracts
