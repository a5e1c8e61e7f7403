#pragma once
// Builds consistent snapshots for the invariant tests: each method records, in every
// service's tables, exactly what one finished flow of the order saga leaves behind. A test
// then breaks one row on purpose. Owned by one test; not thread-safe (and needs not be).

#include <algorithm>
#include <cstdint>
#include <string>

#include "tinysaga/invariants/snapshot.h"

namespace tinysaga::invariants::testing {

inline constexpr int64_t kNowMs = 1'767'225'600'000;  // 2026-01-01

class World {
 public:
  World() {
    snapshot_.sagas.emplace();
    for (const char* service : {"order", "payment", "wallet", "inventory", "orchestrator"}) {
      snapshot_.outboxes.push_back(OutboxBacklog{.service = service});
    }
  }

  World& Wallet(const std::string& user, int64_t deposit_cents) {
    snapshot_.wallets.push_back(WalletRow{.user_id = user, .balance_cents = 0});
    Ledger(user, "DEPOSIT", deposit_cents, std::nullopt);
    return *this;
  }

  World& Product(const std::string& product, int64_t stock) {
    snapshot_.products.push_back(ProductRow{.product_id = product, .available_count = 0});
    Movement(product, 0, "INITIAL", std::nullopt);
    Movement(product, stock, "RESTOCK", std::nullopt);
    return *this;
  }

  // Paid, stock taken, order saga completed.
  World& Placed(const std::string& order, const std::string& user, const std::string& product,
                int64_t quantity, int64_t price_cents, const std::string& status = "PLACED") {
    Order(order, user, product, quantity, price_cents, status);
    Payment(order, user, "PAYMENT", "COMPLETED", price_cents);
    Ledger(user, "DEBIT", price_cents, order);
    Movement(product, -quantity, "RESERVE", order);
    Saga(order, "order", "COMPLETED");
    return *this;
  }

  World& Initiated(const std::string& order, const std::string& user, const std::string& product,
                   int64_t quantity, int64_t price_cents) {
    Order(order, user, product, quantity, price_cents, "INITIATED");
    return *this;
  }

  // Declined: nothing charged.
  World& FailedInsufficientFunds(const std::string& order, const std::string& user,
                                 const std::string& product, int64_t quantity,
                                 int64_t price_cents) {
    Order(order, user, product, quantity, price_cents, "FAILED");
    Payment(order, user, "PAYMENT", "FAILED", price_cents);
    Saga(order, "order", "FAILED");
    return *this;
  }

  // Paid, then out of stock: refunded.
  World& FailedOutOfStock(const std::string& order, const std::string& user,
                          const std::string& product, int64_t quantity, int64_t price_cents) {
    Order(order, user, product, quantity, price_cents, "FAILED");
    Payment(order, user, "PAYMENT", "REFUNDED", price_cents);
    Ledger(user, "DEBIT", price_cents, order);
    Payment(order, user, "REFUND", "COMPLETED", price_cents);
    Ledger(user, "CREDIT", price_cents, order);
    Saga(order, "order", "FAILED");
    return *this;
  }

  // The wallet was unreachable; a debit went through unseen and was voided by a credit.
  World& FailedUnavailableVoided(const std::string& order, const std::string& user,
                                 const std::string& product, int64_t quantity,
                                 int64_t price_cents) {
    Order(order, user, product, quantity, price_cents, "FAILED");
    Payment(order, user, "PAYMENT", "FAILED", price_cents);
    Ledger(user, "DEBIT", price_cents, order);
    Ledger(user, "CREDIT", price_cents, order);
    Saga(order, "order", "FAILED");
    return *this;
  }

  // Placed, then canceled by the cancel saga: stock released, payment refunded.
  World& CanceledAfterPlacing(const std::string& order, const std::string& user,
                              const std::string& product, int64_t quantity, int64_t price_cents) {
    Placed(order, user, product, quantity, price_cents, "CANCELED");
    Movement(product, quantity, "RELEASE", order);
    Find(snapshot_.payments, order, "PAYMENT").payment_status = "REFUNDED";
    Payment(order, user, "REFUND", "COMPLETED", price_cents);
    Ledger(user, "CREDIT", price_cents, order);
    Saga(order, "cancel", "COMPLETED");
    return *this;
  }

