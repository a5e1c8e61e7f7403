#pragma once
// JSON (de)serialization of messages. Parsing is strict and never throws: unknown type,
// unknown or newer schema version, unknown or missing fields, wrong JSON types and impossible
// values (negative amounts, bad ids, a command without a saga id, a reply without the id of
// the command it answers) all return an Error. Such a message is poison: retrying cannot
// help, so the consumer sends it to the dead-letter topic with Error::detail as the reason.
//
// The wire format, field names in camelCase like the HTTP API:
//   {"id": "...", "type": "ChargeWallet", "schemaVersion": 1, "sagaId": "...",
//    "orderId": "...", "time": "2026-01-01T00:00:00.000Z", "traceparent": "00-...",
//    "causationId": "...", "payload": {"userId": "alice", "amount": 1250, "currency": "USD"}}
// sagaId, traceparent and causationId are omitted when empty.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "tinysaga/contracts/messages.h"
#include "tinysaga/core/result.h"

namespace tinysaga::contracts {

std::string Serialize(const Message& message);
nlohmann::json ToJson(const Message& message);
nlohmann::json PayloadToJson(const Payload& payload);

Result<Message> Parse(std::string_view text);
Result<Message> FromJson(const nlohmann::json& json);

// True for every error Parse returns: such a message goes to the dead-letter topic.
inline bool IsPoison(const Error& error) { return !error.Retryable(); }

// A W3C traceparent: "00-" 32 hex "-" 16 hex "-" 2 hex, lowercase, ids not all zero.
// An invalid one is dropped on parsing, as the W3C spec asks, rather than making the message
// poison: tracing must never lose business messages.
bool IsValidTraceparent(std::string_view text);

}  // namespace tinysaga::contracts
