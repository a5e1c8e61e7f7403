#pragma once
// The `tinysaga payment` process: the Transaction DB, the payment endpoints, a Wallet client.

#include "tinysaga/platform/service.h"

namespace tinysaga::payment {

// Opens and migrates the Transaction DB, serves the payment routes until SIGINT/SIGTERM, then
// shuts down (server first, then the Wallet client, then the database). Returns the process
// exit code: 0 after a clean stop, 1 when it could not start.
int Run(const platform::ServiceConfig& config);

}  // namespace tinysaga::payment
