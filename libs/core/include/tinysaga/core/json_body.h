#pragma once
// Strict reading of JSON request bodies (API.md: unknown fields are rejected, types are
// exact, money and counts are integers). Every failure is an Errc::kInvalidRequest whose
// detail names the field, ready to become a problem+json 400.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "tinysaga/core/result.h"

namespace tinysaga {

// Parses JSON text without exceptions. Stricter than nlohmann::json::parse: a key repeated in
// any object is an error (nlohmann keeps the last copy, so `{"productId":"cable", ...,
// "productId":"laptop"}` would order whatever another reader took for the first one).
// Errors are Errc::kInvalidRequest; the detail names the repeated key.
Result<nlohmann::json> ParseStrictJson(std::string_view text);

class JsonBody {
 public:
  // Parses `body` as one JSON object (invalid UTF-8, trailing garbage and duplicate keys are
  // errors) and rejects any field not in `allowed_fields`. An empty body counts as {}.
  static Result<JsonBody> Parse(std::string_view body, std::initializer_list<std::string_view> allowed_fields);

  bool Has(std::string_view field) const;

  Result<std::string> String(std::string_view field, size_t length_max) const;
  Result<std::optional<std::string>> OptionalString(std::string_view field, size_t length_max) const;
  // Integers only: 5.0, "5", true and out-of-range values are errors.
  Result<int64_t> Integer(std::string_view field, int64_t min, int64_t max) const;
  Result<std::optional<int64_t>> OptionalInteger(std::string_view field, int64_t min, int64_t max) const;

  const nlohmann::json& json() const { return json_; }

 private:
  explicit JsonBody(nlohmann::json json) : json_(std::move(json)) {}
  nlohmann::json json_;
};

}  // namespace tinysaga
