#pragma once
// The Payment service's HTTP endpoints. For now: GET /api/transactions (API.md "Payment").
// POST /api/payment (the order saga's entry) comes with the saga.
//
// Lifecycle: constructed by Run() or a test with references that must outlive it.
// Thread-safe: the methods keep no state of their own.

#include <string>

#include "payment/wallet_client.h"
#include "tinysaga/core/clock.h"
#include "tinysaga/core/rng.h"
#include "tinysaga/http/message.h"
#include "tinysaga/http/server.h"
#include "tinysaga/platform/caller.h"
#include "tinysaga/storage/db.h"

namespace tinysaga::payment {

class PaymentApi {
 public:
  PaymentApi(storage::Db& db, const Clock& clock, Rng& rng, WalletClient& wallet);

  // GET /api/transactions?orderId=&userId=&limit= -> 200 {"transactions": [...]} newest first:
  // Payment's PAYMENT/REFUND rows merged with the Wallet's deposits and withdrawals when the
  // listing is for one user and not narrowed to an order.
  http::Response ListTransactions(const http::Request& request, const platform::Caller& caller);

  // Adds every route above, each wrapped by platform::Guarded.
  void Register(http::Server& server, const std::string& internal_secret);

 private:
  storage::Db& db_;
  const Clock& clock_;  // used by the payment endpoints that come with the saga
  Rng& rng_;            // likewise
  WalletClient& wallet_;
};

}  // namespace tinysaga::payment
