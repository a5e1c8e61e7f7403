#pragma once
// The Payment service's two operations on a wallet, as SQL on the caller's transaction:
// a debit for an order, and its refund, which also voids a debit that has not happened (yet).
//
// Why a void: Payment retries a debit that timed out with the same operation id, then gives up
// and answers 503. The debit request may still be on its way (a wallet stopped with the request
// in its socket buffer wakes up later and applies it). The refund that compensates the payment
// therefore either credits the debit back, when it exists, or leaves a tombstone for its
// operation id, so that the late debit is refused. Each runs in one write transaction, so a
// debit and the refund of its operation are serialised and exactly one order of the two
// happens: no money is lost and none is taken twice.
//
// Both are idempotent by operation id: a repeat answers the first result without a change.
// Functions never commit; SOCI exceptions are left to storage::Db. Thread safety: as the
// session.

#include <optional>
#include <string>

#include "tinysaga/core/clock.h"
#include "tinysaga/core/ids.h"
#include "tinysaga/core/money.h"
#include "tinysaga/core/result.h"
#include "wallet/wallet_repository.h"

namespace soci {
class session;
}

namespace tinysaga::wallet {

struct DebitRequest {
  std::string operation_id;  // "pay:<orderId>" by convention; the same on every retry
  UserId user_id;
  OrderId order_id;
  Money amount;
};

// Debits `request.amount` under its operation id with a new entry `entry_id` at `now_ms`:
// the applied (or replayed) entry, or nullopt when a refund voided this operation before it
// arrived (nothing changed).
// Errors as ApplyEntry: kInsufficientFunds (also without a wallet), kIdempotencyMismatch (the
// operation id was used for another request), kUnprocessable (currency mix), kConflict (the
// balance kept changing concurrently; retryable by the caller).
Result<std::optional<AppliedEntry>> ApplyDebit(soci::session& session, const DebitRequest& request,
                                               const TransactionId& entry_id, TimestampMs now_ms);

struct RefundRequest {
  std::string debit_operation_id;  // the debit to give back or void
  std::string operation_id;        // the refund's own ("refund:<orderId>"), for its credit
  UserId user_id;
  OrderId order_id;
};

struct RefundResult {
  int64_t refunded_cents = 0;                   // what the debit took; 0 when it was voided
  std::optional<TransactionId> transaction_id;  // the credit entry; nullopt when voided
  std::optional<Money> balance;                 // the wallet's balance now; nullopt: no wallet
  bool replayed = false;                        // answered from an earlier identical refund
};

// Gives back what the debit took, exactly once: credits its amount under
// `request.operation_id` (entry `entry_id`) when the debit exists, otherwise voids the debit's
// operation id. kIdempotencyMismatch when the debit, the credit or the void belongs to another
// user or order, or one of the ids was used for something else.
Result<RefundResult> ApplyRefund(soci::session& session, const RefundRequest& request,
                                 const TransactionId& entry_id, TimestampMs now_ms);

struct VoidedOperation {
  std::string operation_id;
  std::string voided_by;  // the refund's operation id
  UserId user_id;
  OrderId order_id;
  TimestampMs at_ms = 0;
};

Result<std::optional<VoidedOperation>> FindVoidedOperation(soci::session& session,
                                                           const std::string& operation_id);

}  // namespace tinysaga::wallet
