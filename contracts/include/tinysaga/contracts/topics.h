#pragma once
// Topic names shared by every service. One command topic per participant, one reply topic
// for the orchestrator, one event topic per publishing service (choreography and the events
// that start sagas), and a dead-letter topic beside each, for messages that cannot be parsed
// or applied (DESIGN.md: poison never blocks a partition).

#include <string>
#include <string_view>
#include <vector>

namespace tinysaga::contracts {

inline constexpr std::string_view kOrderCommandsTopic = "order.commands";
inline constexpr std::string_view kPaymentCommandsTopic = "payment.commands";
inline constexpr std::string_view kInventoryCommandsTopic = "inventory.commands";
inline constexpr std::string_view kSagaRepliesTopic = "saga.replies";
inline constexpr std::string_view kOrderEventsTopic = "order.events";
inline constexpr std::string_view kPaymentEventsTopic = "payment.events";
inline constexpr std::string_view kInventoryEventsTopic = "inventory.events";

// The services that answer saga commands.
enum class Participant { kOrder, kPayment, kInventory };

std::string_view ParticipantName(Participant participant);  // "order", "payment", "inventory"
std::string_view CommandTopic(Participant participant);
// Where a participant publishes its events, and in choreography its answers too.
std::string_view EventsTopic(Participant participant);
// Where a reply or an event of type `type` travels in choreography: its sender's events topic.
// Empty for a command (the orchestrator sends those) or a type this build does not know.
std::string_view ChoreographyTopicOf(std::string_view type);

// Every topic the system uses, so that a broker (or the development broker) can create them
// all before any service starts. Dead-letter topics are named by the messaging layer
// (bus::DeadLetterTopic), which also creates them in the development broker.
std::vector<std::string> AllTopics();

}  // namespace tinysaga::contracts
