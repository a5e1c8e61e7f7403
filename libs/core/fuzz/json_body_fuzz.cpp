// libFuzzer target: the strict JSON reader every request body goes through (ParseStrictJson,
// JsonBody). Built only in the fuzz configuration (scripts/fuzz); the corpus in
// fuzz/corpus/json_body is replayed by every build (fuzz_replay).
//
// What must hold for any input: no crash, exception, leak or undefined behaviour, and
//  - an accepted document has no object with a repeated key (it would be read last-wins);
//  - an accepted body is an object with only the allowed fields, and the typed readers
//    answer a value or a kInvalidRequest, nothing else.

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tinysaga/core/json_body.h"

namespace tinysaga {
namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

// Against the plain reader (last key wins): where the strict one accepts, both read the same
// document; where only the plain one accepts, the reason is a repeated key.
void CheckAgainstPlainReader(std::string_view text, const Result<nlohmann::json>& strict) {
  const nlohmann::json plain = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (strict.ok()) {
    Check(!plain.is_discarded());
    Check(plain == *strict);
    // What the server writes back out can be read again.
    Check(ParseStrictJson(strict->dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
              .ok());
  } else if (!plain.is_discarded()) {
    Check(strict.error().detail.find("more than once") != std::string::npos);
  }
}

void CheckTypedReaders(const JsonBody& body) {
  for (std::string_view field : {"productId", "quantity", "amount"}) {
    auto text = body.OptionalString(field, 64);
    if (!text.ok()) Check(text.error().code == Errc::kInvalidRequest);
    auto number = body.OptionalInteger(field, 1, 1'000'000);
    if (!number.ok()) Check(number.error().code == Errc::kInvalidRequest);
    if (number.ok() && number->has_value()) Check(**number >= 1 && **number <= 1'000'000);
  }
}

}  // namespace
}  // namespace tinysaga

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tinysaga;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto document = ParseStrictJson(text);
  if (!document.ok()) Check(document.error().code == Errc::kInvalidRequest);
  CheckAgainstPlainReader(text, document);
  auto body = JsonBody::Parse(text, {"productId", "quantity", "amount"});
  if (body.ok()) {
    Check(body->json().is_object());
    for (const auto& [key, value] : body->json().items()) {
      Check(key == "productId" || key == "quantity" || key == "amount");
    }
    CheckTypedReaders(*body);
  } else {
    Check(body.error().code == Errc::kInvalidRequest);
  }
  return 0;
}
