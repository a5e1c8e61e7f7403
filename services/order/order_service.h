#pragma once
// The `tinysaga order` process: the Order DB, the order endpoints, a client for Inventory.

#include "order/order_deadlines.h"
#include "tinysaga/platform/service.h"

namespace tinysaga::order {

// Opens and migrates the Order DB, serves the order routes until SIGINT/SIGTERM, then shuts
// down (server first, then the Inventory client, then the database). Returns the process exit
// code: 0 after a clean stop, 1 when it could not start.
// `deadlines` are choreography's (order_deadlines.h); unused in orchestration.
int Run(const platform::ServiceConfig& config, const OrderDeadlinesOptions& deadlines = {});

}  // namespace tinysaga::order
