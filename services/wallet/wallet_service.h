#pragma once
// The `tinysaga wallet` process: balances, deposits and withdrawals.

#include "tinysaga/platform/service.h"

namespace tinysaga::wallet {

// Opens and migrates the Wallet DB, serves the wallet's endpoints until SIGINT or
// SIGTERM, then stops. Returns the process exit code (0 after a clean stop).
int Run(const platform::ServiceConfig& config);

}  // namespace tinysaga::wallet
