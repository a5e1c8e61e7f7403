#include "tinysaga/contracts/codec.h"

#include <algorithm>
#include <array>
#include <cassert>
#include <optional>
#include <type_traits>

#include "message_traits.h"
#include "tinysaga/core/json_reader.h"
#include "tinysaga/core/strict_json.h"

namespace tinysaga::contracts {
namespace {

using nlohmann::json;
using MessageId = StrongId<struct MessageIdTag>;

template <typename T>
using Tag = std::type_identity<T>;

// The statuses of API.md; an order status in a reply must be one of them.
constexpr std::array<std::string_view, 8> kOrderStatuses = {
    "INITIATED", "PAYMENT_PENDING", "PAYMENT_DONE", "PLACED",
    "ON_WAY",    "DELIVERED",       "FAILED",       "CANCELED",
};

void WriteMoney(json& out, const Money& money) {
  out["amount"] = money.cents();
  out["currency"] = money.currency();
}

std::string ReadOrderStatus(JsonReader& reader) {
  std::string status = reader.String("status", 1, 32);
  if (reader.ok() &&
      std::find(kOrderStatuses.begin(), kOrderStatuses.end(), status) == kOrderStatuses.end()) {
    reader.Fail("status", "must be an order status such as PAYMENT_PENDING");
  }
  return status;
}

int64_t ReadQuantity(JsonReader& reader) {
  return reader.Integer("quantity", kQuantityMin, kQuantityMax);
}

// ---- Writers: one per payload type ----

json Write(const ChargeWallet& command) {
  json out = {{"userId", command.user_id.value()}};
  WriteMoney(out, command.amount);
  return out;
}
json Write(const Refund& command) {
  json out = {{"userId", command.user_id.value()}};
  WriteMoney(out, command.amount);
  return out;
}
json Write(const ReserveStock& command) {
  return {{"productId", command.product_id.value()}, {"quantity", command.quantity}};
}
json Write(const ReleaseStock& command) {
  return {{"productId", command.product_id.value()}, {"quantity", command.quantity}};
}
json Write(const MarkFailed& command) { return {{"reason", command.reason}}; }
json Write(const PaymentCharged& reply) {
  json out = {{"transactionId", reply.transaction_id.value()}};
  WriteMoney(out, reply.amount);
  return out;
}
json Write(const PaymentDeclined& reply) { return {{"reason", reply.reason}}; }
json Write(const PaymentUnavailable& reply) { return {{"detail", reply.detail}}; }
json Write(const Refunded& reply) {
  json out = json::object();
  if (reply.transaction_id) out["transactionId"] = reply.transaction_id->value();
  WriteMoney(out, reply.amount);
  return out;
}
json Write(const RefundRefused& reply) { return {{"reason", reply.reason}}; }
json Write(const OutOfStock& reply) { return {{"availableCount", reply.available_count}}; }
json Write(const OrderStatusChanged& reply) { return {{"status", reply.status}}; }
json Write(const OrderStatusRejected& reply) {
  return {{"status", reply.status}, {"detail", reply.detail}};
}
json WriteOrderLine(const UserId& user_id, const Money& amount, const ProductId& product_id,
                    int64_t quantity) {
  json out = {
      {"userId", user_id.value()}, {"productId", product_id.value()}, {"quantity", quantity}};
  WriteMoney(out, amount);
  return out;
}
json Write(const PaymentCompleted& event) {
  json out = WriteOrderLine(event.user_id, event.amount, event.product_id, event.quantity);
  out["transactionId"] = event.transaction_id.value();
  return out;
}
json Write(const PaymentFailed& event) {
  json out = WriteOrderLine(event.user_id, event.amount, event.product_id, event.quantity);
  out["failure"] = PaymentFailureName(event.failure);
  return out;
}
json Write(const OrderCancelRequested& event) {
  return WriteOrderLine(event.user_id, event.amount, event.product_id, event.quantity);
}
// Commands and replies without fields.
template <typename T>
requires std::is_empty_v<T> json Write(const T&) { return json::object(); }

// ---- Readers: one per payload type; nullopt after reader.Fail ----

std::optional<ChargeWallet> Read(JsonReader& reader, Tag<ChargeWallet>) {
  auto user_id = reader.ReadId<UserId>("userId");
  auto amount = reader.ReadMoney("amount", "currency");
  if (!reader.ok()) return std::nullopt;
  return ChargeWallet{std::move(user_id), *amount};
}
std::optional<Refund> Read(JsonReader& reader, Tag<Refund>) {
  auto user_id = reader.ReadId<UserId>("userId");
  auto amount = reader.ReadMoney("amount", "currency");
  if (!reader.ok()) return std::nullopt;
  return Refund{std::move(user_id), *amount};
}
std::optional<ReserveStock> Read(JsonReader& reader, Tag<ReserveStock>) {
  auto product_id = reader.ReadId<ProductId>("productId");
  int64_t quantity = ReadQuantity(reader);
  return ReserveStock{std::move(product_id), quantity};
}
std::optional<ReleaseStock> Read(JsonReader& reader, Tag<ReleaseStock>) {
  auto product_id = reader.ReadId<ProductId>("productId");
  int64_t quantity = ReadQuantity(reader);
  return ReleaseStock{std::move(product_id), quantity};
}
std::optional<MarkFailed> Read(JsonReader& reader, Tag<MarkFailed>) {
  return MarkFailed{reader.String("reason", 1, kReasonLengthMax)};
}
std::optional<PaymentCharged> Read(JsonReader& reader, Tag<PaymentCharged>) {
  auto transaction_id = reader.ReadId<TransactionId>("transactionId");
  auto amount = reader.ReadMoney("amount", "currency");
  if (!reader.ok()) return std::nullopt;
  return PaymentCharged{std::move(transaction_id), *amount};
}
std::optional<PaymentDeclined> Read(JsonReader& reader, Tag<PaymentDeclined>) {
  return PaymentDeclined{reader.String("reason", 1, kReasonLengthMax)};
}
std::optional<PaymentUnavailable> Read(JsonReader& reader, Tag<PaymentUnavailable>) {
  return PaymentUnavailable{reader.String("detail", 1, kReasonLengthMax)};
}
std::optional<Refunded> Read(JsonReader& reader, Tag<Refunded>) {
  auto transaction_id = reader.OptionalId<TransactionId>("transactionId");
  auto amount = reader.ReadMoney("amount", "currency");
  if (!reader.ok()) return std::nullopt;
  return Refunded{std::move(transaction_id), *amount};
}
std::optional<RefundRefused> Read(JsonReader& reader, Tag<RefundRefused>) {
  return RefundRefused{reader.String("reason", 1, kReasonLengthMax)};
}
std::optional<OutOfStock> Read(JsonReader& reader, Tag<OutOfStock>) {
  return OutOfStock{reader.Integer("availableCount", 0, INT64_MAX)};
}
std::optional<OrderStatusChanged> Read(JsonReader& reader, Tag<OrderStatusChanged>) {
  return OrderStatusChanged{ReadOrderStatus(reader)};
}
std::optional<OrderStatusRejected> Read(JsonReader& reader, Tag<OrderStatusRejected>) {
  std::string status = ReadOrderStatus(reader);
  return OrderStatusRejected{std::move(status), reader.String("detail", 1, kReasonLengthMax)};
}
std::optional<PaymentCompleted> Read(JsonReader& reader, Tag<PaymentCompleted>) {
  auto user_id = reader.ReadId<UserId>("userId");
  auto amount = reader.ReadMoney("amount", "currency");
  auto transaction_id = reader.ReadId<TransactionId>("transactionId");
  auto product_id = reader.ReadId<ProductId>("productId");
  int64_t quantity = ReadQuantity(reader);
  if (!reader.ok()) return std::nullopt;
  return PaymentCompleted{std::move(user_id), *amount, std::move(transaction_id),
                          std::move(product_id), quantity};
}
std::optional<PaymentFailure> ReadPaymentFailure(JsonReader& reader) {
  std::string text = reader.String("failure", 1, 32);
  for (auto failure : {PaymentFailure::kInsufficientFunds, PaymentFailure::kUnavailable}) {
    if (text == PaymentFailureName(failure)) return failure;
  }
  reader.Fail("failure", "must be INSUFFICIENT_FUNDS or UNAVAILABLE");
  return std::nullopt;
}
std::optional<PaymentFailed> Read(JsonReader& reader, Tag<PaymentFailed>) {
  auto user_id = reader.ReadId<UserId>("userId");
  auto amount = reader.ReadMoney("amount", "currency");
  auto product_id = reader.ReadId<ProductId>("productId");
  int64_t quantity = ReadQuantity(reader);
  auto failure = ReadPaymentFailure(reader);
  if (!reader.ok()) return std::nullopt;
  return PaymentFailed{std::move(user_id), *amount, std::move(product_id), quantity, *failure};
}
std::optional<OrderCancelRequested> Read(JsonReader& reader, Tag<OrderCancelRequested>) {
  auto user_id = reader.ReadId<UserId>("userId");
  auto amount = reader.ReadMoney("amount", "currency");
  auto product_id = reader.ReadId<ProductId>("productId");
  int64_t quantity = ReadQuantity(reader);
  if (!reader.ok()) return std::nullopt;
  return OrderCancelRequested{std::move(user_id), *amount, std::move(product_id), quantity};
}
template <typename T>
requires std::is_empty_v<T> std::optional<T> Read(JsonReader&, Tag<T>) { return T{}; }

// Reads the payload of the alternative whose name is `type`; the caller checked that it exists.
template <size_t kIndex = 0>
Result<Payload> ReadPayload(std::string_view type, const json& payload) {
  if constexpr (kIndex == std::variant_size_v<Payload>) {
    return MakeError(Errc::kInvalidRequest, "unknown message type '" + std::string(type) + "'");
  } else {
    using T = std::variant_alternative_t<kIndex, Payload>;
    if (internal::Traits<T>::kName != type) {
      return ReadPayload<kIndex + 1>(type, payload);
    }
    JsonReader reader(payload, "payload of " + std::string(type));
    std::optional<T> value = Read(reader, Tag<T>());
    TS_RETURN_IF_ERROR(reader.Finish());
    assert(value.has_value());  // a reader returns nullopt only after reader.Fail
    return Payload(std::move(*value));
  }
}

Result<void> CheckKindNeeds(const Message& message) {
  const MessageKind kind = KindOf(message.payload);
  if (kind != MessageKind::kEvent && message.envelope.saga_id.empty()) {
    return MakeError(Errc::kInvalidRequest, "a command or reply needs a sagaId");
  }
  if (kind == MessageKind::kReply && message.envelope.causation_id.empty()) {
    return MakeError(Errc::kInvalidRequest, "a reply needs the causationId of its command");
  }
  return Ok();
}

}  // namespace

nlohmann::json PayloadToJson(const Payload& payload) {
  return std::visit([](const auto& value) { return Write(value); }, payload);
}

nlohmann::json ToJson(const Message& message) {
  const Envelope& envelope = message.envelope;
  json out = {
      {"id", envelope.message_id},
      {"type", message.type()},
      {"schemaVersion", envelope.schema_version},
      {"orderId", envelope.order_id.value()},
      {"time", FormatRfc3339(envelope.time_ms)},
  };
  if (!envelope.saga_id.empty()) out["sagaId"] = envelope.saga_id.value();
  if (!envelope.traceparent.empty()) out["traceparent"] = envelope.traceparent;
  if (!envelope.causation_id.empty()) out["causationId"] = envelope.causation_id;
  out["payload"] = PayloadToJson(message.payload);
  return out;
}

std::string Serialize(const Message& message) { return DumpJson(ToJson(message)); }

Result<Message> Parse(std::string_view text) {
  if (text.size() > kMessageBytesMax) {
    return MakeError(Errc::kInvalidRequest,
                     "message larger than " + std::to_string(kMessageBytesMax) + " bytes");
  }
  TS_ASSIGN_OR_RETURN(json parsed, ParseStrictJson(text));
  return FromJson(parsed);
}

Result<Message> FromJson(const nlohmann::json& wire) {
  JsonReader reader(wire, "message");
  Envelope envelope;
  envelope.message_id = reader.ReadId<MessageId>("id").value();
  std::string type = reader.String("type", 1, 64);
  envelope.schema_version = static_cast<int>(reader.Integer("schemaVersion", 1, INT32_MAX));
  envelope.saga_id = reader.OptionalId<SagaId>("sagaId").value_or(SagaId());
  envelope.order_id = reader.ReadId<OrderId>("orderId");
  envelope.time_ms = reader.Time("time");
  envelope.traceparent = reader.OptionalString("traceparent", 1, 256).value_or("");
  envelope.causation_id = reader.OptionalId<MessageId>("causationId").value_or(MessageId()).value();
  const json* payload = reader.Object("payload");
  TS_RETURN_IF_ERROR(reader.Finish());

  const int version_max = SchemaVersionMax(type);
  if (version_max == 0) {
    return MakeError(Errc::kInvalidRequest, "unknown message type '" + type + "'");
  }
  if (envelope.schema_version > version_max) {
    return MakeError(Errc::kInvalidRequest,
                     type + " schema version " + std::to_string(envelope.schema_version) +
                         " is newer than " + std::to_string(version_max) + ", the newest known");
  }
  if (!IsValidTraceparent(envelope.traceparent)) envelope.traceparent.clear();
  TS_ASSIGN_OR_RETURN(Payload value, ReadPayload(type, *payload));
  Message message{std::move(envelope), std::move(value)};
  TS_RETURN_IF_ERROR(CheckKindNeeds(message));
  return message;
}

bool IsValidTraceparent(std::string_view text) {
  // version(2) - trace id(32) - parent id(16) - flags(2)
  if (text.size() != 55 || text[2] != '-' || text[35] != '-' || text[52] != '-') return false;
  auto is_hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
  for (size_t i = 0; i < text.size(); ++i) {
    if (i == 2 || i == 35 || i == 52) continue;
    if (!is_hex(text[i])) return false;
  }
  if (text.substr(0, 2) == "ff") return false;  // version ff is forbidden
  const std::string_view trace_id = text.substr(3, 32);
  const std::string_view parent_id = text.substr(36, 16);
  return trace_id.find_first_not_of('0') != std::string_view::npos &&
         parent_id.find_first_not_of('0') != std::string_view::npos;
}

}  // namespace tinysaga::contracts
