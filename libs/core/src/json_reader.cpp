#include "tinysaga/core/json_reader.h"

#include <algorithm>

#include "tinysaga/core/strict_json.h"

namespace tinysaga {
namespace {

// A field name as an error shows it: a client may send a name of any length.
std::string NameInError(std::string_view key) {
  return key.size() > 64 ? std::string(key.substr(0, 64)) + "..." : std::string(key);
}

std::string LengthRule(size_t length_min, size_t length_max) {
  if (length_min == 0) return "must have at most " + std::to_string(length_max) + " bytes";
  return "must have " + std::to_string(length_min) + " to " + std::to_string(length_max) + " bytes";
}

}  // namespace

JsonReader::JsonReader(const nlohmann::json& json, std::string context)
    : json_(&json), context_(std::move(context)) {
  if (!json_->is_object()) {
    error_ = MakeError(Errc::kInvalidRequest, (context_.empty() ? std::string("body") : context_) +
                                                  " must be a JSON object");
  }
}

JsonReader::JsonReader(std::unique_ptr<const nlohmann::json> owned, std::string context)
    : JsonReader(*owned, std::move(context)) {
  owned_ = std::move(owned);  // json_ points into the heap, so it survives moves of the reader
}

Result<JsonReader> JsonReader::ParseBody(std::string_view text) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return JsonReader(std::make_unique<const nlohmann::json>(nlohmann::json::object()), "");
  }
  TS_ASSIGN_OR_RETURN(nlohmann::json json, ParseStrictJson(text));
  if (!json.is_object()) return MakeError(Errc::kInvalidRequest, "body must be a JSON object");
  return JsonReader(std::make_unique<const nlohmann::json>(std::move(json)), "");
}

Error JsonReader::MakeReadError(std::string detail) const {
  return MakeError(Errc::kInvalidRequest,
                   context_.empty() ? std::move(detail) : context_ + ": " + detail);
}

void JsonReader::Fail(std::string_view key, std::string_view problem) {
  if (error_) return;  // the first problem is the one worth reporting
  error_ = MakeReadError("field '" + std::string(key) + "' " + std::string(problem));
}

const nlohmann::json* JsonReader::Find(std::string_view key, bool required) {
  // Noted even after a problem, so that Finish() tells unknown fields from unread ones.
  keys_read_.emplace_back(key);
  if (error_) return nullptr;
  auto it = json_->find(key);
  if (it == json_->end()) {
    if (required) Fail(key, "is required");
    return nullptr;
  }
  return &*it;
}

std::string JsonReader::CheckedString(const nlohmann::json& value, std::string_view key,
                                      size_t length_min, size_t length_max) {
  if (!value.is_string()) {
    Fail(key, "must be a string");
    return {};
  }
  const auto& text = value.get_ref<const std::string&>();
  if (text.size() < length_min || text.size() > length_max) {
    Fail(key, LengthRule(length_min, length_max));
    return {};
  }
  return text;
}

std::string JsonReader::String(std::string_view key, size_t length_min, size_t length_max) {
  const nlohmann::json* value = Find(key, /*required=*/true);
  if (value == nullptr) return {};
  return CheckedString(*value, key, length_min, length_max);
}

std::string JsonReader::NonBlankString(std::string_view key, size_t length_max) {
  std::string text = String(key, 0, length_max);
  if (ok() && text.find_first_not_of(" \t\r\n") == std::string::npos)
    Fail(key, "must not be blank");
  return text;
}

std::optional<std::string> JsonReader::OptionalString(std::string_view key, size_t length_min,
                                                      size_t length_max) {
  const nlohmann::json* value = Find(key, /*required=*/false);
  if (value == nullptr) return std::nullopt;
  std::string text = CheckedString(*value, key, length_min, length_max);
  if (!ok()) return std::nullopt;
  return text;
}

