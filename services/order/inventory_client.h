#pragma once
// Order's view of the Inventory service: one blocking call, GET /api/products/{productId}, as
// the service caller. Round-robin over the configured instances; an instance that is certainly
// unreachable (kUnavailable) is skipped for the next one, so one dead instance costs no
// request. A GET is safe to repeat, but a timeout (outcome unknown, the instance may just be
// slow) is reported rather than multiplied across every instance.
//
// Lifecycle: holds a reference to an http::Client that must outlive it. Thread-safe.

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "order/domain/order.h"
#include "tinysaga/http/client.h"

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
  Result<http::Response> SendToSomeInstance(const http::Request& request);

  http::Client& client_;
  std::vector<http::Endpoint> endpoints_;
  std::string internal_secret_;
  std::chrono::milliseconds timeout_;
  std::atomic<size_t> next_{0};
};

// Reads Inventory's product JSON (API.md): productId, price, currency, availableProductCount.
// Pure; exposed for tests.
Result<ProductSnapshot> ParseProduct(const std::string& body, const ProductId& asked);

}  // namespace tinysaga::order
