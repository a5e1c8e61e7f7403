#pragma once
// The Transaction DB through SOCI: Payment's PAYMENT and REFUND rows. Every function runs on
// the caller's session, inside the caller's transaction when it writes; SOCI exceptions
// propagate to storage::Db, which rolls back and turns them into error values (a second row of
// the same type for one order is a unique violation, i.e. kConflict). Status changes are
// conditional updates, so two racing writers cannot both move one payment.

#include <optional>
#include <vector>

#include "payment/domain/list_query.h"
#include "payment/domain/transaction.h"

namespace soci {
class session;
}

namespace tinysaga::payment {

// `transaction` must be a PAYMENT or REFUND that passes CheckShape (asserted).
void InsertTransaction(soci::session& session, const Transaction& transaction);

std::optional<Transaction> FindTransaction(soci::session& session,
                                           const TransactionId& transaction_id);

// The order's PAYMENT or REFUND row, if any (there is at most one of each).
std::optional<Transaction> FindOrderTransaction(soci::session& session, const OrderId& order_id,
                                                TransactionType type);

// Moves the payment from `expected` to `to` (the caller checked CheckPaymentTransition).
// False when the row is missing or its status changed meanwhile; nothing is written then.
bool UpdatePaymentStatusIf(soci::session& session, const TransactionId& transaction_id,
                           PaymentStatus expected, PaymentStatus to, TimestampMs now_ms);

// The order's PAYMENT row with the reason it FAILED (nullopt unless FAILED).
struct PaymentRecord {
  Transaction transaction;
  std::optional<FailureReason> failure_reason;
};
std::optional<PaymentRecord> FindPayment(soci::session& session, const OrderId& order_id);

// Moves a PENDING payment to its outcome: COMPLETED, or FAILED with `reason` (required then).
// False when it is not PENDING any more (the reconciler resolved it first); nothing is written.
bool FinishPaymentIf(soci::session& session, const TransactionId& transaction_id, PaymentStatus to,
                     std::optional<FailureReason> reason, TimestampMs now_ms);

// PENDING payments created before `created_before_ms`, oldest first, at most `limit`.
std::vector<Transaction> ListPendingPayments(soci::session& session, TimestampMs created_before_ms,
                                             int limit);

struct TransactionFilter {
  std::optional<UserId> user_id;
  std::optional<OrderId> order_id;
  int limit = kListLimitDefault;
};

// Newest first by (created time, transaction id).
std::vector<Transaction> ListTransactions(soci::session& session, const TransactionFilter& filter);

}  // namespace tinysaga::payment
