#pragma once
// The inventory's HTTP endpoints (API.md "Inventory"): the public catalogue and the admin's
// product creation and stock takes. Each method is one endpoint; tests call them directly
// with hand-made requests, and Register() mounts them on a server behind platform::Guarded.
//
// Lifecycle and ownership: borrows the database, clock and rng, which must outlive it.
// Thread safety: holds no state of its own, so the server's worker threads may call every
// method concurrently (Db, SystemClock and the Rngs are thread-safe).

#include <string>

#include "tinysaga/core/clock.h"
#include "tinysaga/core/rng.h"
#include "tinysaga/http/message.h"
#include "tinysaga/http/server.h"
#include "tinysaga/platform/caller.h"
#include "tinysaga/storage/db.h"

namespace tinysaga::inventory {

// GET /api/products answers at most this many products (ordered by id); the catalogue of a
// demo shop is far smaller, and a longer list is truncated with a logged warning.
inline constexpr size_t kProductsListMax = 1'000;

class InventoryApi {
 public:
  InventoryApi(storage::Db& db, const Clock& clock, Rng& rng);

  // GET /api/products (public): {"products": [...]} ordered by productId.
  http::Response GetProducts(const http::Request& request, const platform::Caller& caller);
  // GET /api/products/{productId} (public): the product, 404 unknown.
  http::Response GetProduct(const http::Request& request, const platform::Caller& caller);
  // GET /api/products/{productId}/availability?quantity=N (public; N 1..1,000,000, default 1).
  http::Response GetAvailability(const http::Request& request, const platform::Caller& caller);
  // POST /api/products (admin): 201 the new product with no stock; 409 for an existing id.
  http::Response PostProduct(const http::Request& request, const platform::Caller& caller);
  // PUT /api/products/{productId}/stock (admin): {"availableCount"} -> 200 the product.
  http::Response PutStock(const http::Request& request, const platform::Caller& caller);

  // Adds every endpoint to `server`, each behind platform::Guarded.
  void Register(http::Server& server, const std::string& internal_secret);

 private:
  storage::Db& db_;
  const Clock& clock_;
  Rng& rng_;
};

}  // namespace tinysaga::inventory
