#include "tinysaga/core/json_body.h"

#include <algorithm>
#include <unordered_set>
#include <vector>

namespace tinysaga {
namespace {

Error FieldError(std::string_view field, std::string_view problem) {
  return MakeError(Errc::kInvalidRequest, "field '" + std::string(field) + "' " + std::string(problem));
}

std::string Shortened(const std::string& key) {
  return key.size() > 64 ? key.substr(0, 64) + "..." : key;
}

}  // namespace

Result<nlohmann::json> ParseStrictJson(std::string_view text) {
  // The parser's callback sees every key; one set of keys per object being read, innermost
  // last (arrays hold no keys, so they need no entry).
  std::vector<std::unordered_set<std::string>> open_objects;
  std::optional<std::string> duplicate;
  auto on_event = [&](int /*depth*/, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
    using Event = nlohmann::json::parse_event_t;
    if (event == Event::object_start) {
      open_objects.emplace_back();
    } else if (event == Event::object_end) {
      if (!open_objects.empty()) open_objects.pop_back();
    } else if (event == Event::key && !open_objects.empty() && !duplicate) {
      const auto& key = parsed.get_ref<const std::string&>();
      if (!open_objects.back().insert(key).second) duplicate = key;
    }
    return true;
  };
  // Non-throwing parse: returns a "discarded" value on any syntax error, including invalid
  // UTF-8 inside strings (nlohmann validates UTF-8 while lexing).
  nlohmann::json json = nlohmann::json::parse(text, on_event, /*allow_exceptions=*/false);
  if (json.is_discarded()) return MakeError(Errc::kInvalidRequest, "body is not valid JSON (UTF-8)");
  if (duplicate)
    return MakeError(Errc::kInvalidRequest,
                     "field '" + Shortened(*duplicate) + "' appears more than once");
  return json;
}

Result<JsonBody> JsonBody::Parse(std::string_view body,
                                 std::initializer_list<std::string_view> allowed_fields) {
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return JsonBody(nlohmann::json::object());
  TS_ASSIGN_OR_RETURN(nlohmann::json json, ParseStrictJson(body));
  if (!json.is_object()) return MakeError(Errc::kInvalidRequest, "body must be a JSON object");
  for (const auto& [key, value] : json.items()) {
    if (std::find(allowed_fields.begin(), allowed_fields.end(), key) == allowed_fields.end()) {
      return MakeError(Errc::kInvalidRequest, "unknown field '" + Shortened(key) + "'");
    }
  }
  return JsonBody(std::move(json));
}

bool JsonBody::Has(std::string_view field) const { return json_.contains(field); }

Result<std::string> JsonBody::String(std::string_view field, size_t length_max) const {
  TS_ASSIGN_OR_RETURN(auto value, OptionalString(field, length_max));
  if (!value) return FieldError(field, "is required");
  return std::move(*value);
}

Result<std::optional<std::string>> JsonBody::OptionalString(std::string_view field, size_t length_max) const {
  auto it = json_.find(field);
  if (it == json_.end() || it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return FieldError(field, "must be a string");
  const auto& text = it->get_ref<const std::string&>();
  if (text.size() > length_max) {
    return FieldError(field, "is longer than " + std::to_string(length_max) + " bytes");
  }
  return std::optional<std::string>(text);
}

Result<int64_t> JsonBody::Integer(std::string_view field, int64_t min, int64_t max) const {
  TS_ASSIGN_OR_RETURN(auto value, OptionalInteger(field, min, max));
  if (!value) return FieldError(field, "is required");
  return *value;
}

Result<std::optional<int64_t>> JsonBody::OptionalInteger(std::string_view field, int64_t min, int64_t max) const {
  auto it = json_.find(field);
  if (it == json_.end() || it->is_null()) return std::optional<int64_t>();
  const std::string range = "must be an integer from " + std::to_string(min) + " to " + std::to_string(max);
  int64_t value = 0;
  if (it->is_number_unsigned()) {
    auto unsigned_value = it->get<uint64_t>();
    if (unsigned_value > static_cast<uint64_t>(INT64_MAX)) return FieldError(field, range);
    value = static_cast<int64_t>(unsigned_value);
  } else if (it->is_number_integer()) {
    value = it->get<int64_t>();
  } else {
    // Floats (even 5.0) and numbers too large for 64 bits (parsed as floats) land here.
    return FieldError(field, range);
  }
  if (value < min || value > max) return FieldError(field, range);
  return std::optional<int64_t>(value);
}

}  // namespace tinysaga
