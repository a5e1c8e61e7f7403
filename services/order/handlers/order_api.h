#pragma once
// The Order service's HTTP endpoints (API.md "Orders"). Each method validates the request,
// asks Inventory when a price is needed (before any transaction is opened, so no database
// lock is held across a network call), then applies the domain rules in one write
// transaction. Nothing here throws: errors become problem+json responses.
//
// Lifecycle: constructed by Run() or a test with references that must outlive it.
// Thread-safe: the methods keep no state of their own (Db, Clock, Rng and InventoryClient are).

#include <string>

#include "order/inventory_client.h"
#include "tinysaga/core/clock.h"
#include "tinysaga/core/rng.h"
#include "tinysaga/http/message.h"
#include "tinysaga/http/server.h"
#include "tinysaga/platform/caller.h"
#include "tinysaga/storage/db.h"

namespace tinysaga::order {

class OrderApi {
 public:
  OrderApi(storage::Db& db, const Clock& clock, Rng& rng, InventoryClient& inventory);

  // POST /api/orders {"productId", "quantity"} with Idempotency-Key -> 201 order.
  http::Response Create(const http::Request& request, const platform::Caller& caller);
  // GET /api/orders/{orderId} -> 200 order with history.
  http::Response Get(const http::Request& request, const platform::Caller& caller);
  // GET /api/orders?status=&limit=&cursor=[&userId= for admins] -> 200 {"orders", "nextCursor"}.
  http::Response List(const http::Request& request, const platform::Caller& caller);
  // PUT /api/orders/{orderId} {"quantity"?, "productId"?} -> 200 order, re-priced.
  http::Response Update(const http::Request& request, const platform::Caller& caller);
  // PUT /api/orders/{orderId}/status {"status": "ON_WAY"|"DELIVERED", "statusInfo"?}, admin.
  http::Response SetStatus(const http::Request& request, const platform::Caller& caller);
  // POST /api/orders/{orderId}/cancel -> 200 order in CANCELED.
  http::Response Cancel(const http::Request& request, const platform::Caller& caller);

  // Adds every route above, each wrapped by platform::Guarded.
  void Register(http::Server& server, const std::string& internal_secret);

 private:
  storage::Db& db_;
  const Clock& clock_;
  Rng& rng_;
  InventoryClient& inventory_;
};

}  // namespace tinysaga::order
