#include "wallet/payment_operations.h"

#include <soci/soci.h>

namespace tinysaga::wallet {
namespace {

// SQLite serialises writers (BEGIN IMMEDIATE), so a debit and the void of its operation cannot
// interleave there. PostgreSQL's READ COMMITTED would let both see "nothing yet" and both
// commit (a debit AND its tombstone: money taken after the payment gave up), so both take a
// transaction-scoped advisory lock on the debit's operation id first.
void LockOperationIfPostgres(soci::session& session, const std::string& operation_id) {
  if (session.get_backend_name() != "postgresql") return;
  const std::string scope = "wallet-operation\n" + operation_id;
  int locked = 0;
  session << "SELECT COUNT(*) FROM (SELECT pg_advisory_xact_lock(hashtextextended(:scope, 0))) "
             "AS operation_lock",
      soci::use(scope), soci::into(locked);
}

Error Mismatch(const std::string& what) {
  return MakeError(Errc::kIdempotencyMismatch, what + " belongs to another request");
}

void InsertVoidedOperation(soci::session& session, const VoidedOperation& voided) {
  const long long at_ms = voided.at_ms;
  session << "INSERT INTO voided_operations (operation_id, voided_by, user_id, order_id, at_ms) "
             "VALUES (:operation_id, :voided_by, :user_id, :order_id, :at_ms)",
      soci::use(voided.operation_id, "operation_id"), soci::use(voided.voided_by, "voided_by"),
      soci::use(voided.user_id.value(), "user_id"), soci::use(voided.order_id.value(), "order_id"),
      soci::use(at_ms, "at_ms");
}

Result<std::optional<Money>> BalanceOf(soci::session& session, const UserId& user_id) {
  TS_ASSIGN_OR_RETURN(std::optional<Wallet> wallet, FindWallet(session, user_id));
  if (!wallet) return std::optional<Money>();
  return std::optional<Money>(wallet->balance);
}

// The refund was made before: its credit entry answers again.
Result<RefundResult> ReplayCredit(soci::session& session, const LedgerEntry& credit,
                                  const RefundRequest& request) {
  if (credit.type != EntryType::kCredit || credit.user_id != request.user_id ||
      credit.order_id != std::optional<OrderId>(request.order_id)) {
    return Mismatch("operation " + request.operation_id);
  }
  TS_ASSIGN_OR_RETURN(std::optional<Money> balance, BalanceOf(session, request.user_id));
  return RefundResult{.refunded_cents = credit.amount.cents(),
                      .transaction_id = credit.entry_id,
                      .balance = std::move(balance),
                      .replayed = true};
}

// The debit happened: its amount goes back under the refund's operation id.
Result<RefundResult> CreditDebit(soci::session& session, const LedgerEntry& debit,
                                 const RefundRequest& request, const TransactionId& entry_id,
                                 TimestampMs now_ms) {
  if (debit.type != EntryType::kDebit || debit.user_id != request.user_id ||
      debit.order_id != std::optional<OrderId>(request.order_id)) {
    return Mismatch("operation " + request.debit_operation_id);
  }
  const LedgerEntry credit{
      .entry_id = entry_id,
      .user_id = request.user_id,
      .type = EntryType::kCredit,
      .amount = debit.amount,
      .order_id = request.order_id,
      .operation_id = request.operation_id,
      .description = DefaultDescription(EntryType::kCredit),
      .created_at_ms = now_ms,
  };
  TS_ASSIGN_OR_RETURN(AppliedEntry applied, ApplyEntry(session, credit));
  return RefundResult{.refunded_cents = debit.amount.cents(),
                      .transaction_id = applied.entry.entry_id,
                      .balance = applied.balance,
                      .replayed = applied.replayed};
}

// The debit has not happened: its operation id is voided, now or by an earlier equal refund.
Result<RefundResult> VoidDebit(soci::session& session, const RefundRequest& request,
                               TimestampMs now_ms) {
  TS_ASSIGN_OR_RETURN(std::optional<VoidedOperation> existing,
                      FindVoidedOperation(session, request.debit_operation_id));
  if (existing &&
      (existing->voided_by != request.operation_id || existing->user_id != request.user_id ||
       existing->order_id != request.order_id)) {
    return Mismatch("the void of operation " + request.debit_operation_id);
  }
  if (!existing) {
    InsertVoidedOperation(session, VoidedOperation{.operation_id = request.debit_operation_id,
                                                   .voided_by = request.operation_id,
                                                   .user_id = request.user_id,
                                                   .order_id = request.order_id,
                                                   .at_ms = now_ms});
  }
  TS_ASSIGN_OR_RETURN(std::optional<Money> balance, BalanceOf(session, request.user_id));
  return RefundResult{.refunded_cents = 0,
                      .transaction_id = std::nullopt,
                      .balance = std::move(balance),
                      .replayed = existing.has_value()};
}

}  // namespace

Result<std::optional<AppliedEntry>> ApplyDebit(soci::session& session, const DebitRequest& request,
                                               const TransactionId& entry_id, TimestampMs now_ms) {
  LockOperationIfPostgres(session, request.operation_id);
  TS_ASSIGN_OR_RETURN(std::optional<VoidedOperation> voided,
                      FindVoidedOperation(session, request.operation_id));
  if (voided) return std::optional<AppliedEntry>();
  const LedgerEntry debit{
      .entry_id = entry_id,
      .user_id = request.user_id,
      .type = EntryType::kDebit,
      .amount = request.amount,
      .order_id = request.order_id,
      .operation_id = request.operation_id,
      .description = DefaultDescription(EntryType::kDebit),
      .created_at_ms = now_ms,
  };
  TS_ASSIGN_OR_RETURN(AppliedEntry applied, ApplyEntry(session, debit));
  return std::optional<AppliedEntry>(std::move(applied));
}

Result<RefundResult> ApplyRefund(soci::session& session, const RefundRequest& request,
                                 const TransactionId& entry_id, TimestampMs now_ms) {
  if (request.operation_id == request.debit_operation_id) {
    return MakeError(Errc::kInvalidRequest, "a refund needs an operation id of its own");
  }
  LockOperationIfPostgres(session, request.debit_operation_id);
  TS_ASSIGN_OR_RETURN(std::optional<LedgerEntry> credit,
                      FindEntryByOperation(session, request.operation_id));
  if (credit) return ReplayCredit(session, *credit, request);
  TS_ASSIGN_OR_RETURN(std::optional<LedgerEntry> debit,
                      FindEntryByOperation(session, request.debit_operation_id));
  if (debit) return CreditDebit(session, *debit, request, entry_id, now_ms);
  return VoidDebit(session, request, now_ms);
}

Result<std::optional<VoidedOperation>> FindVoidedOperation(soci::session& session,
                                                           const std::string& operation_id) {
  VoidedOperation voided;
  std::string user_id;
  std::string order_id;
  long long at_ms = 0;
  session << "SELECT voided_by, user_id, order_id, at_ms FROM voided_operations "
             "WHERE operation_id = :operation_id",
      soci::into(voided.voided_by), soci::into(user_id), soci::into(order_id), soci::into(at_ms),
      soci::use(operation_id, "operation_id");
  if (!session.got_data()) return std::optional<VoidedOperation>();
  voided.operation_id = operation_id;
  voided.user_id = UserId(std::move(user_id));
  voided.order_id = OrderId(std::move(order_id));
  voided.at_ms = at_ms;
  return std::optional<VoidedOperation>(std::move(voided));
}

}  // namespace tinysaga::wallet
