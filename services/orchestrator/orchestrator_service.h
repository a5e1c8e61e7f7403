#pragma once
// The `tinysaga orchestrator` process: drives the order and cancel sagas (DESIGN.md,
// orchestration mode) and serves their views.

#include "orchestrator/orchestrator_options.h"
#include "tinysaga/core/result.h"
#include "tinysaga/platform/service.h"

namespace tinysaga::orchestrator {

// kInvalidRequest naming the first option out of range (bounds of the timer, and the saga
// timings as libs/saga's CheckDefinition sees them).
Result<void> CheckOptions(const OrchestratorOptions& options);

// Opens and migrates the Saga DB and serves GET /api/orders/{orderId}/saga and GET
// /api/sagas until SIGINT or SIGTERM. In orchestration mode (config.saga_mode) it also
// consumes payment.events, order.events and saga.replies (one subscription) and runs the
// timer thread; in choreography mode no saga is orchestrated, and the endpoints show the
// sagas of earlier orchestrated runs. Returns the process exit code (0 after a clean stop, 1
// when it could not start, e.g. options out of range).
int Run(const platform::ServiceConfig& config, const OrchestratorOptions& options = {});

}  // namespace tinysaga::orchestrator