  // --- Single rows, each keeping its own table's totals (balance, available count) ------

  World& Order(const std::string& order, const std::string& user, const std::string& product,
               int64_t quantity, int64_t price_cents, const std::string& status) {
    snapshot_.orders.push_back(OrderRow{.order_id = order,
                                        .user_id = user,
                                        .product_id = product,
                                        .quantity = quantity,
                                        .price_cents = price_cents,
                                        .status = status});
    return *this;
  }

  World& Payment(const std::string& order, const std::string& user, const std::string& type,
                 const std::string& status, int64_t amount_cents) {
    snapshot_.payments.push_back(PaymentRow{.transaction_id = "txn_" + std::to_string(++ids_),
                                            .user_id = user,
                                            .order_id = order,
                                            .type = type,
                                            .payment_status = status,
                                            .amount_cents = amount_cents});
    return *this;
  }

  // Adds the entry and moves the wallet's balance with it.
  World& Ledger(const std::string& user, const std::string& type, int64_t amount_cents,
                std::optional<std::string> order) {
    snapshot_.ledger.push_back(LedgerRow{.entry_id = "txn_" + std::to_string(++ids_),
                                         .user_id = user,
                                         .entry_type = type,
                                         .amount_cents = amount_cents,
                                         .order_id = std::move(order)});
    const bool increases = type == "DEPOSIT" || type == "CREDIT";
    WalletOf(user).balance_cents += increases ? amount_cents : -amount_cents;
    return *this;
  }

  // Adds the movement and moves the product's available count with it.
  World& Movement(const std::string& product, int64_t delta, const std::string& kind,
                  std::optional<std::string> order) {
    snapshot_.movements.push_back(MovementRow{.id = ++ids_,
                                              .product_id = product,
                                              .delta = delta,
                                              .kind = kind,
                                              .order_id = std::move(order)});
    ProductOf(product).available_count += delta;
    return *this;
  }

  World& Saga(const std::string& order, const std::string& type, const std::string& status,
              std::optional<int64_t> deadline_ms = std::nullopt) {
    snapshot_.sagas->push_back(SagaRow{.saga_id = "sag_" + std::to_string(++ids_),
                                       .saga_type = type,
                                       .order_id = order,
                                       .status = status,
                                       .deadline_ms = deadline_ms,
                                       .created_at_ms = kNowMs - 10'000,
                                       .updated_at_ms = kNowMs - 5'000});
    return *this;
  }

  WalletRow& WalletOf(const std::string& user) {
    return *std::find_if(snapshot_.wallets.begin(), snapshot_.wallets.end(),
                         [&](const WalletRow& row) { return row.user_id == user; });
  }
  ProductRow& ProductOf(const std::string& product) {
    return *std::find_if(snapshot_.products.begin(), snapshot_.products.end(),
                         [&](const ProductRow& row) { return row.product_id == product; });
  }
  OrderRow& OrderOf(const std::string& order) {
    return *std::find_if(snapshot_.orders.begin(), snapshot_.orders.end(),
                         [&](const OrderRow& row) { return row.order_id == order; });
  }
  PaymentRow& PaymentOf(const std::string& order, const std::string& type = "PAYMENT") {
    return Find(snapshot_.payments, order, type);
  }

  Snapshot& snapshot() { return snapshot_; }

 private:
  static PaymentRow& Find(std::vector<PaymentRow>& rows, const std::string& order,
                          const std::string& type) {
    return *std::find_if(rows.begin(), rows.end(), [&](const PaymentRow& row) {
      return row.order_id == order && row.type == type;
    });
  }

  Snapshot snapshot_;
  int64_t ids_ = 0;
};

}  // namespace tinysaga::invariants::testing
