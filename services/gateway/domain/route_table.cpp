#include "gateway/domain/route_table.h"

#include <array>
#include <vector>

namespace tinysaga::gateway {
namespace {

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

struct Prefix {
  std::string_view resource;  // first segment after /api/
  std::string_view service;
};

constexpr std::array kPrefixes = {
    Prefix{"orders", "order"},       Prefix{"payment", "payment"},   Prefix{"transactions", "payment"},
    Prefix{"wallets", "wallet"},     Prefix{"products", "inventory"}, Prefix{"sagas", "orchestrator"},
};

}  // namespace

std::optional<RouteTarget> ResolveRoute(std::string_view method, std::string_view path,
                                        SagaViews saga_views) {
  if (!path.starts_with("/api/")) return std::nullopt;
  const auto segments = Segments(path);  // "api", resource, ...
  if (segments.size() < 2) return std::nullopt;
  // Dev-mode fault switches (the web UI's "what if" panel); the service itself refuses them
  // outside dev mode. The wallet's: debits and refunds answer 503 for a while.
  if (segments.size() == 4 && segments[1] == "dev" && segments[2] == "faults" &&
      segments[3] == "wallet") {
    return RouteTarget{"wallet", false};
  }
  // Inventory's dev fault switch: a simulated handler bug that dead-letters reservations
  // (issue 15, dead letters; the service refuses it outside dev mode too).
  if (segments.size() == 4 && segments[1] == "dev" && segments[2] == "faults" &&
      segments[3] == "inventory") {
    return RouteTarget{"inventory", false};
  }
  const bool read = method == "GET" || method == "HEAD";
  // The saga definitions are documentation: anyone may read them.
  const bool definitions = segments.size() == 3 && segments[2] == "definitions";
  if (segments[1] == "sagas" && saga_views == SagaViews::kOrder) {
    return RouteTarget{"order", definitions && read};
  }
  // An operator's verbs on one order's saga: where the saga is driven.
  const bool saga_verb = segments.size() == 5 && segments[1] == "orders" && segments[3] == "saga" &&
                         (segments[4] == "retry" || segments[4] == "abort");
  if (saga_verb && saga_views == SagaViews::kOrchestrator)
    return RouteTarget{"orchestrator", false};
  for (const auto& prefix : kPrefixes) {
    if (segments[1] != prefix.resource) continue;
    const bool is_public =
        (prefix.resource == "products" || (prefix.resource == "sagas" && definitions)) && read;
    return RouteTarget{std::string(prefix.service), is_public};
  }
  return std::nullopt;
}

}  // namespace tinysaga::gateway
