#pragma once
// Strict reading of one JSON object from a message or a stored saga: every field read must be
// present (unless read as optional) with the exact type and a possible value, and Finish()
// fails when the object holds a field nobody read. The first problem sticks and later reads
// return empty values, so that a parser reads top to bottom and checks once at the end.
// Never throws. Errors are Errc::kInvalidRequest with a detail that names the field.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tinysaga/core/clock.h"
#include "tinysaga/core/ids.h"
#include "tinysaga/core/money.h"
#include "tinysaga/core/result.h"

namespace tinysaga::contracts {

class StrictObject {
 public:
  // `json` must outlive the reader. `context` prefixes every error ("payload of ChargeWallet").
  StrictObject(const nlohmann::json& json, std::string context);

  std::string String(std::string_view key, size_t length_max);
  std::optional<std::string> OptionalString(std::string_view key, size_t length_max);
  int64_t Integer(std::string_view key, int64_t min, int64_t max);
  bool Boolean(std::string_view key);
  // An RFC 3339 UTC string (see ParseRfc3339).
  TimestampMs Time(std::string_view key);
  // A nested object or array; nullptr (and an error) when missing or of another type.
  const nlohmann::json* Object(std::string_view key);
  const nlohmann::json* Array(std::string_view key);
  // Cents in `amount_key` (0..Money::kAmountCentsMax) and an ISO-4217 code in `currency_key`.
  std::optional<Money> ReadMoney(std::string_view amount_key, std::string_view currency_key);

  // An id matching [A-Za-z0-9_-]{1,64}.
  template <typename Id>
  Id ReadId(std::string_view key) {
    return Id(CheckedId(key, /*required=*/true));
  }
  template <typename Id>
  std::optional<Id> OptionalId(std::string_view key) {
    std::string text = CheckedId(key, /*required=*/false);
    if (text.empty()) return std::nullopt;
    return Id(std::move(text));
  }

  // Records a problem found by the caller (an impossible combination of valid fields).
  void Fail(std::string_view key, std::string_view problem);
  bool ok() const { return !error_.has_value(); }
  // The first problem, else kInvalidRequest for the first field that was never read.
  Result<void> Finish();

 private:
  const nlohmann::json* Find(std::string_view key, bool required);
  std::string CheckedId(std::string_view key, bool required);

  const nlohmann::json& json_;
  std::string context_;
  std::vector<std::string> keys_read_;
  std::optional<Error> error_;
};

// nlohmann::json::dump that cannot throw: invalid UTF-8 is replaced, not reported.
std::string DumpJson(const nlohmann::json& json);
// nlohmann::json::parse that cannot throw; kInvalidRequest on any syntax error and on a key
// repeated in an object (see ParseStrictJson).
Result<nlohmann::json> ParseJson(std::string_view text);

}  // namespace tinysaga::contracts
