// The report as text: what `tinysaga check` prints.

#include <ostream>
#include <string>

#include "tinysaga/invariants/invariants.h"

namespace tinysaga::invariants {
namespace {

// "A 3, B 1", or "none".
std::string Counts(const std::map<std::string, int64_t>& counts) {
  std::string text;
  for (const auto& [name, count] : counts) {
    text += (text.empty() ? "" : ", ") + name + " " + std::to_string(count);
  }
  return text.empty() ? "none" : text;
}

int64_t Sum(const std::map<std::string, int64_t>& counts) {
  int64_t total = 0;
  for (const auto& [name, count] : counts) total += count;
  return total;
}

void PrintSummary(const Summary& summary, const Rules& rules, std::ostream& out) {
  out << "orders: " << Sum(summary.orders_by_status) << " (" << Counts(summary.orders_by_status)
      << "); in flight: " << summary.orders_in_flight << "\n";
  out << "wallets: " << summary.wallets << "; money in cents: balances " << summary.balances_cents
      << " = deposits " << summary.deposits_cents << " - withdrawals " << summary.withdrawals_cents
      << " - completed payments " << summary.payments_kept_cents
      << " - charged for orders in flight " << summary.charged_in_flight_cents << "\n";
  out << "payments in cents: paid " << summary.payments_paid_cents << ", refunded "
      << summary.payments_refunded_cents << "; wallet debits " << summary.debits_cents
      << ", credits " << summary.credits_cents << "; debits voided before they happened "
      << summary.voided_operations << "\n";
  out << "products: " << summary.products << "; stock: available " << summary.stock_available
      << " + taken by orders " << summary.stock_taken << " = supplied " << summary.stock_supplied
      << "\n";
  if (summary.sagas_checked) {
    out << "sagas: " << Sum(summary.sagas_by_type_and_status) << " ("
        << Counts(summary.sagas_by_type_and_status) << "); grace past a deadline "
        << rules.saga_grace_ms / 1000 << " s\n";
  } else {
    out << "sagas: not checked (" << summary.sagas_absent_reason << ")\n";
  }
  std::string outboxes;
  for (const OutboxBacklog& outbox : summary.outboxes) {
    outboxes +=
        (outboxes.empty() ? "" : ", ") + outbox.service + " " + std::to_string(outbox.unsent);
  }
  out << "unsent outbox rows: " << (outboxes.empty() ? "none read" : outboxes) << "\n";
}

}  // namespace

std::string_view ViolationKindName(ViolationKind kind) {
  switch (kind) {
    case ViolationKind::kMalformedRow:
      return "malformed-row";
    case ViolationKind::kNegative:
      return "negative";
    case ViolationKind::kWalletLedger:
      return "wallet-ledger";
    case ViolationKind::kMoneyNotConserved:
      return "money-not-conserved";
    case ViolationKind::kPaymentDebit:
      return "payment-debit";
    case ViolationKind::kRefundCredit:
      return "refund-credit";
    case ViolationKind::kNetCharge:
      return "net-charge";
    case ViolationKind::kVoidedDebit:
      return "voided-debit";
    case ViolationKind::kStockNotConserved:
      return "stock-not-conserved";
    case ViolationKind::kReservation:
      return "reservation";
    case ViolationKind::kOrderInconsistent:
      return "order-inconsistent";
    case ViolationKind::kInFlight:
      return "in-flight";
    case ViolationKind::kDuplicateEffect:
      return "duplicate-effect";
    case ViolationKind::kOrphanEffect:
      return "orphan-effect";
    case ViolationKind::kSagaMissing:
      return "saga-missing";
    case ViolationKind::kSagaDuplicate:
      return "saga-duplicate";
    case ViolationKind::kSagaOverdue:
      return "saga-overdue";
    case ViolationKind::kSagaStatus:
      return "saga-status";
    case ViolationKind::kOutboxNotDrained:
      return "outbox-not-drained";
    case ViolationKind::kRefundRefused:
      return "refund-refused";
    case ViolationKind::kSagaGaveUp:
      return "saga-gave-up";
  }
  return "unknown";
}

void PrintReport(const Report& report, std::ostream& out) {
  out << "tinysaga check ("
      << (report.rules.settled ? "settled: work still in flight is a violation"
                               : "not settled: work in flight is counted, not checked")
      << ")\n";
  PrintSummary(report.summary, report.rules, out);
  for (const Violation& violation : report.violations) {
    out << "VIOLATION " << ViolationKindName(violation.kind) << " " << violation.subject << ": "
        << violation.message << "\n";
  }
  if (report.ok()) {
    out << "OK: every invariant holds\n";
  } else {
    out << "FAILED: " << report.violations.size()
        << (report.violations.size() == 1 ? " violation\n" : " violations\n");
  }
}

}  // namespace tinysaga::invariants
