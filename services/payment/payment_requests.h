#pragma once
// POST /api/payment's Idempotency-Key in two phases (table payment_requests): platform's
// Idempotent runs the whole effect in one transaction, but a payment calls the Order service
// and the wallet with retries in between, and no transaction may be held across those. So:
//   1. the key is claimed, "in progress" (no response yet), in the transaction that inserts
//      the PENDING payment;
//   2. the final response, whatever its status (200, 402, 409, 503), is stored in the
//      transaction that records the payment's outcome.
// A request with a claimed key replays the stored response, or answers 409 while the first is
// still in progress; a different request with the same key is 422.
//
// Functions run on the caller's session and transaction; they never commit.

#include <optional>
#include <string>

#include "tinysaga/core/clock.h"
#include "tinysaga/core/ids.h"
#include "tinysaga/storage/idempotency.h"

namespace soci {
class session;
}

namespace tinysaga::payment {

struct PaymentClaim {
  std::string scope;  // the caller's user id, or "@service"
  std::string key;
  std::string fingerprint;  // storage::RequestFingerprint of the request
  OrderId order_id;
  ProductId product_id;  // for the payment's events, should the reconciler send them
  int64_t quantity = 0;
  std::string traceparent;  // the request's trace context; may be empty
};

struct ClaimState {
  PaymentClaim claim;
  std::optional<storage::StoredResponse> response;  // nullopt: still in progress
};

std::optional<ClaimState> FindClaim(soci::session& session, const std::string& scope,
                                    const std::string& key);
// The claim of the order's payment, if it was made through POST /api/payment.
std::optional<ClaimState> FindClaimOfOrder(soci::session& session, const OrderId& order_id);

// Throws (a unique violation: kConflict from storage::Db) when the key or the order is claimed.
void InsertClaim(soci::session& session, const PaymentClaim& claim, TimestampMs now_ms);

// Stores the final response of the order's claim if it is still in progress; false otherwise.
bool FinishClaimOfOrder(soci::session& session, const OrderId& order_id,
                        const storage::StoredResponse& response, TimestampMs now_ms);

}  // namespace tinysaga::payment
