#include "tinysaga/contracts/strict_json.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "tinysaga/core/json_body.h"

namespace tinysaga::contracts {

StrictObject::StrictObject(const nlohmann::json& json, std::string context)
    : json_(json), context_(std::move(context)) {
  if (!json_.is_object()) {
    error_ = MakeError(Errc::kInvalidRequest, context_ + " must be a JSON object");
  }
}

void StrictObject::Fail(std::string_view key, std::string_view problem) {
  if (error_) return;  // the first problem is the one worth reporting
  error_ = MakeError(Errc::kInvalidRequest,
                     context_ + ": field '" + std::string(key) + "' " + std::string(problem));
}

const nlohmann::json* StrictObject::Find(std::string_view key, bool required) {
  if (error_) return nullptr;
  keys_read_.emplace_back(key);
  auto it = json_.find(key);
  if (it == json_.end()) {
    if (required) Fail(key, "is required");
    return nullptr;
  }
  return &*it;
}

std::string StrictObject::String(std::string_view key, size_t length_max) {
  const nlohmann::json* value = Find(key, /*required=*/true);
  if (value == nullptr) return {};
  if (!value->is_string()) {
    Fail(key, "must be a string");
    return {};
  }
  const auto& text = value->get_ref<const std::string&>();
  if (text.empty() || text.size() > length_max) {
    Fail(key, "must have 1 to " + std::to_string(length_max) + " bytes");
    return {};
  }
  return text;
}

std::optional<std::string> StrictObject::OptionalString(std::string_view key, size_t length_max) {
  if (error_ || !json_.contains(key)) {
    keys_read_.emplace_back(key);
    return std::nullopt;
  }
  std::string text = String(key, length_max);
  if (!ok()) return std::nullopt;
  return text;
}

int64_t StrictObject::Integer(std::string_view key, int64_t min, int64_t max) {
  const nlohmann::json* value = Find(key, /*required=*/true);
  if (value == nullptr) return 0;
  const std::string range =
      "must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
  int64_t number = 0;
  if (value->is_number_unsigned()) {
    auto unsigned_number = value->get<uint64_t>();
    if (unsigned_number > static_cast<uint64_t>(INT64_MAX)) {
      Fail(key, range);
      return 0;
    }
    number = static_cast<int64_t>(unsigned_number);
  } else if (value->is_number_integer()) {
    number = value->get<int64_t>();
  } else {
    // Floats (even 5.0), strings and booleans: a number must be written as an integer.
    Fail(key, range);
    return 0;
  }
  if (number < min || number > max) {
    Fail(key, range);
    return 0;
  }
  return number;
}

bool StrictObject::Boolean(std::string_view key) {
  const nlohmann::json* value = Find(key, /*required=*/true);
  if (value == nullptr) return false;
  if (!value->is_boolean()) {
    Fail(key, "must be true or false");
    return false;
  }
  return value->get<bool>();
}

TimestampMs StrictObject::Time(std::string_view key) {
  std::string text = String(key, 64);
  if (!ok()) return 0;
  auto time = ParseRfc3339(text);
  if (!time.ok()) {
    Fail(key, "must be an RFC 3339 UTC time such as 2026-01-01T00:00:00.000Z");
    return 0;
  }
  return *time;
}

const nlohmann::json* StrictObject::Object(std::string_view key) {
  const nlohmann::json* value = Find(key, /*required=*/true);
  if (value != nullptr && !value->is_object()) {
    Fail(key, "must be an object");
    return nullptr;
  }
  return value;
}

const nlohmann::json* StrictObject::Array(std::string_view key) {
  const nlohmann::json* value = Find(key, /*required=*/true);
  if (value != nullptr && !value->is_array()) {
    Fail(key, "must be an array");
    return nullptr;
  }
  return value;
}

std::optional<Money> StrictObject::ReadMoney(std::string_view amount_key,
                                             std::string_view currency_key) {
  int64_t cents = Integer(amount_key, 0, Money::kAmountCentsMax);
  std::string currency = String(currency_key, 3);
  if (!ok()) return std::nullopt;
  auto money = Money::FromCents(cents, currency);
  if (!money.ok()) {
    Fail(currency_key, "must be an ISO-4217 code of three capital letters");
    return std::nullopt;
  }
  return *money;
}

std::string StrictObject::CheckedId(std::string_view key, bool required) {
  if (!required && (error_ || !json_.contains(key))) {
    keys_read_.emplace_back(key);
    return {};
  }
  std::string text = String(key, 64);
  if (ok() && !IsValidId(text)) Fail(key, "must match [A-Za-z0-9_-]{1,64}");
  return ok() ? text : std::string();
}

Result<void> StrictObject::Finish() {
  if (error_) return *error_;
  for (const auto& [key, value] : json_.items()) {
    if (std::find(keys_read_.begin(), keys_read_.end(), key) == keys_read_.end()) {
      std::string name = key.size() > 64 ? key.substr(0, 64) + "..." : key;
      return MakeError(Errc::kInvalidRequest, context_ + ": unknown field '" + name + "'");
    }
  }
  return Ok();
}

namespace {}  // namespace

std::string DumpJson(const nlohmann::json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<nlohmann::json> ParseJson(std::string_view text) {
  // Duplicate keys too are refused: the same strictness as for request bodies.
  return ParseStrictJson(text);
}

}  // namespace tinysaga::contracts
