#include "tinysaga/contracts/topics.h"

#include <array>

namespace tinysaga::contracts {
namespace {

constexpr std::array<std::string_view, 7> kMainTopics = {
    kOrderCommandsTopic, kPaymentCommandsTopic, kInventoryCommandsTopic, kSagaRepliesTopic,
    kOrderEventsTopic,   kPaymentEventsTopic,   kInventoryEventsTopic,
};

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

std::vector<std::string> AllTopics() {
  std::vector<std::string> topics;
  topics.reserve(kMainTopics.size());
  for (std::string_view topic : kMainTopics) topics.emplace_back(topic);
  return topics;
}

}  // namespace tinysaga::contracts
