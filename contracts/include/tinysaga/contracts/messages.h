#pragma once
// The order saga's messages as types: the commands the orchestrator sends to participants,
// the replies they send back on saga.replies, and the events services publish (those that
// start sagas, and those that choreography reacts to; in choreography the reply types
// Refunded, RefundRefused, StockReserved, OutOfStock and StockReleased are also published as
// events).
//
// Each type has a unique wire name (its C++ name) and a schema version. A change that old
// readers could misread gets a new version; readers reject versions newer than they know,
// so a message from a newer producer goes to the dead-letter topic instead of being guessed.
// Value types; not synchronised.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

#include "tinysaga/core/clock.h"
#include "tinysaga/core/ids.h"
#include "tinysaga/core/money.h"

namespace tinysaga::contracts {

// The same bounds as the Order service (services/order/domain/order.h), so that every
// quantity an order can hold travels, and nothing else does.
inline constexpr int64_t kQuantityMin = 1;
inline constexpr int64_t kQuantityMax = 1'000'000;
// Reasons and details are short human sentences (they end up in an order's statusInfo).
inline constexpr size_t kReasonLengthMax = 500;
// A serialized message larger than this is poison; real ones are well under 2 KiB.
inline constexpr size_t kMessageBytesMax = 64 * 1024;
// Every type is at version 1 today; the table in codec.cpp holds each type's newest version.
inline constexpr int kSchemaVersionFirst = 1;

// ---- Commands to Payment (payment.commands) ----
// Debits the order's price from the user's wallet, idempotently by order id: a second
// ChargeWallet for the same order answers the first one's outcome without a second debit.
struct ChargeWallet {
  UserId user_id;
  Money amount;
  bool operator==(const ChargeWallet&) const = default;
};
// Gives back what ChargeWallet took for the order, idempotently by order id. When nothing was
// taken (a debit that never happened) it is a no-op answered with Refunded; when a debit went
// through unseen (the wallet timed out) it voids that debit.
struct Refund {
  UserId user_id;
  Money amount;
  bool operator==(const Refund&) const = default;
};

// ---- Commands to Inventory (inventory.commands) ----
// Idempotent by order id, as are their undo.
struct ReserveStock {
  ProductId product_id;
  int64_t quantity = 0;
  bool operator==(const ReserveStock&) const = default;
};
struct ReleaseStock {
  ProductId product_id;
  int64_t quantity = 0;
  bool operator==(const ReleaseStock&) const = default;
};
// Hands the order's reserved stock to shipping (docs/adding-a-step.md's worked example).
// Answered OrderShipped once the stock is reserved and not released; again after that.
struct ShipOrder {
  bool operator==(const ShipOrder&) const = default;
};

// ---- Commands to Order (order.commands): status changes made by a saga ----
// (INITIATED -> PAYMENT_PENDING is not among them: POST /api/payment makes that change
// synchronously before the debit, see libs/saga/README.md.) Each is answered OrderStatusChanged
// when the order is in (or already reached) the target status, OrderStatusRejected when the order's
// status table forbids the change.
// (Nor is PAYMENT_PENDING -> PAYMENT_DONE: Order follows Payment's PaymentCompleted itself.)
struct MarkPlaced {
  bool operator==(const MarkPlaced&) const = default;
};
struct MarkFailed {
  std::string reason;  // becomes the order's statusInfo, e.g. "insufficient funds"
  bool operator==(const MarkFailed&) const = default;
};
struct MarkCanceled {
  bool operator==(const MarkCanceled&) const = default;
};
struct MarkOnWay {
  bool operator==(const MarkOnWay&) const = default;
};

// ---- Replies (saga.replies), each answering the command named by Envelope::causation_id ----
struct PaymentCharged {
  TransactionId transaction_id;
  Money amount;
  bool operator==(const PaymentCharged&) const = default;
};
// The wallet refused: insufficient funds (or no wallet yet). Nothing was debited.
struct PaymentDeclined {
  std::string reason;
  bool operator==(const PaymentDeclined&) const = default;
};
// The wallet could not be reached after Payment's own retries. A debit may have gone through.
struct PaymentUnavailable {
  std::string detail;
  bool operator==(const PaymentUnavailable&) const = default;
};
struct Refunded {
  std::optional<TransactionId> transaction_id;  // absent when there was nothing to refund
  Money amount;                                 // what was given back; 0 for a no-op
  bool operator==(const Refunded&) const = default;
};
// The wallet refused the refund for good (the ids belong to another request): retrying
// cannot change it. The money stays debited until an operator acts; the saga gives up.
struct RefundRefused {
  std::string reason;  // the wallet's
  bool operator==(const RefundRefused&) const = default;
};
struct StockReserved {
  bool operator==(const StockReserved&) const = default;
};
struct OutOfStock {
  int64_t available_count = 0;
  bool operator==(const OutOfStock&) const = default;
};
struct StockReleased {
  bool operator==(const StockReleased&) const = default;
};
struct OrderShipped {
  bool operator==(const OrderShipped&) const = default;
};
struct OrderStatusChanged {
  std::string status;  // the order's status now, e.g. "PAYMENT_PENDING" (API.md's names)
  bool operator==(const OrderStatusChanged&) const = default;
};
struct OrderStatusRejected {
  std::string status;  // the order's status, which the command could not change
  std::string detail;
  bool operator==(const OrderStatusRejected&) const = default;
};

// ---- Events ----
enum class PaymentFailure { kInsufficientFunds, kUnavailable };

// payment.events: POST /api/payment decided the debit. Either event starts the order saga
// (orchestration) or drives the others (choreography). They carry what the saga needs.
struct PaymentCompleted {
  UserId user_id;
  Money amount;
  TransactionId transaction_id;
  ProductId product_id;
  int64_t quantity = 0;
  bool operator==(const PaymentCompleted&) const = default;
};
struct PaymentFailed {
  UserId user_id;
  Money amount;
  ProductId product_id;
  int64_t quantity = 0;
  PaymentFailure failure = PaymentFailure::kInsufficientFunds;
  bool operator==(const PaymentFailed&) const = default;
};
// order.events: a PLACED order is to be canceled; starts the cancel saga.
struct OrderCancelRequested {
  UserId user_id;
  Money amount;
  ProductId product_id;
  int64_t quantity = 0;
  bool operator==(const OrderCancelRequested&) const = default;
};

using Payload =
    std::variant<ChargeWallet, Refund, ReserveStock, ReleaseStock, ShipOrder, MarkPlaced,
                 MarkFailed, MarkCanceled, MarkOnWay, PaymentCharged, PaymentDeclined,
                 PaymentUnavailable, Refunded, RefundRefused, StockReserved, OutOfStock,
                 StockReleased, OrderShipped, OrderStatusChanged, OrderStatusRejected,
                 PaymentCompleted, PaymentFailed, OrderCancelRequested>;

enum class MessageKind { kCommand, kReply, kEvent };

// The wire name of a payload's type, e.g. "ChargeWallet".
std::string_view TypeName(const Payload& payload);
// The wire name of the alternative of Payload at `index`.
std::string_view TypeNameAt(size_t index);
// The index in Payload of the type whose wire name is `type`; nullopt for a type this build
// does not know.
std::optional<size_t> IndexOfType(std::string_view type);

namespace internal {
template <typename T, typename Variant>
struct IndexIn;
template <typename T, typename... Alternatives>
struct IndexIn<T, std::variant<Alternatives...>> {
  static constexpr size_t value = [] {
    size_t index = 0;
    ((std::is_same_v<T, Alternatives> ? false : (++index, true)) && ...);
    return index;
  }();
};
}  // namespace internal

// The wire name of payload type T, without a value of it: TypeNameOf<ChargeWallet>().
template <typename T>
std::string_view TypeNameOf() {
  constexpr size_t kIndex = internal::IndexIn<T, Payload>::value;
  static_assert(kIndex < std::variant_size_v<Payload>, "not a payload type");
  return TypeNameAt(kIndex);
}
MessageKind KindOf(const Payload& payload);
// The kind of the alternative of Payload at `index` (< variant_size_v<Payload>).
MessageKind KindAt(size_t index);
// The newest schema version this build reads and writes for `type`; 0 for an unknown type.
int SchemaVersionMax(std::string_view type);

std::string_view PaymentFailureName(PaymentFailure failure);  // "INSUFFICIENT_FUNDS", ...

// What travels with every payload.
struct Envelope {
  std::string message_id;  // unique per message; commands: saga::CommandId, deterministic
  int schema_version = kSchemaVersionFirst;
  SagaId saga_id;            // required on commands and replies; empty on events outside a saga
  OrderId order_id;          // required: the partition key, so one order's messages stay in order
  TimestampMs time_ms = 0;   // when the message was made; RFC 3339 on the wire
  std::string traceparent;   // W3C trace context of the request that caused it; may be empty
  std::string causation_id;  // replies: the message id of the command answered; else empty
  bool operator==(const Envelope&) const = default;
};

struct Message {
  Envelope envelope;
  Payload payload;
  bool operator==(const Message&) const = default;

  std::string_view type() const { return TypeName(payload); }
};

}  // namespace tinysaga::contracts
