// Reads the snapshot: one service database at a time, each in one read transaction.

#include "tinysaga/invariants/loader.h"

#include <soci/soci.h>

#include <filesystem>
#include <functional>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "redact.h"
#include "tinysaga/saga/choreography.h"
#include "tinysaga/saga/state_json.h"
#include "tinysaga/saga/view.h"
#include "tinysaga/sagas/order_sagas.h"
#include "tinysaga/storage/db.h"

namespace tinysaga::invariants {
namespace {

constexpr std::string_view kSqlitePrefix = "sqlite:";

// Reads never change anything, so a read transaction always ends with ROLLBACK, which is
// also right after a failed statement. Destroying it never throws.
class ReadTransaction {
 public:
  ReadTransaction(soci::session& session, storage::DbKind kind) : session_(session) {
    // SQLite's deferred BEGIN takes its snapshot at the first read and never locks out
    // writers (WAL); PostgreSQL needs REPEATABLE READ for all statements to see one snapshot.
    session_ << (kind == storage::DbKind::kSqlite
                     ? "BEGIN"
                     : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  }
  ~ReadTransaction() {
    try {
      session_ << "ROLLBACK";
    } catch (...) {  // the session is closed right after anyway
    }
  }
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;

 private:
  soci::session& session_;
};

bool HasTable(soci::session& session, storage::DbKind kind, const std::string& table) {
  long long count = 0;
  if (kind == storage::DbKind::kSqlite) {
    session << "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = :name",
        soci::into(count), soci::use(table, "name");
  } else {
    session << "SELECT COUNT(*) FROM information_schema.tables "
               "WHERE table_schema = current_schema() AND table_name = :name",
        soci::into(count), soci::use(table, "name");
  }
  return count > 0;
}

bool HasColumn(soci::session& session, storage::DbKind kind, const std::string& table,
               const std::string& column) {
  long long count = 0;
  if (kind == storage::DbKind::kSqlite) {
    session << "SELECT COUNT(*) FROM pragma_table_info(:table_name) WHERE name = :column_name",
        soci::into(count), soci::use(table, "table_name"), soci::use(column, "column_name");
  } else {
    session << "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = "
               "current_schema() AND table_name = :table_name AND column_name = :column_name",
        soci::into(count), soci::use(table, "table_name"), soci::use(column, "column_name");
  }
  return count > 0;
}

Result<void> RequireTables(soci::session& session, storage::DbKind kind, const std::string& service,
                           std::initializer_list<std::string> tables) {
  for (const std::string& table : tables) {
    if (!HasTable(session, kind, table)) {
      return MakeError(Errc::kNotFound, "the " + service + " database has no table " + table +
                                            ": it was never migrated (start the service once)");
    }
  }
  return Ok();
}

std::optional<std::string> Nullable(const std::string& value, soci::indicator indicator) {
  return indicator == soci::i_ok ? std::optional<std::string>(value) : std::nullopt;
}

// The Order DB's cancel-requested time, when its schema has one: NULL while no cancel of the
// PLACED order is pending.
constexpr const char* kCancelRequestedColumn = "cancel_requested_at_ms";

void LoadOrders(soci::session& session, storage::DbKind kind, Snapshot& snapshot) {
  const bool has_cancel = HasColumn(session, kind, "orders", kCancelRequestedColumn);
  OrderRow row;
  long long quantity = 0;
  long long price_cents = 0;
  long long cancel_requested = 0;
  const std::string cancel_expression =
      has_cancel ? std::string("CASE WHEN ") + kCancelRequestedColumn + " IS NULL THEN 0 ELSE 1 END"
                 : std::string("0");
  soci::statement select =
      (session.prepare << "SELECT order_id, user_id, product_id, quantity, price_cents, status, "
                          "CAST(" +
                              cancel_expression + " AS BIGINT) FROM orders ORDER BY order_id",
       soci::into(row.order_id), soci::into(row.user_id), soci::into(row.product_id),
       soci::into(quantity), soci::into(price_cents), soci::into(row.status),
       soci::into(cancel_requested));
  select.execute();
  while (select.fetch()) {
    row.quantity = quantity;
    row.price_cents = price_cents;
    row.cancel_requested = cancel_requested != 0;
    snapshot.orders.push_back(row);
  }
}

// An optional column as a SELECT expression: the column, or NULL when the schema has none.
std::string ColumnOrNull(soci::session& session, storage::DbKind kind, const std::string& table,
                         const std::string& column) {
  return HasColumn(session, kind, table, column) ? column : "CAST(NULL AS TEXT)";
}

void LoadPayments(soci::session& session, storage::DbKind kind, Snapshot& snapshot) {
  PaymentRow row;
  long long amount_cents = 0;
  std::string failure_reason;
  soci::indicator failure_reason_indicator = soci::i_null;
  soci::statement select =
      (session.prepare << "SELECT transaction_id, user_id, order_id, type, payment_status, "
                          "amount_cents, " +
                              ColumnOrNull(session, kind, "transactions", "failure_reason") +
                              " FROM transactions ORDER BY transaction_id",
       soci::into(row.transaction_id), soci::into(row.user_id), soci::into(row.order_id),
       soci::into(row.type), soci::into(row.payment_status), soci::into(amount_cents),
       soci::into(failure_reason, failure_reason_indicator));
  select.execute();
  while (select.fetch()) {
    row.amount_cents = amount_cents;
    row.failure_reason = Nullable(failure_reason, failure_reason_indicator);
    snapshot.payments.push_back(row);
  }
  // Refunds that wait for the wallet (a worker sends them outside any transaction).
  if (!HasTable(session, kind, "refund_requests")) return;
  // Before schema 003 there are no refusals: every row waits.
  const bool has_refusals = HasColumn(session, kind, "refund_requests", "refused_reason");
  std::string order_id;
  std::string refused_reason;
  soci::indicator refused_indicator = soci::i_null;
  soci::statement jobs =
      (session.prepare << (has_refusals ? "SELECT order_id, refused_reason FROM refund_requests "
                                          "ORDER BY order_id"
                                        : "SELECT order_id, NULL FROM refund_requests "
                                          "ORDER BY order_id"),
       soci::into(order_id), soci::into(refused_reason, refused_indicator));
  jobs.execute();
  while (jobs.fetch()) {
    if (auto reason = Nullable(refused_reason, refused_indicator)) {
      snapshot.refused_refunds.push_back(RefusedRefundRow{order_id, std::move(*reason)});
    } else {
      snapshot.queued_refund_order_ids.push_back(order_id);
    }
  }
}

void LoadVoidedOperations(soci::session& session, storage::DbKind kind, Snapshot& snapshot) {
  if (!HasTable(session, kind, "voided_operations")) return;
  VoidedOperationRow row;
  soci::statement select =
      (session.prepare << "SELECT operation_id, order_id FROM voided_operations "
                          "ORDER BY operation_id",
       soci::into(row.operation_id), soci::into(row.order_id));
  select.execute();
  while (select.fetch()) snapshot.voided_operations.push_back(row);
}

void LoadWallets(soci::session& session, storage::DbKind kind, Snapshot& snapshot) {
  WalletRow wallet;
  long long balance_cents = 0;
  soci::statement wallets =
      (session.prepare << "SELECT user_id, balance_cents FROM wallets ORDER BY user_id",
       soci::into(wallet.user_id), soci::into(balance_cents));
  wallets.execute();
  while (wallets.fetch()) {
    wallet.balance_cents = balance_cents;
    snapshot.wallets.push_back(wallet);
  }
  LedgerRow entry;
  long long amount_cents = 0;
  std::string order_id;
  soci::indicator order_id_indicator = soci::i_null;
  std::string operation_id;
  soci::indicator operation_id_indicator = soci::i_null;
  soci::statement ledger =
      (session.prepare << "SELECT entry_id, user_id, entry_type, amount_cents, order_id, "
                          "operation_id FROM wallet_ledger ORDER BY entry_id",
       soci::into(entry.entry_id), soci::into(entry.user_id), soci::into(entry.entry_type),
       soci::into(amount_cents), soci::into(order_id, order_id_indicator),
       soci::into(operation_id, operation_id_indicator));
  ledger.execute();
  while (ledger.fetch()) {
    entry.amount_cents = amount_cents;
    entry.order_id = Nullable(order_id, order_id_indicator);
    entry.operation_id = Nullable(operation_id, operation_id_indicator);
    snapshot.ledger.push_back(entry);
  }
  LoadVoidedOperations(session, kind, snapshot);
}

void LoadInventory(soci::session& session, storage::DbKind, Snapshot& snapshot) {
  ProductRow product;
  long long available_count = 0;
  soci::statement products =
      (session.prepare << "SELECT product_id, available_count FROM products ORDER BY product_id",
       soci::into(product.product_id), soci::into(available_count));
  products.execute();
  while (products.fetch()) {
    product.available_count = available_count;
    snapshot.products.push_back(product);
  }
  MovementRow movement;
  long long id = 0;
  long long delta = 0;
  std::string order_id;
  soci::indicator order_id_indicator = soci::i_null;
  soci::statement movements =
      (session.prepare << "SELECT id, product_id, delta, kind, order_id FROM stock_movements "
                          "ORDER BY id",
       soci::into(id), soci::into(movement.product_id), soci::into(delta),
       soci::into(movement.kind), soci::into(order_id, order_id_indicator));
  movements.execute();
  while (movements.fetch()) {
    movement.id = id;
    movement.delta = delta;
    movement.order_id = Nullable(order_id, order_id_indicator);
    snapshot.movements.push_back(movement);
  }
}

// Why a saga gave up, from its stored state: the steps it could neither finish nor undo, as
// "<step> (<status>): <error>"; "state unreadable" when the state cannot be read.
std::string GaveUpWhy(const std::string& saga_type, const std::string& state_json) {
  const nlohmann::json json =
      nlohmann::json::parse(state_json, nullptr, /*allow_exceptions=*/false);
  auto state = saga::SagaStateFromJson(json);
  if (!state.ok()) return "state unreadable: " + state.error().detail;
  const saga::SagaDefinition* definition = sagas::DefaultDefinition(saga_type);
  if (definition == nullptr) return "unknown saga type '" + saga_type + "'";
  std::string why;
  for (const saga::StepView& step :
       saga::BuildView(*definition, *state, SagaMode::kOrchestration).steps) {
    if (step.status != saga::StepViewStatus::kFailed &&
        step.status != saga::StepViewStatus::kCompensationFailed) {
      continue;
    }
    why += (why.empty() ? "" : "; ") + step.name + " (" +
           std::string(saga::StepViewStatusName(step.status)) + "): " + step.error;
  }
  return why.empty() ? "no failed step recorded" : why;
}

void LoadSagas(soci::session& session, std::vector<SagaRow>& sagas) {
  SagaRow row;
  long long deadline_ms = 0;
  soci::indicator deadline_indicator = soci::i_null;
  long long created_at_ms = 0;
  long long updated_at_ms = 0;
  soci::statement select =
      (session.prepare << "SELECT saga_id, saga_type, order_id, status, deadline_ms, "
                          "created_at_ms, updated_at_ms FROM sagas ORDER BY saga_id",
       soci::into(row.saga_id), soci::into(row.saga_type), soci::into(row.order_id),
       soci::into(row.status), soci::into(deadline_ms, deadline_indicator),
       soci::into(created_at_ms), soci::into(updated_at_ms));
  select.execute();
  while (select.fetch()) {
    row.deadline_ms =
        deadline_indicator == soci::i_ok ? std::optional<int64_t>(deadline_ms) : std::nullopt;
    row.created_at_ms = created_at_ms;
    row.updated_at_ms = updated_at_ms;
    sagas.push_back(row);
  }
  for (SagaRow& gave_up : sagas) {
    if (gave_up.status != saga::SagaStatusName(saga::SagaStatus::kGaveUp)) continue;
    std::string state_json;
    session << "SELECT state_json FROM sagas WHERE saga_id = :saga_id",
        soci::use(gave_up.saga_id, "saga_id"), soci::into(state_json);
    gave_up.gave_up_why = GaveUpWhy(gave_up.saga_type, state_json);
  }
}

OutboxBacklog LoadOutbox(soci::session& session, const std::string& service) {
  long long unsent = 0;
  long long oldest_ms = 0;
  soci::indicator oldest_indicator = soci::i_null;
  session << "SELECT CAST(COUNT(*) AS BIGINT), CAST(MIN(created_at_ms) AS BIGINT) FROM outbox "
             "WHERE sent_at_ms IS NULL",
      soci::into(unsent), soci::into(oldest_ms, oldest_indicator);
  return OutboxBacklog{
      .service = service,
      .unsent = unsent,
      .oldest_unsent_created_at_ms =
          oldest_indicator == soci::i_ok ? std::optional<int64_t>(oldest_ms) : std::nullopt,
  };
}

// Opens a service's database, or nullopt when it does not exist. A SQLite file is looked
// for first, because opening a missing one would create it.
Result<std::optional<std::unique_ptr<storage::Db>>> OpenIfExists(const std::string& url) {
  using Opened = std::optional<std::unique_ptr<storage::Db>>;
  if (url.starts_with(kSqlitePrefix)) {
    const std::filesystem::path path(url.substr(kSqlitePrefix.size()));
    std::error_code error;
    const auto status = std::filesystem::status(path, error);
    if (status.type() == std::filesystem::file_type::not_found) return Opened();
    if (status.type() != std::filesystem::file_type::regular) {
      return MakeError(Errc::kInvalidRequest, path.string() + " is not a database file" +
                                                  (error ? ": " + error.message() : ""));
    }
  }
  auto db = storage::Db::Open(storage::DbOptions{.url = url, .pool_size = 1});
  if (db.ok()) return Opened(std::move(db).value());
  // PostgreSQL: a database that was never created is absent, like a missing file
  // (libpq: FATAL:  database "tinysaga_orchestrator" does not exist).
  const std::string& detail = db.error().detail;
  if (detail.find("database \"") != std::string::npos &&
      detail.find("does not exist") != std::string::npos) {
    return Opened();
  }
  return db.error();
}

// Where a database is, for messages: the SQLite file, or the URL without its password.
std::string Where(const std::string& url) {
  return url.starts_with(kSqlitePrefix) ? url.substr(kSqlitePrefix.size())
                                        : internal::RedactedUrl(url);
}

// Appends what one database gave to the whole snapshot.
void Merge(Snapshot& snapshot, Snapshot&& part) {
  const auto append = [](auto& into, auto& from) {
    into.insert(into.end(), std::make_move_iterator(from.begin()),
                std::make_move_iterator(from.end()));
  };
  append(snapshot.orders, part.orders);
  append(snapshot.payments, part.payments);
  append(snapshot.wallets, part.wallets);
  append(snapshot.ledger, part.ledger);
  append(snapshot.voided_operations, part.voided_operations);
  append(snapshot.queued_refund_order_ids, part.queued_refund_order_ids);
  append(snapshot.refused_refunds, part.refused_refunds);
  append(snapshot.products, part.products);
  append(snapshot.movements, part.movements);
  append(snapshot.outboxes, part.outboxes);
}

using LoadTables = std::function<void(soci::session&, storage::DbKind, Snapshot&)>;

// Opens a database every mode has and runs `load` and the outbox count in one read
// transaction, into a part of its own (so that a retried read starts afresh).
Result<void> LoadRequired(const std::string& url_template, const std::string& service,
                          std::initializer_list<std::string> tables, Snapshot& snapshot,
                          const LoadTables& load) {
  const std::string url = storage::DbUrlFor(url_template, service);
  TS_ASSIGN_OR_RETURN(auto db, OpenIfExists(url));
  if (!db) {
    return MakeError(Errc::kNotFound, "no " + service + " database at " + Where(url) +
                                          " (is it the --data directory or --db template "
                                          "the services ran with?)");
  }
  const storage::DbKind kind = (*db)->kind();
  auto read = (*db)->Read<Snapshot>([&](soci::session& session) -> Result<Snapshot> {
    ReadTransaction transaction(session, kind);
    TS_RETURN_IF_ERROR(RequireTables(session, kind, service, tables));
    TS_RETURN_IF_ERROR(RequireTables(session, kind, service, {"outbox"}));
    Snapshot part;
    load(session, kind, part);
    part.outboxes.push_back(LoadOutbox(session, service));
    return part;
  });
  if (!read.ok()) {
    return MakeError(read.error().code, "cannot read the " + service + " database at " +
                                            Where(url) + ": " + read.error().detail);
  }
  Merge(snapshot, std::move(read).value());
  return Ok();
}

// The Saga DB exists in orchestration mode only; without it the saga checks are skipped.
Result<void> LoadOrchestrator(const std::string& url_template, Snapshot& snapshot) {
  const std::string service = "orchestrator";
  const std::string url = storage::DbUrlFor(url_template, service);
  TS_ASSIGN_OR_RETURN(auto db, OpenIfExists(url));
  if (!db) {
    snapshot.sagas_absent_reason =
        "no orchestrator database at " + Where(url) + "; choreography mode has none";
    return Ok();
  }
  const storage::DbKind kind = (*db)->kind();
  struct Loaded {
    std::optional<std::vector<SagaRow>> sagas;
    std::optional<OutboxBacklog> outbox;
  };
  auto read = (*db)->Read<Loaded>([&](soci::session& session) -> Result<Loaded> {
    ReadTransaction transaction(session, kind);
    Loaded loaded;
    if (HasTable(session, kind, "sagas")) {
      loaded.sagas.emplace();
      LoadSagas(session, *loaded.sagas);
    }
    if (HasTable(session, kind, "outbox")) loaded.outbox = LoadOutbox(session, service);
    return loaded;
  });
  if (!read.ok()) {
    return MakeError(read.error().code, "cannot read the orchestrator database at " + Where(url) +
                                            ": " + read.error().detail);
  }
  snapshot.sagas = std::move(read->sagas);
  if (!snapshot.sagas) {
    snapshot.sagas_absent_reason =
        "the orchestrator database at " + Where(url) + " has no sagas table yet";
  }
  if (read->outbox) snapshot.outboxes.push_back(*read->outbox);
  return Ok();
}

}  // namespace

Result<Snapshot> LoadSnapshot(const std::string& db_url_template) {
  Snapshot snapshot;
  TS_RETURN_IF_ERROR(LoadRequired(db_url_template, "order", {"orders"}, snapshot, LoadOrders));
  TS_RETURN_IF_ERROR(
      LoadRequired(db_url_template, "payment", {"transactions"}, snapshot, LoadPayments));
  TS_RETURN_IF_ERROR(
      LoadRequired(db_url_template, "wallet", {"wallets", "wallet_ledger"}, snapshot, LoadWallets));
  TS_RETURN_IF_ERROR(LoadRequired(db_url_template, "inventory", {"products", "stock_movements"},
                                  snapshot, LoadInventory));
  TS_RETURN_IF_ERROR(LoadOrchestrator(db_url_template, snapshot));
  return snapshot;
}

}  // namespace tinysaga::invariants
