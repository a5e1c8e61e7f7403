#pragma once
// Which service owns a public path, and whether it may be called without a token. Pure data:
// the gateway's whole routing policy is this table.

#include <optional>
#include <string>
#include <string_view>

namespace tinysaga::gateway {

struct RouteTarget {
  std::string service;        // "order", "payment", "wallet", "inventory", "orchestrator"
  bool is_public = false;     // callable without a token
};

// nullopt: no service owns the path (404). Only /api/... paths are routed; /internal/... and
// anything else never reach a service.
std::optional<RouteTarget> ResolveRoute(std::string_view method, std::string_view path);

}  // namespace tinysaga::gateway
