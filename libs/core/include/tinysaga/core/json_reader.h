#pragma once
// The one strict reader of a JSON object, for everything read from outside: HTTP request
// bodies, bus messages and stored saga state. A parser reads its fields top to bottom and
// checks once, with Finish(), at the end:
//
//   TS_ASSIGN_OR_RETURN(JsonReader body, JsonReader::ParseBody(request.body));
//   auto product_id = body.ReadId<ProductId>("productId");
//   int64_t quantity = body.Integer("quantity", kQuantityMin, kQuantityMax);
//   TS_RETURN_IF_ERROR(body.Finish());
//
// The rules, the same for every use:
// - A field read must be present unless read as optional, with the exact JSON type: integers
//   are written as integers (5.0, "5", true and 64-bit overflow are errors), strings as strings.
// - null is a wrong type, never "absent", even for an optional field: the only way to leave a
//   field out is to leave it out. (Messages and stored state never write null, and no request
//   field of contracts/openapi.json is nullable.)
// - An empty string is allowed only where the read's length_min is 0 (a request field whose
//   domain check names the problem better, or where "" means "no information"); messages and
//   stored state read every string with length_min 1, and an id is never empty.
// - Finish() fails for a field nobody read (API.md: unknown fields are rejected). A field read
//   only under a condition must be read whenever it may be present.
// - Which error is reported: the parse's own first (bad syntax, a key given twice, not an
//   object), then an unknown field (a misspelt name explains the "required" error it causes),
//   then the first problem in read order; reads after a problem return empty values and
//   record nothing more.
// - Every error is Errc::kInvalidRequest and names the field: "field 'quantity' must be an
//   integer from 1 to 1000000", "unknown field 'price'". A non-empty context prefixes it
//   ("payload of ChargeWallet: field 'userId' is required"); request bodies have none, since
//   a problem+json answer is about the body already.
// Never throws.
//
// Lifecycle: one reader per object, used by one thread, then dropped. A reader borrows the
// JSON it is given, except the one ParseBody returns, which owns its parsed document.

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tinysaga/core/clock.h"
#include "tinysaga/core/ids.h"
#include "tinysaga/core/money.h"
#include "tinysaga/core/result.h"

namespace tinysaga {

class JsonReader {
 public:
  // `json` must outlive the reader. `context` names the object at the start of every error
  // ("payload of ChargeWallet"), or is empty.
  JsonReader(const nlohmann::json& json, std::string context);

  // A request body: ParseStrictJson (a key given twice, trailing text and invalid UTF-8 are
  // errors), then a JSON object is required. Blank text counts as {}, so that a route taking
  // no fields accepts no body. The errors of the parse come here, the rest from Finish().
  static Result<JsonReader> ParseBody(std::string_view text);

  std::string String(std::string_view key, size_t length_min, size_t length_max);
  std::optional<std::string> OptionalString(std::string_view key, size_t length_min,
                                            size_t length_max);
  // A string with something besides whitespace in it, such as an operator's reason: "must not
  // be blank" otherwise.
  std::string NonBlankString(std::string_view key, size_t length_max);
  int64_t Integer(std::string_view key, int64_t min, int64_t max);
  std::optional<int64_t> OptionalInteger(std::string_view key, int64_t min, int64_t max);
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

  // Records a problem the caller found in a field it read (a value outside a set, an
  // impossible combination), unless an earlier problem is already recorded.
  void Fail(std::string_view key, std::string_view problem);
  bool ok() const { return !error_.has_value(); }
  // Ok, or the error the rules above choose.
  Result<void> Finish() const;

 private:
  JsonReader(std::unique_ptr<const nlohmann::json> owned, std::string context);

  // The value of `key`, noting it as read; nullptr when absent (an error if `required`) or
  // after an earlier problem.
  const nlohmann::json* Find(std::string_view key, bool required);
  std::string CheckedString(const nlohmann::json& value, std::string_view key, size_t length_min,
                            size_t length_max);
  std::optional<int64_t> CheckedInteger(const nlohmann::json& value, std::string_view key,
                                        int64_t min, int64_t max);
  std::string CheckedId(std::string_view key, bool required);
  Error MakeReadError(std::string detail) const;

  std::unique_ptr<const nlohmann::json> owned_;  // only for a reader made by ParseBody
  const nlohmann::json* json_;
  std::string context_;
  std::vector<std::string> keys_read_;
  std::optional<Error> error_;
};

}  // namespace tinysaga
