#pragma once
// The transaction's JSON as API.md spells it.

#include <nlohmann/json.hpp>

#include "payment/domain/transaction.h"

namespace tinysaga::payment {

// transactionId, userId, orderId (null for deposits and withdrawals), type, paymentStatus
// (null for non-payments), amount, currency, timestamp, description.
nlohmann::json TransactionJson(const Transaction& transaction);

}  // namespace tinysaga::payment