std::optional<int64_t> JsonReader::CheckedInteger(const nlohmann::json& value, std::string_view key,
                                                  int64_t min, int64_t max) {
  const std::string range =
      "must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
  int64_t number = 0;
  if (value.is_number_unsigned()) {
    auto unsigned_number = value.get<uint64_t>();
    if (unsigned_number > static_cast<uint64_t>(INT64_MAX)) {
      Fail(key, range);
      return std::nullopt;
    }
    number = static_cast<int64_t>(unsigned_number);
  } else if (value.is_number_integer()) {
    number = value.get<int64_t>();
  } else {
    // Floats (even 5.0), numbers too large for 64 bits (parsed as floats), strings, booleans
    // and null: a number must be written as an integer.
    Fail(key, range);
    return std::nullopt;
  }
  if (number < min || number > max) {
    Fail(key, range);
    return std::nullopt;
  }
  return number;
}

int64_t JsonReader::Integer(std::string_view key, int64_t min, int64_t max) {
  const nlohmann::json* value = Find(key, /*required=*/true);
  if (value == nullptr) return 0;
  return CheckedInteger(*value, key, min, max).value_or(0);
}

std::optional<int64_t> JsonReader::OptionalInteger(std::string_view key, int64_t min, int64_t max) {
  const nlohmann::json* value = Find(key, /*required=*/false);
  if (value == nullptr) return std::nullopt;
  return CheckedInteger(*value, key, min, max);
}

bool JsonReader::Boolean(std::string_view key) {
  const nlohmann::json* value = Find(key, /*required=*/true);
  if (value == nullptr) return false;
  if (!value->is_boolean()) {
    Fail(key, "must be true or false");
    return false;
  }
  return value->get<bool>();
}

TimestampMs JsonReader::Time(std::string_view key) {
  std::string text = String(key, 1, 64);
  if (!ok()) return 0;
  auto time = ParseRfc3339(text);
  if (!time.ok()) {
    Fail(key, "must be an RFC 3339 UTC time such as 2026-01-01T00:00:00.000Z");
    return 0;
  }
  return *time;
}

const nlohmann::json* JsonReader::Object(std::string_view key) {
  const nlohmann::json* value = Find(key, /*required=*/true);
  if (value != nullptr && !value->is_object()) {
    Fail(key, "must be an object");
    return nullptr;
  }
  return value;
}

const nlohmann::json* JsonReader::Array(std::string_view key) {
  const nlohmann::json* value = Find(key, /*required=*/true);
  if (value != nullptr && !value->is_array()) {
    Fail(key, "must be an array");
    return nullptr;
  }
  return value;
}

std::optional<Money> JsonReader::ReadMoney(std::string_view amount_key,
                                           std::string_view currency_key) {
  int64_t cents = Integer(amount_key, 0, Money::kAmountCentsMax);
  std::string currency = String(currency_key, 1, 3);
  if (!ok()) return std::nullopt;
  auto money = Money::FromCents(cents, currency);
  if (!money.ok()) {
    Fail(currency_key, "must be an ISO-4217 code of three capital letters");
    return std::nullopt;
  }
  return *money;
}

std::string JsonReader::CheckedId(std::string_view key, bool required) {
  const nlohmann::json* value = Find(key, required);
  if (value == nullptr) return {};
  if (!value->is_string()) {
    Fail(key, "must be a string");
    return {};
  }
  // The id syntax bounds the length too: 65 bytes fails as "must match", like "" and "a b".
  const auto& text = value->get_ref<const std::string&>();
  if (!IsValidId(text)) {
    Fail(key, "must match [A-Za-z0-9_-]{1,64}");
    return {};
  }
  return text;
}

Result<void> JsonReader::Finish() const {
  // A non-object has no fields to check: its error_ says what it is.
  if (json_->is_object()) {
    for (const auto& [key, value] : json_->items()) {
      if (std::find(keys_read_.begin(), keys_read_.end(), key) == keys_read_.end()) {
        return MakeReadError("unknown field '" + NameInError(key) + "'");
      }
    }
  }
  if (error_) return *error_;
  return Ok();
}

}  // namespace tinysaga
