#include "gateway/domain/dead_letter_pages.h"

#include <algorithm>
#include <charconv>

namespace tinysaga::gateway {
namespace {

// The sort key of one dead letter: its time, its service and its row id.
struct Key {
  int64_t at_ms = 0;
  std::string service;
  int64_t id = 0;
  auto operator<=>(const Key&) const = default;
};

Key KeyOf(const nlohmann::json& item) {
  Key key{item.value("deadLetteredAtMs", int64_t{0}), item.value("service", ""), 0};
  const std::string id = item.value("id", "");
  const size_t colon = id.rfind(':');
  if (colon != std::string::npos) {
    std::from_chars(id.data() + colon + 1, id.data() + id.size(), key.id);
  }
  return key;
}

}  // namespace

std::optional<std::string> DeadLetterService(std::string_view path) {
  constexpr std::string_view kPrefix = "/api/dead-letters/";
  if (!path.starts_with(kPrefix)) return std::nullopt;
  std::string_view rest = path.substr(kPrefix.size());
  const size_t slash = rest.find('/');
  const std::string_view id = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    const std::string_view verb = rest.substr(slash + 1);
    if (verb != "redrive" && verb != "discard") return std::nullopt;
  }
  const size_t colon = id.find(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  return std::string(id.substr(0, colon));
}

nlohmann::json MergeDeadLetterPages(const std::vector<nlohmann::json>& pages, size_t limit) {
  std::vector<nlohmann::json> items;
  bool more = false;
  for (const nlohmann::json& page : pages) {
    if (!page.is_object()) continue;
    if (page.contains("nextCursor") && !page["nextCursor"].is_null()) more = true;
    if (!page.contains("deadLetters") || !page["deadLetters"].is_array()) continue;
    for (const nlohmann::json& item : page["deadLetters"]) items.push_back(item);
  }
  std::stable_sort(
      items.begin(), items.end(),
      [](const nlohmann::json& a, const nlohmann::json& b) { return KeyOf(a) > KeyOf(b); });
  if (items.size() > limit) {
    items.resize(limit);
    more = true;
  }
  nlohmann::json next = nullptr;
  if (more && !items.empty()) {
    // "<ms>_<service>_<id>" of the last one, as bus::FormatDeadLetterCursor writes it.
    const Key key = KeyOf(items.back());
    next = std::to_string(key.at_ms) + "_" + key.service + "_" + std::to_string(key.id);
  }
  nlohmann::json merged = {{"deadLetters", items}, {"nextCursor", next}};
  return merged;
}

}  // namespace tinysaga::gateway
