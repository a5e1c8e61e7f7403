#pragma once
// What `tinysaga check` reads from the services' databases: plain rows, exactly as stored,
// with only the columns the invariants need. Nothing here is validated; the checks report
// malformed values (an unknown status, a RESERVE with a positive delta) as violations, so a
// snapshot can hold anything a database can.
//
// A value type: build one by hand in tests, or load one with LoadSnapshot (loader.h).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tinysaga::invariants {

// Order DB, table orders.
struct OrderRow {
  std::string order_id;
  std::string user_id;
  std::string product_id;
  int64_t quantity = 0;
  int64_t price_cents = 0;
  std::string status;  // INITIATED, PAYMENT_PENDING, ... (order/domain/order_status.h)
  // The customer asked to cancel a PLACED order and the cancel saga has not finished yet.
  // False when the Order DB has no such column.
  bool cancel_requested = false;
};

// Transaction DB, table transactions: Payment's PAYMENT and REFUND rows.
struct PaymentRow {
  std::string transaction_id;
  std::string user_id;
  std::string order_id;
  std::string type;            // PAYMENT or REFUND
  std::string payment_status;  // PENDING, COMPLETED, FAILED, REFUNDED
  int64_t amount_cents = 0;
  // Why a PAYMENT is FAILED (INSUFFICIENT_FUNDS, UNAVAILABLE, ...); only for messages.
  std::optional<std::string> failure_reason;
};

// Wallet DB, table wallets.
struct WalletRow {
  std::string user_id;
  int64_t balance_cents = 0;
};

// Wallet DB, table wallet_ledger: every balance change.
struct LedgerRow {
  std::string entry_id;
  std::string user_id;
  std::string entry_type;  // DEPOSIT, WITHDRAWAL, DEBIT, CREDIT
  int64_t amount_cents = 0;
  std::optional<std::string> order_id;      // set for DEBIT and CREDIT
  std::optional<std::string> operation_id;  // the Payment service's idempotency key
};

// Wallet DB, table voided_operations: debit operations voided before they happened, so that
// the debit is refused if it still arrives.
struct VoidedOperationRow {
  std::string operation_id;
  std::string order_id;
};

// Payment DB, table refund_requests, a job whose refund the wallet refused for good.
struct RefusedRefundRow {
  std::string order_id;
  std::string reason;  // the wallet's answer
};

// Inventory DB, table products.
struct ProductRow {
  std::string product_id;
  int64_t available_count = 0;
};

// Inventory DB, table stock_movements: every change of a product's available count.
struct MovementRow {
  int64_t id = 0;
  std::string product_id;
  int64_t delta = 0;
  std::string kind;                     // INITIAL, RESTOCK, ADJUST, RESERVE, RELEASE
  std::optional<std::string> order_id;  // set for RESERVE and RELEASE
};

// Saga DB, table sagas (orchestration mode only).
struct SagaRow {
  std::string saga_id;
  std::string saga_type;  // "order" or "cancel" (sagas/order_sagas.h)
  std::string order_id;
  std::string status;                  // RUNNING, COMPENSATING, COMPLETED, FAILED, GAVE_UP
  std::optional<int64_t> deadline_ms;  // NULL when terminal
  std::string gave_up_why;  // GAVE_UP: the steps it could neither finish nor undo, and why
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
};

// One service database's transactional outbox: the rows the relay has not published yet.
struct OutboxBacklog {
  std::string service;  // "order", "payment", "wallet", "inventory", "orchestrator"
  int64_t unsent = 0;
  std::optional<int64_t> oldest_unsent_created_at_ms;
};

struct Snapshot {
  std::vector<OrderRow> orders;
  std::vector<PaymentRow> payments;
  std::vector<WalletRow> wallets;
  std::vector<LedgerRow> ledger;
  std::vector<VoidedOperationRow> voided_operations;  // empty when the schema has none
  // Payment DB, table refund_requests: orders whose refund waits for the wallet.
  std::vector<std::string> queued_refund_order_ids;
  // The same table's jobs the wallet refused for good (refused_reason set): not waiting, but
  // each for an operator to act on.
  std::vector<RefusedRefundRow> refused_refunds;
  std::vector<ProductRow> products;
  std::vector<MovementRow> movements;
  // nullopt when there is no Saga DB (choreography mode has no orchestrator); then
  // sagas_absent_reason says why, and the saga checks are skipped.
  std::optional<std::vector<SagaRow>> sagas;
  std::string sagas_absent_reason;
  std::vector<OutboxBacklog> outboxes;
};

}  // namespace tinysaga::invariants
