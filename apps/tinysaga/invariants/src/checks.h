#pragma once
// Internal to the invariants library: the snapshot indexed by order, and one function per
// group of checks. Evaluate (evaluate.cpp) builds the index and runs them in a fixed order.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "order/domain/order_status.h"
#include "payment/domain/transaction.h"
#include "tinysaga/invariants/invariants.h"

namespace tinysaga::invariants::internal {

// Sums amounts without wrapping: an int64 overflow is remembered and reported once.
class Total {
 public:
  void Add(int64_t amount);
  int64_t value() const { return value_; }
  bool overflowed() const { return overflowed_; }

 private:
  int64_t value_ = 0;
  bool overflowed_ = false;
};

// Everything that refers to one order id, from every database. Rows that are malformed
// (reported by IndexSnapshot) are left out. Points into the Snapshot it was built from, which
// must outlive it.
struct OrderFacts {
  std::string order_id;
  const OrderRow* order = nullptr;  // nullptr: the Order DB has no such order
  std::optional<order::OrderStatus> status;
  std::vector<const PaymentRow*> payments;  // type PAYMENT
  std::vector<const PaymentRow*> refunds;   // type REFUND
  std::vector<const LedgerRow*> debits;
  std::vector<const LedgerRow*> credits;
  std::vector<const MovementRow*> reserves;
  std::vector<const MovementRow*> releases;
  std::vector<const SagaRow*> order_sagas;
  std::vector<const SagaRow*> cancel_sagas;
  bool refund_queued = false;  // Payment's refund_requests holds the order's refund

  // Why the order is not at rest yet, in words; a violation when the rules say settled.
  std::vector<std::string> unsettled_reasons;
  // A saga for the order is RUNNING or COMPENSATING: only the overdue rule applies.
  bool saga_running = false;

  // The order has no final state to check yet.
  bool InFlight() const { return !unsettled_reasons.empty() || saga_running; }
  // The one PAYMENT row, or nullptr (none, or duplicates, which are reported on their own).
  const PaymentRow* payment() const { return payments.size() == 1 ? payments.front() : nullptr; }
  std::optional<payment::PaymentStatus> PaymentStatus() const;
  int64_t NetChargeCents() const;    // debits - credits
  int64_t NetReservedUnits() const;  // -(sum of RESERVE and RELEASE deltas)
};

struct Index {
  std::map<std::string, OrderFacts> orders;  // by order id, so reports come out sorted
  // The well-formed rows that wallet and product totals are computed from.
  std::vector<const LedgerRow*> ledger;
  std::vector<const MovementRow*> movements;
};

// Collects violations; every check appends through it. Owned by one Evaluate call.
class Findings {
 public:
  void Add(ViolationKind kind, std::string subject, std::string message);
  std::vector<Violation> Take() { return std::move(violations_); }

 private:
  std::vector<Violation> violations_;
};

std::string OrderSubject(const std::string& order_id);
std::string Cents(int64_t cents);  // "1250 cents"

// Reports malformed rows and builds the index from the others.
Index IndexSnapshot(const Snapshot& snapshot, Findings& findings);

// money_checks.cpp
void CheckWallets(const Snapshot& snapshot, const Index& index, Findings& findings,
                  Summary& summary);
void CheckOrderMoney(const OrderFacts& facts, Findings& findings);
void CheckVoidedDebits(const Snapshot& snapshot, Findings& findings, Summary& summary);
// Each refund the wallet refused for good is a violation that says why.
void CheckRefusedRefunds(const Snapshot& snapshot, Findings& findings);
// After CheckWallets, whose totals it compares with the payments'.
void CheckMoneyConserved(const Index& index, Findings& findings, Summary& summary);

// stock_checks.cpp
void CheckProducts(const Snapshot& snapshot, const Index& index, Findings& findings,
                   Summary& summary);
void CheckOrderStock(const OrderFacts& facts, Findings& findings);

// order_checks.cpp
void CheckOrphans(const OrderFacts& facts, Findings& findings);
void CheckInFlight(const OrderFacts& facts, const Rules& rules, Findings& findings);
void CheckOrderStatus(const OrderFacts& facts, Findings& findings);

// saga_checks.cpp (only when the snapshot has a Saga DB)
void CheckSagaDeadlines(const std::vector<SagaRow>& sagas, const Rules& rules, Findings& findings,
                        Summary& summary);
void CheckOrderSagas(const OrderFacts& facts, const Rules& rules, Findings& findings);

// evaluate.cpp
void CheckOutboxes(const Snapshot& snapshot, const Rules& rules, Findings& findings);

}  // namespace tinysaga::invariants::internal
