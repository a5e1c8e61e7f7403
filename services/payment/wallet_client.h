#pragma once
// Payment's view of the Wallet service, blocking calls as the service caller through
// platform::PeerClient (round-robin; only an instance that is certainly unreachable is skipped,
// a timeout is reported as is):
// - a user's deposits and withdrawals, GET /internal/wallet-transactions?userId=&limit=;
// - an order's debit, POST /internal/debits, and its refund (or the void of a debit that has
//   not happened), POST /internal/refunds, each retried by the Retrier under ONE operation id
//   ("pay:<orderId>", "refund:<orderId>"), so that attempts the wallet applied although their
//   answer was lost amount to a single debit or credit.
//
// Lifecycle: holds a reference to an http::Client and an Rng (in the Retrier) that must
// outlive it. Thread-safe.

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "payment/domain/transaction.h"
#include "payment/retry.h"
#include "tinysaga/core/money.h"
#include "tinysaga/http/client.h"
#include "tinysaga/platform/peer_client.h"

namespace tinysaga::payment {

// The wallet's operation ids for an order: its debit, and the refund that gives the debit back.
std::string DebitOperationId(const OrderId& order_id);   // "pay:<orderId>"
std::string RefundOperationId(const OrderId& order_id);  // "refund:<orderId>"

struct WalletDebit {
  TransactionId entry_id;  // the wallet's DEBIT ledger entry
  int64_t balance_cents = 0;
  bool replayed = false;  // an earlier attempt had applied it
};

struct WalletRefund {
  int64_t refunded_cents = 0;             // 0: the debit never happened and is now voided
  std::optional<TransactionId> entry_id;  // the wallet's CREDIT entry; nullopt when voided
};

class WalletClient {
 public:
  // `retrier`'s per-attempt timeout applies to debits and refunds; `list_timeout` to listings.
  WalletClient(http::Client& client, std::vector<http::Endpoint> endpoints,
               std::string internal_secret, Retrier retrier,
               std::chrono::milliseconds list_timeout = std::chrono::milliseconds(2'000));

  // Debits `amount` from `user_id`'s wallet for the order, with retries. Final errors:
  // kInsufficientFunds (402, also without a wallet), kConflict (409: the operation was voided
  // by a refund first), kIdempotencyMismatch (422), kInternal (another refusal: a bug). After
  // the last attempt: kUnavailable or kTimeout (the debit may have happened unseen).
  Result<WalletDebit> Debit(const OrderId& order_id, const UserId& user_id, const Money& amount);

  // Gives back the order's debit, or voids it when it has not happened, with retries.
  // Final errors: kIdempotencyMismatch (422: the ids belong to another user or order),
  // kInternal; after the last attempt kUnavailable or kTimeout (nothing is known).
  Result<WalletRefund> Refund(const OrderId& order_id, const UserId& user_id);

  // Asks for several orders' refunds at once (order id, user id), ONE attempt each, and waits
  // for every answer: for a caller whose own queue is the retry loop (the refund worker). The
  // answers come in the order of `refunds`, with Refund's errors. With an in-process transport
  // the requests go one after the other, on the caller's thread.
  std::vector<Result<WalletRefund>> RefundEach(
      const std::vector<std::pair<OrderId, UserId>>& refunds);

  // The user's DEPOSIT and WITHDRAWAL rows, newest first, at most `limit`. A user without a
  // wallet (404) has none. kUnavailable or kTimeout when the Wallet cannot answer, or answers
  // something that is not such a list (a broken peer is a dependency fault).
  Result<std::vector<Transaction>> ListWalletTransactions(const UserId& user_id, int limit);

 private:
  // One POST to the wallet, told by Meaning.
  Result<http::Response> PostOnce(const std::string& target, const std::string& body);
  static http::Request PostRequest(const std::string& target, const std::string& body);
  // The response for 2xx, else the error its status means (5xx: kUnavailable, which the
  // Retrier tries again).
  static Result<http::Response> Meaning(Result<http::Response> sent);

  platform::PeerClient list_peer_;
  platform::PeerClient operation_peer_;
  Retrier retrier_;
};

// Reads the wallet's answers to a debit and to a refund; a malformed 2xx answer is
// kUnavailable (retryable: the operation id makes a repeat harmless). Pure; for tests.
Result<WalletDebit> ParseWalletDebit(const std::string& body);
Result<WalletRefund> ParseWalletRefund(const std::string& body);

// Reads {"transactions": [...]} in the API's transaction shape. Rows of other types than
// DEPOSIT and WITHDRAWAL (the Wallet's own debit/credit ledger lines mirror Payment's rows)
// and rows of another user are left out. Pure; exposed for tests.
Result<std::vector<Transaction>> ParseWalletTransactions(const std::string& body,
                                                         const UserId& user_id);

}  // namespace tinysaga::payment
