#pragma once
// Payment's view of the Wallet service, for now one blocking call: a user's deposits and
// withdrawals, GET /internal/wallet-transactions?userId=&limit= as the service caller.
// Round-robin over the configured instances; an instance that is certainly unreachable
// (kUnavailable) is skipped for the next one. A timeout (outcome unknown) is reported as is.
//
// Lifecycle: holds a reference to an http::Client that must outlive it. Thread-safe.

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "payment/domain/transaction.h"
#include "tinysaga/http/client.h"

namespace tinysaga::payment {

class WalletClient {
 public:
  WalletClient(http::Client& client, std::vector<http::Endpoint> endpoints,
               std::string internal_secret,
               std::chrono::milliseconds timeout = std::chrono::milliseconds(2'000));

  // The user's DEPOSIT and WITHDRAWAL rows, newest first, at most `limit`. A user without a
  // wallet (404) has none. kUnavailable or kTimeout when the Wallet cannot answer, or answers
  // something that is not such a list (a broken peer is a dependency fault).
  Result<std::vector<Transaction>> ListWalletTransactions(const UserId& user_id, int limit);

 private:
  Result<http::Response> SendToSomeInstance(const http::Request& request);

  http::Client& client_;
  std::vector<http::Endpoint> endpoints_;
  std::string internal_secret_;
  std::chrono::milliseconds timeout_;
  std::atomic<size_t> next_{0};
};

// Reads {"transactions": [...]} in the API's transaction shape. Rows of other types than
// DEPOSIT and WITHDRAWAL (the Wallet's own debit/credit ledger lines mirror Payment's rows)
// and rows of another user are left out. Pure; exposed for tests.
Result<std::vector<Transaction>> ParseWalletTransactions(const std::string& body,
                                                         const UserId& user_id);

}  // namespace tinysaga::payment
