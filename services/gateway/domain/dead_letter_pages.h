#pragma once
// Dead letters across services (issue 15): the gateway asks every service for a page of its own
// dead letters with the same query and merges them here into one page, newest first by
// (deadLetteredAt, service, id), the order each service's cursor already follows
// (bus/dead_letters.h), so the merged page's cursor is valid for every service. Pure.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tinysaga::gateway {

// The service a single dead letter belongs to, from its id "<service>:<n>" in
// /api/dead-letters/{id}[/redrive|/discard]; nullopt when the path is no such route.
std::optional<std::string> DeadLetterService(std::string_view path);

// Merges the services' answers ({"deadLetters": [...], "nextCursor"}) into one page of at most
// `limit`. A next cursor is given when any service had more, or the merge left some out.
nlohmann::json MergeDeadLetterPages(const std::vector<nlohmann::json>& pages, size_t limit);

}  // namespace tinysaga::gateway
