#pragma once
// JSON text in and out without exceptions: the parse under every strict read (request bodies,
// messages, stored saga state; see json_reader.h) and the dump every writer uses.

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "tinysaga/core/result.h"

namespace tinysaga {

// Parses JSON text without exceptions. Stricter than nlohmann::json::parse: a key repeated in
// any object is an error (nlohmann keeps the last copy, so `{"productId":"cable", ...,
// "productId":"laptop"}` would order whatever another reader took for the first one); so are
// trailing text and invalid UTF-8. Errors are Errc::kInvalidRequest; the detail names the
// repeated key.
Result<nlohmann::json> ParseStrictJson(std::string_view text);

// nlohmann::json::dump that cannot throw: invalid UTF-8 is replaced, not reported.
std::string DumpJson(const nlohmann::json& json);

}  // namespace tinysaga
