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

// Who lists the sagas (GET /api/sagas) and acts on one (POST /api/orders/{id}/saga/retry and
// .../abort, issue 15): the orchestrator, which holds the sagas, or in choreography mode (no
// orchestrator is configured) the Order service, which keeps their facts. One order's saga
// (GET /api/orders/{id}/saga) is the Order service's in both modes: it knows whether the order
// exists and whose it is, also before its saga starts.
enum class SagaViews { kOrchestrator, kOrder };

// nullopt: no service owns the path (404). Only /api/... paths are routed; /internal/... and
// anything else never reach a service.
std::optional<RouteTarget> ResolveRoute(std::string_view method, std::string_view path,
                                        SagaViews saga_views = SagaViews::kOrchestrator);

}  // namespace tinysaga::gateway
