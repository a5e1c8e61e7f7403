#pragma once
// Payment's view of the Order service, as the service caller on peer "order" through
// platform::PeerClient: read an order (GET /api/orders/{orderId}) and move it INITIATED ->
// PAYMENT_PENDING (POST /internal/orders/{orderId}/payment-pending) before the wallet is
// debited. Neither call is retried here: the read is cheap to repeat by the client, and a
// status change whose answer was lost cannot be told from a refusal by asking again (a
// repeat would see PAYMENT_PENDING and answer 409), so POST /api/payment treats it as the
// Order service being unavailable (see README "Failure cases").
//
// Lifecycle: holds a reference to an http::Client that must outlive it. Thread-safe.

#include <chrono>
#include <string>
#include <vector>

#include "tinysaga/core/ids.h"
#include "tinysaga/core/money.h"
#include "tinysaga/core/result.h"
#include "tinysaga/http/client.h"
#include "tinysaga/platform/peer_client.h"

namespace tinysaga::payment {

// What Payment reads of an order (the Order service's order JSON has more).
struct OrderView {
  OrderId order_id;
  UserId user_id;
  ProductId product_id;
  int64_t quantity = 0;
  Money price;         // the whole order's price ("price", "currency")
  std::string status;  // "INITIATED", "PAYMENT_PENDING", ...
};

inline constexpr std::string_view kOrderInitiated = "INITIATED";
inline constexpr std::string_view kOrderPaymentPending = "PAYMENT_PENDING";

class OrderClient {
 public:
  OrderClient(http::Client& client, std::vector<http::Endpoint> endpoints,
              std::string internal_secret,
              std::chrono::milliseconds timeout = std::chrono::milliseconds(1'000));

  // kNotFound (404), kUnavailable/kTimeout (unreachable, 5xx or an unreadable answer).
  Result<OrderView> GetOrder(const OrderId& order_id);

  // Ok when the order is now PAYMENT_PENDING; kConflict (409: no longer INITIATED), kNotFound,
  // kUnavailable/kTimeout (unreachable, 5xx, anything else: the change may or may not be made).
  Result<void> MarkPaymentPending(const OrderId& order_id);

 private:
  platform::PeerClient peer_;
};

// Reads the Order service's order JSON; kUnavailable when it is not one (a broken peer).
// Pure; for tests.
Result<OrderView> ParseOrderView(const std::string& body);

}  // namespace tinysaga::payment
