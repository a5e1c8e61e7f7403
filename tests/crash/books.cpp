#include "books.h"

#include <soci/soci.h>

#include <functional>
#include <utility>

namespace tinysaga::crash {
namespace {

// The statuses of an order that holds its payment and its stock.
constexpr const char* kPlacedStatuses = "('PLACED', 'ON_WAY', 'DELIVERED')";

// Attaches the other services' databases to the order.db connection under their service
// names, unless done already (a reconnected session has lost them).
void Attach(soci::session& session, const std::filesystem::path& data_dir, bool has_sagas) {
  std::vector<std::pair<std::string, std::string>> files = {
      {"payment", "payment.db"}, {"wallet", "wallet.db"}, {"inventory", "inventory.db"}};
  if (has_sagas) files.emplace_back("saga", "orchestrator.db");
  for (const auto& [alias, file] : files) {
    long long attached = 0;
    session << "SELECT COUNT(*) FROM pragma_database_list WHERE name = :alias",
        soci::into(attached), soci::use(alias, "alias");
    if (attached > 0) continue;
    const std::string path = (data_dir / file).string();
    session << "ATTACH DATABASE :path AS " + alias, soci::use(path, "path");
  }
}

long long Count(soci::session& session, const std::string& sql) {
  long long value = 0;
  session << sql, soci::into(value);
  return value;
}

// Counts by two columns of `sql` (SELECT a, b, COUNT(*) ... GROUP BY a, b), each key made by
// `label` from the two values.
std::map<std::string, int64_t> CountsBy(
    soci::session& session, const std::string& sql,
    const std::function<std::string(const std::string&, const std::string&)>& label) {
  std::map<std::string, int64_t> counts;
  std::string first, second;
  long long count = 0;
  soci::statement select =
      (session.prepare << sql, soci::into(first), soci::into(second), soci::into(count));
  select.execute();
  while (select.fetch()) counts[label(first, second)] = count;
  return counts;
}

// "FAILED (insufficient funds)" -> count.
std::map<std::string, int64_t> Outcomes(soci::session& session) {
  return CountsBy(session,
                  "SELECT status, status_info, COUNT(*) FROM orders "
                  "GROUP BY status, status_info ORDER BY status, status_info",
                  [](const std::string& status, const std::string& info) {
                    return status + (info.empty() ? "" : " (" + info + ")");
                  });
}

std::vector<ProductStock> Stock(soci::session& session) {
  std::vector<ProductStock> stock;
  std::string product_id;
  long long available = 0, supplied = 0, placed_units = 0;
  soci::statement select =
      (session.prepare
           << "SELECT p.product_id, p.available_count, "
              "(SELECT COALESCE(SUM(m.delta), 0) FROM inventory.stock_movements m "
              " WHERE m.product_id = p.product_id AND m.kind IN ('INITIAL', 'RESTOCK', 'ADJUST')), "
              "(SELECT COALESCE(SUM(o.quantity), 0) FROM main.orders o "
              " WHERE o.product_id = p.product_id AND o.status IN " +
                  std::string(kPlacedStatuses) +
                  ") "
                  "FROM inventory.products p ORDER BY p.product_id",
       soci::into(product_id), soci::into(available), soci::into(supplied),
       soci::into(placed_units));
  select.execute();
  while (select.fetch()) stock.push_back({product_id, supplied, available, placed_units});
  return stock;
}

std::map<std::string, int64_t> Sagas(soci::session& session) {
  return CountsBy(session,
                  "SELECT saga_type, status, COUNT(*) FROM saga.sagas "
                  "GROUP BY saga_type, status ORDER BY saga_type, status",
                  [](const std::string& type, const std::string& status) {
                    return type + " " + status;
                  });
}

}  // namespace

bool Unsettled::settled() const {
  return paying_orders == 0 && initiated_paid == 0 && cancels_pending == 0 &&
         pending_payments == 0 && queued_refunds == 0 && running_sagas == 0;
}

std::string Unsettled::ToString() const {
  const std::pair<const char*, int64_t> parts[] = {
      {"orders PAYMENT_PENDING or PAYMENT_DONE", paying_orders},
      {"orders INITIATED with a payment", initiated_paid},
      {"cancels pending", cancels_pending},
      {"payments PENDING", pending_payments},
      {"refunds queued", queued_refunds},
      {"sagas running", running_sagas}};
  std::string text;
  for (const auto& [what, count] : parts) {
    if (count != 0)
      text += (text.empty() ? "" : ", ") + std::string(what) + " " + std::to_string(count);
  }
  return text.empty() ? "nothing" : text;
}

Result<std::unique_ptr<Books>> Books::Open(const std::filesystem::path& data_dir) {
  for (const char* file : {"order.db", "payment.db", "wallet.db", "inventory.db"}) {
    if (!std::filesystem::exists(data_dir / file))
      return MakeError(Errc::kNotFound, "no " + (data_dir / file).string());
  }
  TS_ASSIGN_OR_RETURN(auto db,
                      storage::Db::Open(storage::DbOptions{
                          .url = "sqlite:" + (data_dir / "order.db").string(), .pool_size = 1}));
  const bool has_sagas = std::filesystem::exists(data_dir / "orchestrator.db");
  return std::unique_ptr<Books>(new Books(data_dir, std::move(db), has_sagas));
}

Result<int64_t> Books::CountFinishedOrders() {
  return db_->Read<int64_t>([](soci::session& session) -> Result<int64_t> {
    return Count(session,
                 "SELECT COUNT(*) FROM orders WHERE status IN ('PLACED', 'ON_WAY', 'DELIVERED', "
                 "'FAILED', 'CANCELED')");
  });
}

Result<Unsettled> Books::ReadUnsettled() {
  return db_->Read<Unsettled>([this](soci::session& session) -> Result<Unsettled> {
    Attach(session, data_dir_, has_sagas_);
    Unsettled unsettled;
    unsettled.paying_orders = Count(
        session, "SELECT COUNT(*) FROM orders WHERE status IN ('PAYMENT_PENDING', 'PAYMENT_DONE')");
    unsettled.initiated_paid =
        Count(session,
              "SELECT COUNT(*) FROM orders o WHERE o.status = 'INITIATED' AND EXISTS "
              "(SELECT 1 FROM payment.transactions t WHERE t.order_id = o.order_id "
              " AND t.type = 'PAYMENT' AND t.payment_status <> 'FAILED')");
    unsettled.cancels_pending = Count(session,
                                      "SELECT COUNT(*) FROM orders WHERE status = 'PLACED' AND "
                                      "cancel_requested_at_ms IS NOT NULL");
    unsettled.pending_payments = Count(
        session, "SELECT COUNT(*) FROM payment.transactions WHERE payment_status = 'PENDING'");
    unsettled.queued_refunds = Count(session, "SELECT COUNT(*) FROM payment.refund_requests");
    if (has_sagas_) {
      unsettled.running_sagas = Count(
          session, "SELECT COUNT(*) FROM saga.sagas WHERE status IN ('RUNNING', 'COMPENSATING')");
    }
    return unsettled;
  });
}

Result<std::string> Books::DescribeUnsettledOrders(int limit) {
  return db_->Read<std::string>([&](soci::session& session) -> Result<std::string> {
    Attach(session, data_dir_, has_sagas_);
    const std::string sagas =
        has_sagas_ ? "(SELECT group_concat(s.saga_id || ' ' || s.saga_type || ' ' || s.status, "
                     "', ') FROM saga.sagas s WHERE s.order_id = o.order_id)"
                   : "NULL";
    std::string order_id, status, history, payment, saga;
    soci::indicator saga_indicator = soci::i_null;
    soci::statement select =
        (session.prepare
             << "SELECT o.order_id, o.status, "
                "COALESCE((SELECT group_concat(h.status, ' > ') FROM (SELECT status FROM "
                "order_history WHERE order_id = o.order_id ORDER BY id) h), ''), "
                "COALESCE((SELECT t.transaction_id || ' ' || t.payment_status || "
                "COALESCE(' ' || t.failure_reason, '') FROM payment.transactions t "
                "WHERE t.order_id = o.order_id AND t.type = 'PAYMENT'), 'no payment'), " +
                    sagas +
                    " FROM orders o WHERE o.status IN ('PAYMENT_PENDING', 'PAYMENT_DONE') "
                    "OR (o.status = 'INITIATED' AND EXISTS (SELECT 1 FROM payment.transactions t "
                    "WHERE t.order_id = o.order_id AND t.type = 'PAYMENT' AND t.payment_status <> "
                    "'FAILED')) "
                    "OR (o.status = 'PLACED' AND o.cancel_requested_at_ms IS NOT NULL) "
                    "ORDER BY o.order_id LIMIT :limit",
         soci::into(order_id), soci::into(status), soci::into(history), soci::into(payment),
         soci::into(saga, saga_indicator), soci::use(limit, "limit"));
    select.execute();
    std::string text;
    while (select.fetch()) {
      text += "  " + order_id + " " + status + " (history " + history + "), payment " + payment +
              ", saga " + (saga_indicator == soci::i_ok ? saga : "none") + "\n";
    }
    return text;
  });
}

Result<Totals> Books::ReadTotals() {
  return db_->Read<Totals>([this](soci::session& session) -> Result<Totals> {
    Attach(session, data_dir_, has_sagas_);
    Totals totals;
    totals.outcomes = Outcomes(session);
    totals.orders = Count(session, "SELECT COUNT(*) FROM orders");
    const std::string placed = std::string(" WHERE status IN ") + kPlacedStatuses;
    totals.placed_orders = Count(session, "SELECT COUNT(*) FROM orders" + placed);
    totals.placed_value_cents =
        Count(session, "SELECT COALESCE(SUM(price_cents), 0) FROM orders" + placed);
    const std::string payment_of_order =
        "SELECT 1 FROM payment.transactions t WHERE t.order_id = o.order_id AND t.type = 'PAYMENT'";
    totals.abandoned = Count(session,
                             "SELECT COUNT(*) FROM orders o WHERE o.status = 'INITIATED' "
                             "AND NOT EXISTS (" +
                                 payment_of_order + ")");
    totals.initiated_rejected =
        Count(session, "SELECT COUNT(*) FROM orders o WHERE o.status = 'INITIATED' AND EXISTS (" +
                           payment_of_order + " AND t.payment_status = 'FAILED')");
    totals.deposits_cents = Count(session,
                                  "SELECT COALESCE(SUM(amount_cents), 0) FROM wallet.wallet_ledger "
                                  "WHERE entry_type = 'DEPOSIT'");
    totals.withdrawals_cents = Count(session,
                                     "SELECT COALESCE(SUM(amount_cents), 0) FROM "
                                     "wallet.wallet_ledger WHERE entry_type = 'WITHDRAWAL'");
    totals.balances_cents =
        Count(session, "SELECT COALESCE(SUM(balance_cents), 0) FROM wallet.wallets");
    totals.completed_payments_cents =
        Count(session,
              "SELECT COALESCE(SUM(amount_cents), 0) FROM payment.transactions "
              "WHERE type = 'PAYMENT' AND payment_status = 'COMPLETED'");
    totals.stock = Stock(session);
    if (has_sagas_) totals.sagas = Sagas(session);
    return totals;
  });
}

}  // namespace tinysaga::crash
