#pragma once
// The Payment service's HTTP endpoints (API.md "Payment"):
//   POST /api/payment {"orderId"} with Idempotency-Key: reads the order, moves it to
//     PAYMENT_PENDING, debits the wallet with retries and records the outcome with its event
//     (README "The payment flow"); 200 / 402 / 409 / 503.
//   GET /api/transactions?orderId=&userId=&limit=: the listing.
//
// Lifecycle: constructed by Run() or a test with references that must outlive it.
// Thread-safe: the methods keep no state of their own (the clients, Db, clock and rng are
// thread-safe), so the server's worker threads call them concurrently.

#include <functional>
#include <optional>
#include <string>

#include "payment/domain/transaction.h"
#include "payment/order_client.h"
#include "payment/wallet_client.h"
#include "tinysaga/contracts/messages.h"
#include "tinysaga/core/clock.h"
#include "tinysaga/core/rng.h"
#include "tinysaga/http/message.h"
#include "tinysaga/http/server.h"
#include "tinysaga/platform/caller.h"
#include "tinysaga/storage/db.h"

namespace tinysaga::payment {

class PaymentApi {
 public:
  // `notify_outbox` is called after a commit that put an event in the outbox
  // (ServiceContext::NotifyOutbox); tests may pass an empty function.
  PaymentApi(storage::Db& db, const Clock& clock, Rng& rng, WalletClient& wallet,
             OrderClient& orders, std::function<void()> notify_outbox);

  // POST /api/payment {"orderId"} -> 200 {"orderId", "transactionId", "paymentStatus":
  // "COMPLETED", "amount", "currency", "orderStatus": "PAYMENT_PENDING"}; 402
  // insufficient-funds; 409 conflict (order not INITIATED, or paid already) or
  // idempotency-in-progress; 404 (no such order, or another user's); 422 (key reused for
  // another request); 503 service-unavailable (the wallet or the Order service failed).
  http::Response PostPayment(const http::Request& request, const platform::Caller& caller);

  // GET /api/transactions?orderId=&userId=&limit= -> 200 {"transactions": [...]} newest first:
  // Payment's PAYMENT/REFUND rows merged with the Wallet's deposits and withdrawals when the
  // listing is for one user and not narrowed to an order.
  http::Response ListTransactions(const http::Request& request, const platform::Caller& caller);

  // Adds every route above, each wrapped by platform::Guarded.
  void Register(http::Server& server, const std::string& internal_secret);

 private:
  // One POST /api/payment past its checks: who asks, with which key, for which order.
  struct Attempt {
    std::string scope;  // idempotency scope: the user's id, "@service" for services
    std::string key;
    std::string fingerprint;
    std::string traceparent;  // the request's, when valid; else empty
    OrderId order_id;
    std::optional<OrderView> order;        // once read
    std::optional<TransactionId> payment;  // once the PENDING row is in
  };
  // How the attempt ends: the payment's new status, the event to publish (if any), the answer.
  struct Outcome {
    PaymentStatus status = PaymentStatus::kFailed;
    std::optional<FailureReason> reason;
    std::optional<contracts::Payload> event;
    bool void_debit = false;  // queue the void of a debit that may have gone through unseen
    http::Response response;
  };

  // The answer for a key already claimed (replay, 409 in progress, 422), or nullopt.
  std::optional<http::Response> AnswerForClaimedKey(const Attempt& attempt);
  // Transaction 1: the PENDING payment and the key's claim; an answer when refused.
  std::optional<http::Response> ClaimPayment(Attempt& attempt);
  // Order -> PAYMENT_PENDING, then the debit: the outcome to record.
  Result<void> MovedToPaymentPending(const OrderId& order_id);
  Outcome MoveOrderAndDebit(const Attempt& attempt);
  // Transaction 2: the outcome, its event and the key's final response; then the answer.
  http::Response Finish(const Attempt& attempt, Outcome outcome);

  storage::Db& db_;
  const Clock& clock_;
  Rng& rng_;
  WalletClient& wallet_;
  OrderClient& orders_;
  std::function<void()> notify_outbox_;
};

}  // namespace tinysaga::payment
