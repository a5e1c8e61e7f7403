#pragma once
// The `tinysaga inventory` process: the catalogue and the stock.

#include "tinysaga/platform/service.h"

namespace tinysaga::inventory {

// Opens and migrates the Inventory DB, serves the inventory's endpoints until SIGINT or
// SIGTERM, then stops. Returns the process exit code (0 after a clean stop).
int Run(const platform::ServiceConfig& config);

}  // namespace tinysaga::inventory
