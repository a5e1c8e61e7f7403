#pragma once
// Order's view of the Inventory service: one blocking call, GET /api/products/{productId}, as
// the service caller, sent through platform::PeerClient (round-robin; only an instance that is
// certainly unreachable is skipped, a timeout is reported rather than multiplied).
//
// Lifecycle: holds a reference to an http::Client that must outlive it. Thread-safe.

#include <chrono>
#include <string>
#include <vector>

#include "order/domain/order.h"
#include "tinysaga/http/client.h"
#include "tinysaga/platform/peer_client.h"

namespace tinysaga::order {

class InventoryClient {
 public:
  InventoryClient(http::Client& client, std::vector<http::Endpoint> endpoints,
                  std::string internal_secret,
                  std::chrono::milliseconds timeout = std::chrono::milliseconds(2'000));

  // kNotFound for an unknown product; kUnavailable or kTimeout when Inventory cannot answer
  // (including an answer that is not a product: a broken peer is a dependency fault).
  Result<ProductSnapshot> GetProduct(const ProductId& product_id);

 private:
  platform::PeerClient peer_;
};

// Reads Inventory's product JSON (API.md): productId, price, currency, availableProductCount.
// Pure; exposed for tests.
Result<ProductSnapshot> ParseProduct(const std::string& body, const ProductId& asked);

}  // namespace tinysaga::order
