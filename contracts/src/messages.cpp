#include "tinysaga/contracts/messages.h"

#include <type_traits>

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

}  // namespace

std::string_view TypeName(const Payload& payload) {
  return std::visit([](const auto& value) { return Traits<std::decay_t<decltype(value)>>::kName; },
                    payload);
}

MessageKind KindOf(const Payload& payload) {
  return std::visit([](const auto& value) { return Traits<std::decay_t<decltype(value)>>::kKind; },
                    payload);
}

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
