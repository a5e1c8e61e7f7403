#pragma once
// Compile-time facts about each payload type: wire name, kind, newest schema version and who
// sends it (commands: the orchestrator, no participant).
// Private to the contracts library (messages.cpp and codec.cpp share it).

#include <optional>
#include <string_view>

#include "tinysaga/contracts/messages.h"
#include "tinysaga/contracts/topics.h"

namespace tinysaga::contracts::internal {

template <typename T>
struct Traits;

#define TS_MESSAGE_TRAITS(Type, Kind, Version, Sender)            \
  template <>                                                     \
  struct Traits<Type> {                                           \
    static constexpr std::string_view kName = #Type;              \
    static constexpr MessageKind kKind = MessageKind::Kind;       \
    static constexpr int kVersion = Version;                      \
    static constexpr std::optional<Participant> kSender = Sender; \
  }

TS_MESSAGE_TRAITS(ChargeWallet, kCommand, 1, std::nullopt);
TS_MESSAGE_TRAITS(Refund, kCommand, 1, std::nullopt);
TS_MESSAGE_TRAITS(ReserveStock, kCommand, 1, std::nullopt);
TS_MESSAGE_TRAITS(ReleaseStock, kCommand, 1, std::nullopt);
TS_MESSAGE_TRAITS(ShipOrder, kCommand, 1, std::nullopt);
TS_MESSAGE_TRAITS(MarkPlaced, kCommand, 1, std::nullopt);
TS_MESSAGE_TRAITS(MarkFailed, kCommand, 1, std::nullopt);
TS_MESSAGE_TRAITS(MarkCanceled, kCommand, 1, std::nullopt);
TS_MESSAGE_TRAITS(MarkOnWay, kCommand, 1, std::nullopt);
TS_MESSAGE_TRAITS(PaymentCharged, kReply, 1, Participant::kPayment);
TS_MESSAGE_TRAITS(PaymentDeclined, kReply, 1, Participant::kPayment);
TS_MESSAGE_TRAITS(PaymentUnavailable, kReply, 1, Participant::kPayment);
TS_MESSAGE_TRAITS(Refunded, kReply, 1, Participant::kPayment);
TS_MESSAGE_TRAITS(RefundRefused, kReply, 1, Participant::kPayment);
TS_MESSAGE_TRAITS(StockReserved, kReply, 1, Participant::kInventory);
TS_MESSAGE_TRAITS(OutOfStock, kReply, 1, Participant::kInventory);
TS_MESSAGE_TRAITS(StockReleased, kReply, 1, Participant::kInventory);
TS_MESSAGE_TRAITS(OrderShipped, kReply, 1, Participant::kInventory);
TS_MESSAGE_TRAITS(OrderStatusChanged, kReply, 1, Participant::kOrder);
TS_MESSAGE_TRAITS(OrderStatusRejected, kReply, 1, Participant::kOrder);
TS_MESSAGE_TRAITS(PaymentCompleted, kEvent, 1, Participant::kPayment);
TS_MESSAGE_TRAITS(PaymentFailed, kEvent, 1, Participant::kPayment);
TS_MESSAGE_TRAITS(OrderCancelRequested, kEvent, 1, Participant::kOrder);

#undef TS_MESSAGE_TRAITS

}  // namespace tinysaga::contracts::internal
