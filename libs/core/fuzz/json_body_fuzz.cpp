// libFuzzer target: the strict JSON reading every request body goes through (ParseStrictJson,
// JsonReader::ParseBody). Built only in the fuzz configuration (scripts/fuzz); the corpus in
// fuzz/corpus/json_body is replayed by every build (fuzz_replay).
//
// What must hold for any input: no crash, exception, leak or undefined behaviour, and
//  - an accepted document has no object with a repeated key (it would be read last-wins);
//  - a body whose reader finishes is an object with only the fields read, and the typed
//    readers answer a value or a kInvalidRequest, nothing else.

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "tinysaga/core/json_reader.h"
#include "tinysaga/core/strict_json.h"

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

void CheckFinished(const JsonReader& reader) {
  auto finished = reader.Finish();
  if (!finished.ok()) Check(finished.error().code == Errc::kInvalidRequest);
}

// One reader per read: a reader stops reading at its first problem.
void CheckTypedReaders(const nlohmann::json& document) {
  for (std::string_view field : {"productId", "quantity", "amount"}) {
    JsonReader text_reader(document, "");
    auto text = text_reader.OptionalString(field, 0, 64);
    if (text) Check(text->size() <= 64);
    CheckFinished(text_reader);
    JsonReader number_reader(document, "");
    auto number = number_reader.OptionalInteger(field, 1, 1'000'000);
    if (number) Check(*number >= 1 && *number <= 1'000'000);
    CheckFinished(number_reader);
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
  auto body = JsonReader::ParseBody(text);
  if (!body.ok()) {
    Check(body.error().code == Errc::kInvalidRequest);
    return 0;
  }
  body->OptionalString("productId", 0, 64);
  body->OptionalInteger("quantity", 1, 1'000'000);
  body->OptionalInteger("amount", 1, 1'000'000);
  auto finished = body->Finish();
  if (!finished.ok()) Check(finished.error().code == Errc::kInvalidRequest);
  if (document.ok()) {  // else the body was blank
    Check(document->is_object());
    if (finished.ok()) {
      for (const auto& [key, value] : document->items()) {
        Check(key == "productId" || key == "quantity" || key == "amount");
      }
    }
    CheckTypedReaders(*document);
  }
  return 0;
}
