#include "tinysaga/contracts/topics.h"

#include <array>
#include <optional>
#include <utility>
#include <variant>

#include "message_traits.h"

namespace tinysaga::contracts {
namespace {

constexpr std::array<std::string_view, 7> kMainTopics = {
    kOrderCommandsTopic, kPaymentCommandsTopic, kInventoryCommandsTopic, kSagaRepliesTopic,
    kOrderEventsTopic,   kPaymentEventsTopic,   kInventoryEventsTopic,
};

template <size_t... kIndex>
std::optional<Participant> SenderOf(std::string_view type, std::index_sequence<kIndex...>) {
  std::optional<Participant> sender;
  ((internal::Traits<std::variant_alternative_t<kIndex, Payload>>::kName == type
        ? (sender = internal::Traits<std::variant_alternative_t<kIndex, Payload>>::kSender, 0)
        : 0),
   ...);
  return sender;
}

}  // namespace

std::string_view ParticipantName(Participant participant) {
  switch (participant) {
    case Participant::kOrder:
      return "order";
    case Participant::kPayment:
      return "payment";
    case Participant::kInventory:
      return "inventory";
  }
  return "unknown";
}

std::string_view CommandTopic(Participant participant) {
  switch (participant) {
    case Participant::kOrder:
      return kOrderCommandsTopic;
    case Participant::kPayment:
      return kPaymentCommandsTopic;
    case Participant::kInventory:
      return kInventoryCommandsTopic;
  }
  return kOrderCommandsTopic;
}

std::string_view EventsTopic(Participant participant) {
  switch (participant) {
    case Participant::kOrder:
      return kOrderEventsTopic;
    case Participant::kPayment:
      return kPaymentEventsTopic;
    case Participant::kInventory:
      return kInventoryEventsTopic;
  }
  return kOrderEventsTopic;
}

std::string_view ChoreographyTopicOf(std::string_view type) {
  const std::optional<Participant> sender =
      SenderOf(type, std::make_index_sequence<std::variant_size_v<Payload>>());
  return sender ? EventsTopic(*sender) : std::string_view();
}

std::vector<std::string> AllTopics() {
  std::vector<std::string> topics;
  topics.reserve(kMainTopics.size());
  for (std::string_view topic : kMainTopics) topics.emplace_back(topic);
  return topics;
}

}  // namespace tinysaga::contracts
