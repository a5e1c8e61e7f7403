#include "payment/handlers/transaction_json.h"

namespace tinysaga::payment {

nlohmann::json TransactionJson(const Transaction& transaction) {
  return nlohmann::json{
      {"transactionId", transaction.transaction_id.value()},
      {"userId", transaction.user_id.value()},
      {"orderId", transaction.order_id ? nlohmann::json(transaction.order_id->value())
                                       : nlohmann::json(nullptr)},
      {"type", FormatTransactionType(transaction.type)},
      {"paymentStatus", transaction.payment_status
                            ? nlohmann::json(FormatPaymentStatus(*transaction.payment_status))
                            : nlohmann::json(nullptr)},
      {"amount", transaction.amount_cents},
      {"currency", transaction.currency},
      {"timestamp", FormatRfc3339(transaction.timestamp_ms)},
      {"description", transaction.description},
  };
}

}  // namespace tinysaga::payment
