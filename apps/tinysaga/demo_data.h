#pragma once
// The demo data `tinysaga up` seeds through the gateway's admin API: users with rich, poor and
// empty wallets, and a catalogue with one product out of stock. Seeding is idempotent: products
// that exist are left alone and deposits use fixed Idempotency-Keys, so a restart adds nothing.

#include <string>

#include "tinysaga/core/result.h"
#include "tinysaga/http/client.h"

namespace tinysaga::app {

Result<void> SeedDemoData(http::Client& client, const http::Endpoint& gateway, const std::string& admin_token);

}  // namespace tinysaga::app
