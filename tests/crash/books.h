#pragma once
// What the crash test reads from `tinysaga up`'s databases (SQLite files or PostgreSQL), on its
// own (not through apps/tinysaga/invariants, which `tinysaga check` runs as well): whether every order
// has come to rest, and the books: the money the wallets gave against the value of the orders
// placed, and each product's stock against its orders.
//
// Lifecycle: Open() once the databases exist (after `up` is ready); read-only queries through
// storage::Db, one connection per service's database. What spans two services' databases is
// joined here, not in SQL (PostgreSQL databases cannot be joined). Not thread-safe. The
// databases are read statement by statement, not at one instant: the figures are exact only
// at rest, which is when the test reads them.

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tinysaga/core/result.h"
#include "tinysaga/storage/db.h"

namespace tinysaga::crash {

// Orders (and what works on them) not at rest yet. All zero: every order is terminal, or
// INITIATED without a payment that could still move it (see Totals::abandoned).
struct Unsettled {
  int64_t paying_orders = 0;     // PAYMENT_PENDING or PAYMENT_DONE
  int64_t initiated_paid = 0;    // INITIATED with a PAYMENT row that did not fail
  int64_t cancels_pending = 0;   // PLACED with a cancel requested
  int64_t pending_payments = 0;  // PAYMENT rows PENDING (Payment died mid-request)
  int64_t queued_refunds = 0;    // refund_requests rows
  int64_t running_sagas = 0;     // RUNNING or COMPENSATING (Saga DB, orchestration only)

  bool settled() const;
  std::string ToString() const;  // "paying orders 3, pending payments 1, ..."
};

// Stock of one product: what admins supplied (INITIAL, RESTOCK and ADJUST movements), what is
// available now, and the units of its orders that hold stock (PLACED, ON_WAY, DELIVERED).
struct ProductStock {
  std::string product_id;
  int64_t supplied = 0;
  int64_t available = 0;
  int64_t placed_units = 0;
  bool balanced() const { return supplied == available + placed_units; }
};

struct Totals {
  std::map<std::string, int64_t> outcomes;  // "FAILED (insufficient funds)" -> count
  int64_t orders = 0;
  int64_t placed_orders = 0;       // PLACED, ON_WAY, DELIVERED
  int64_t placed_value_cents = 0;  // their prices (orders.price_cents is the order's total)
  // INITIATED without any PAYMENT row: created, and the payment never reached Payment's first
  // transaction (the bench's request failed while a process was down, and it moved on).
  int64_t abandoned = 0;
  // INITIATED with a FAILED payment (ORDER_REJECTED: the order could not be moved on).
  int64_t initiated_rejected = 0;
  // Wallet DB: sums of the ledger's DEPOSIT and WITHDRAWAL rows and of the balances.
  int64_t deposits_cents = 0;
  int64_t withdrawals_cents = 0;
  int64_t balances_cents = 0;
  // Transaction DB: PAYMENT rows COMPLETED (at rest: the payments the orders kept).
  int64_t completed_payments_cents = 0;
  std::vector<ProductStock> stock;
  std::map<std::string, int64_t> sagas;  // "order COMPLETED" -> count; empty without a Saga DB

  // What the wallets gave: deposits - withdrawals - balances.
  int64_t taken_from_wallets_cents() const {
    return deposits_cents - withdrawals_cents - balances_cents;
  }
};

class Books {
 public:
  // `db_template` as given to `up --db` ("sqlite:DIR" for `up --data DIR`); the Saga DB is
  // read only `with_sagas` (orchestration mode).
  static Result<std::unique_ptr<Books>> Open(const std::string& db_template, bool with_sagas);

  // Orders that reached a terminal status (PLACED, ON_WAY, DELIVERED, FAILED, CANCELED).
  Result<int64_t> CountFinishedOrders();
  Result<Unsettled> ReadUnsettled();
  // For a failure message: up to `limit` orders not at rest, one line each, with their status
  // history, their payment and their sagas.
  Result<std::string> DescribeUnsettledOrders(int limit = 20);
  Result<Totals> ReadTotals();

 private:
  Books() = default;

  // The INITIATED orders and the statuses of their PAYMENT rows (none: no payment).
  Result<std::map<std::string, std::vector<std::string>>> InitiatedOrdersPayments();

  std::unique_ptr<storage::Db> order_, payment_, wallet_, inventory_;
  std::unique_ptr<storage::Db> saga_;  // null without a Saga DB (choreography)
};

}  // namespace tinysaga::crash
