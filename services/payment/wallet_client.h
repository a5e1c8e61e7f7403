#pragma once
// Payment's view of the Wallet service, for now one blocking call: a user's deposits and
// withdrawals, GET /internal/wallet-transactions?userId=&limit= as the service caller.
// Sent through platform::PeerClient (round-robin; only an instance that is certainly
// unreachable is skipped, a timeout is reported as is).
//
// Lifecycle: holds a reference to an http::Client that must outlive it. Thread-safe.

#include <chrono>
#include <string>
#include <vector>

#include "payment/domain/transaction.h"
#include "tinysaga/http/client.h"
#include "tinysaga/platform/peer_client.h"

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
  platform::PeerClient peer_;
};

// Reads {"transactions": [...]} in the API's transaction shape. Rows of other types than
// DEPOSIT and WITHDRAWAL (the Wallet's own debit/credit ledger lines mirror Payment's rows)
// and rows of another user are left out. Pure; exposed for tests.
Result<std::vector<Transaction>> ParseWalletTransactions(const std::string& body,
                                                         const UserId& user_id);

}  // namespace tinysaga::payment
