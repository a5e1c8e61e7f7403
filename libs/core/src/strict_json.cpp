#include "tinysaga/core/strict_json.h"

#include <optional>
#include <vector>

namespace tinysaga {
namespace {

std::string Shortened(const std::string& key) {
  return key.size() > 64 ? key.substr(0, 64) + "..." : key;
}

// Builds the document as nlohmann's own DOM parser does, and refuses a key repeated in one
// object as it comes (the object being built already holds the earlier keys). A SAX handler
// of our own instead of parse()'s callback, which ran a std::function per token and kept a
// hash set of copied keys per object: measured on a saga message, 5.7 -> 4.6 us a parse.
class StrictDomBuilder {
 public:
  using json = nlohmann::json;

  explicit StrictDomBuilder(json& root) : root_(root) {}

  const std::optional<std::string>& duplicate() const { return duplicate_; }

  bool null() { return Add(nullptr) != nullptr; }
  bool boolean(bool value) { return Add(value) != nullptr; }
  bool number_integer(json::number_integer_t value) { return Add(value) != nullptr; }
  bool number_unsigned(json::number_unsigned_t value) { return Add(value) != nullptr; }
  bool number_float(json::number_float_t value, const std::string& /*text*/) {
    return Add(value) != nullptr;
  }
  bool string(std::string& value) { return Add(std::move(value)) != nullptr; }
  bool binary(json::binary_t& value) { return Add(std::move(value)) != nullptr; }
  bool start_object(std::size_t /*elements*/) {
    open_.push_back(Add(json::object()));
    return true;
  }
  bool key(std::string& key) {
    auto [slot, inserted] =
        open_.back()->get_ref<json::object_t&>().emplace(std::move(key), nullptr);
    if (!inserted) {
      duplicate_ = slot->first;
      return false;  // stops the parse
    }
    member_ = &slot->second;
    return true;
  }
  bool end_object() {
    open_.pop_back();
    return true;
  }
  bool start_array(std::size_t /*elements*/) {
    open_.push_back(Add(json::array()));
    return true;
  }
  bool end_array() {
    open_.pop_back();
    return true;
  }
  bool parse_error(std::size_t /*position*/, const std::string& /*token*/,
                   const nlohmann::detail::exception& /*error*/) {
    return false;
  }

 private:
  // Places `value` where the document is at (the root, the next element of the innermost
  // array, or the member whose key came last) and returns where it is now. A pointer into an
  // array stays valid while it is open: nothing is added to that array before it closes.
  json* Add(json value) {
    if (open_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    json& parent = *open_.back();
    if (parent.is_array()) {
      auto& elements = parent.get_ref<json::array_t&>();
      elements.push_back(std::move(value));
      return &elements.back();
    }
    *member_ = std::move(value);
    return member_;
  }

  json& root_;
  std::vector<json*> open_;  // the objects and arrays being built, innermost last
  json* member_ = nullptr;   // the innermost object's member whose key came last
  std::optional<std::string> duplicate_;
};

}  // namespace

Result<nlohmann::json> ParseStrictJson(std::string_view text) {
  nlohmann::json json;
  StrictDomBuilder builder(json);
  // Strict: trailing text after the value is an error, as is invalid UTF-8 inside strings
  // (nlohmann validates UTF-8 while lexing). Never throws: errors come to parse_error.
  const bool parsed =
      nlohmann::json::sax_parse(text, &builder, nlohmann::json::input_format_t::json,
                                /*strict=*/true);
  if (builder.duplicate()) {
    return MakeError(Errc::kInvalidRequest,
                     "field '" + Shortened(*builder.duplicate()) + "' appears more than once");
  }
  if (!parsed) return MakeError(Errc::kInvalidRequest, "body is not valid JSON (UTF-8)");
  return json;
}

std::string DumpJson(const nlohmann::json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace tinysaga
