#pragma once
// The invariants of DESIGN.md "Guarantees", checked on a Snapshot of every service's database:
// money is conserved, stock is conserved, nothing is negative, every order's status agrees
// with its payment, wallet charge and stock, no effect is applied twice, sagas end and agree
// with their orders, outboxes are drained. README.md says what each check means in terms of
// the tables.
//
// Pure: no I/O and no clock (the time comes in Rules), so the same function serves the
// `tinysaga check` command, the simulator and unit tests. Thread-safe (no shared state).

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "tinysaga/core/clock.h"
#include "tinysaga/invariants/snapshot.h"

namespace tinysaga::invariants {

enum class ViolationKind {
  kMalformedRow,       // a value no service writes: unknown status or type, wrong sign
  kNegative,           // a balance or stock count below zero
  kWalletLedger,       // a wallet's balance differs from the sum of its ledger
  kMoneyNotConserved,  // balances != deposits - withdrawals - payments kept, in total
  kPaymentDebit,       // a completed/refunded payment without exactly one equal debit
  kRefundCredit,       // a refund without exactly one equal credit, or of the wrong payment
  kNetCharge,          // an order's wallet charge (debits - credits) differs from its payment
  kVoidedDebit,        // a debit whose operation was voided went through all the same
  kStockNotConserved,  // available + taken by orders != initial + restocks - adjustments
  kReservation,        // an order's reservation disagrees with the order or its release
  kOrderInconsistent,  // an order's status disagrees with its payment or stock
  kInFlight,           // not at rest although the system is said to be settled
  kDuplicateEffect,    // one order paid, refunded, debited, credited or reserved twice
  kOrphanEffect,       // a payment, ledger entry, movement or saga for an unknown order
  kSagaMissing,        // an order that needed a saga has none
  kSagaDuplicate,      // two sagas of one type for one order
  kSagaOverdue,        // a non-terminal saga past its deadline (plus the grace)
  kSagaStatus,         // a terminal saga's status disagrees with its order's
  kOutboxNotDrained,   // unsent outbox rows although the system is said to be settled
  kRefundRefused,      // the wallet refused an order's refund for good: an operator must act
  kSagaGaveUp,         // a saga ended with a step it could neither finish nor undo: ditto
};

// A stable slug for output and tests: "money-not-conserved", "net-charge", ...
std::string_view ViolationKindName(ViolationKind kind);

struct Violation {
  ViolationKind kind = ViolationKind::kMalformedRow;
  // What is wrong, as "<what> <id>": "order ord_1", "wallet alice", "product p1",
  // "saga sag_1", "outbox payment", or "money" / "stock" for totals.
  std::string subject;
  std::string message;  // a sentence with the numbers that disagree
};

struct Rules {
  // The caller asserts the system is quiescent: orders still in payment, pending payments,
  // overdue sagas and unsent outbox rows are violations. When false they are counted as in
  // flight and the checks that need a final state skip those orders.
  bool settled = true;
  // A non-terminal saga is overdue once now_ms > deadline_ms + saga_grace_ms.
  int64_t saga_grace_ms = 60'000;
  TimestampMs now_ms = 0;
};

// Totals for the summary. Money in cents, stock in units.
struct Summary {
  std::map<std::string, int64_t> orders_by_status;
  int64_t orders_in_flight = 0;
  int64_t wallets = 0;
  int64_t balances_cents = 0;
  int64_t deposits_cents = 0;
  int64_t withdrawals_cents = 0;
  int64_t debits_cents = 0;
  int64_t credits_cents = 0;
  int64_t payments_paid_cents = 0;      // PAYMENT rows COMPLETED or REFUNDED
  int64_t payments_refunded_cents = 0;  // REFUND rows
  int64_t payments_kept_cents = 0;      // COMPLETED payments of orders at rest
  int64_t charged_in_flight_cents = 0;  // wallet debits - credits of orders in flight
  int64_t voided_operations = 0;        // debits voided before they happened
  int64_t products = 0;
  int64_t stock_available = 0;
  int64_t stock_taken = 0;     // net reserved by orders
  int64_t stock_supplied = 0;  // initial + restocks - adjustments
  bool sagas_checked = false;
  std::string sagas_absent_reason;
  std::map<std::string, int64_t> sagas_by_type_and_status;  // "order COMPLETED" -> 3
  std::vector<OutboxBacklog> outboxes;
};

struct Report {
  Rules rules;
  Summary summary;
  std::vector<Violation> violations;  // in a stable order: by check, then by id

  bool ok() const { return violations.empty(); }
};

Report Evaluate(const Snapshot& snapshot, const Rules& rules);

// The summary, then every violation, then a last line saying whether everything holds.
void PrintReport(const Report& report, std::ostream& out);

}  // namespace tinysaga::invariants
