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

std::string DeadLetterTopic(std::string_view topic) {
  return std::string(topic) + std::string(kDeadLetterSuffix);
}

std::vector<std::string> AllTopics() {
  std::vector<std::string> topics;
  topics.reserve(kMainTopics.size() * 2);
  for (std::string_view topic : kMainTopics) topics.emplace_back(topic);
  for (std::string_view topic : kMainTopics) topics.push_back(DeadLetterTopic(topic));
  return topics;
}

}  // namespace tinysaga::contracts
