#include "orchestrator/saga_repository.h"

#include <soci/soci.h>

#include "tinysaga/core/strict_json.h"
#include "tinysaga/saga/state_json.h"

namespace tinysaga::orchestrator {
namespace {

constexpr const char* kSagaColumns =
    "saga_id, saga_type, order_id, status, state_json, deadline_ms, version, created_at_ms, "
    "updated_at_ms";

bool IsPostgres(soci::session& session) { return session.get_backend_name() == "postgresql"; }

// One sagas row in the types SOCI binds (64-bit integers as long long).
struct RawRow {
  std::string saga_id;
  std::string saga_type;
  std::string order_id;
  std::string status;
  std::string state_json;
  long long deadline_ms = 0;
  soci::indicator deadline_indicator = soci::i_null;
  long long version = 0;
  long long created_at_ms = 0;
  long long updated_at_ms = 0;

  void BindInto(soci::statement& statement) {
    statement.exchange(soci::into(saga_id));
    statement.exchange(soci::into(saga_type));
    statement.exchange(soci::into(order_id));
    statement.exchange(soci::into(status));
    statement.exchange(soci::into(state_json));
    statement.exchange(soci::into(deadline_ms, deadline_indicator));
    statement.exchange(soci::into(version));
    statement.exchange(soci::into(created_at_ms));
    statement.exchange(soci::into(updated_at_ms));
  }

  SagaRow ToRow() const {
    return SagaRow{
        SagaId(saga_id),
        saga_type,
        OrderId(order_id),
        status,
        state_json,
        deadline_indicator == soci::i_ok ? std::optional<TimestampMs>(deadline_ms) : std::nullopt,
        version,
        created_at_ms,
        updated_at_ms};
  }
};

// The values a state writes into the row's columns, kept alive for the statement.
struct StateColumns {
  StateColumns(const saga::SagaState& state, std::string_view document)
      : saga_id(state.saga_id.value()),
        saga_type(state.type),
        order_id(state.order_id.value()),
        status(saga::SagaStatusName(state.status)),
        state_json(document),
        created_at_ms(state.started_ms),
        updated_at_ms(state.updated_ms) {
    if (auto deadline = DeadlineColumn(state)) {
      deadline_ms = *deadline;
      deadline_indicator = soci::i_ok;
    }
  }

  std::string saga_id;
  std::string saga_type;
  std::string order_id;
  std::string status;
  std::string state_json;
  long long deadline_ms = 0;
  soci::indicator deadline_indicator = soci::i_null;
  long long created_at_ms = 0;
  long long updated_at_ms = 0;
};

// Runs `sql` (a SELECT of kSagaColumns with the uses already exchanged by `bind_uses`) and
// returns every row.
template <typename BindUses>
std::vector<SagaRow> SelectRows(soci::session& session, const std::string& sql,
                                BindUses bind_uses) {
  RawRow raw;
  soci::statement statement(session);
  raw.BindInto(statement);
  bind_uses(statement);
  statement.alloc();
  statement.prepare(sql);
  statement.define_and_bind();
  statement.execute();
  std::vector<SagaRow> rows;
  while (statement.fetch()) rows.push_back(raw.ToRow());
  return rows;
}

std::optional<SagaRow> First(std::vector<SagaRow> rows) {
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

}  // namespace

std::optional<TimestampMs> DeadlineColumn(const saga::SagaState& state) {
  if (state.terminal()) return std::nullopt;
  return state.deadline_ms;
}

std::string StateDocument(const saga::SagaState& state) {
  return DumpJson(saga::SagaStateToJson(state));
}

Result<bool> InsertSaga(soci::session& session, const saga::SagaState& state,
                        std::string_view document) {
  StateColumns columns(state, document);
  // ON CONFLICT DO NOTHING (SQLite and PostgreSQL alike) rather than a unique violation: on
  // PostgreSQL a failed statement would abort the caller's whole transaction.
  soci::statement insert =
      (session.prepare << "INSERT INTO sagas (" << kSagaColumns
                       << ") VALUES (:saga_id, :saga_type, :order_id, :status, :state_json, "
                          ":deadline_ms, 1, :created_at_ms, :updated_at_ms) "
                          "ON CONFLICT DO NOTHING",
       soci::use(columns.saga_id, "saga_id"), soci::use(columns.saga_type, "saga_type"),
       soci::use(columns.order_id, "order_id"), soci::use(columns.status, "status"),
       soci::use(columns.state_json, "state_json"),
       soci::use(columns.deadline_ms, columns.deadline_indicator, "deadline_ms"),
       soci::use(columns.created_at_ms, "created_at_ms"),
       soci::use(columns.updated_at_ms, "updated_at_ms"));
  insert.execute(true);
  return insert.get_affected_rows() == 1;
}

Result<std::optional<SagaRow>> FindSaga(soci::session& session, const SagaId& saga_id,
                                        RowLock lock) {
  std::string id = saga_id.value();
  std::string sql = std::string("SELECT ") + kSagaColumns + " FROM sagas WHERE saga_id = :saga_id";
  if (lock == RowLock::kForUpdate && IsPostgres(session)) sql += " FOR UPDATE";
  return First(SelectRows(session, sql, [&](soci::statement& statement) {
    statement.exchange(soci::use(id, "saga_id"));
  }));
}

Result<std::optional<SagaRow>> FindSagaOfOrder(soci::session& session, const OrderId& order_id,
                                               const std::string& saga_type) {
  std::string order = order_id.value();
  std::string type = saga_type;
  return First(SelectRows(session,
                          std::string("SELECT ") + kSagaColumns +
                              " FROM sagas WHERE order_id = :order_id AND saga_type = :saga_type",
                          [&](soci::statement& statement) {
                            statement.exchange(soci::use(order, "order_id"));
                            statement.exchange(soci::use(type, "saga_type"));
                          }));
}

Result<std::vector<SagaRow>> FindSagasOfOrder(soci::session& session, const OrderId& order_id) {
  std::string order = order_id.value();
  return SelectRows(
      session,
      std::string("SELECT ") + kSagaColumns +
          " FROM sagas WHERE order_id = :order_id ORDER BY created_at_ms, saga_id",
      [&](soci::statement& statement) { statement.exchange(soci::use(order, "order_id")); });
}

Result<bool> UpdateSaga(soci::session& session, const saga::SagaState& state,
                        std::string_view document, int64_t expected_version) {
  StateColumns columns(state, document);
  long long expected = expected_version;
  soci::statement update =
      (session.prepare << "UPDATE sagas SET status = :status, state_json = :state_json, "
                          "deadline_ms = :deadline_ms, version = version + 1, "
                          "updated_at_ms = :updated_at_ms "
                          "WHERE saga_id = :saga_id AND version = :expected_version",
       soci::use(columns.status, "status"), soci::use(columns.state_json, "state_json"),
       soci::use(columns.deadline_ms, columns.deadline_indicator, "deadline_ms"),
       soci::use(columns.updated_at_ms, "updated_at_ms"), soci::use(columns.saga_id, "saga_id"),
       soci::use(expected, "expected_version"));
  update.execute(true);
  return update.get_affected_rows() == 1;
}

Result<std::vector<SagaRow>> LockDueSagas(soci::session& session, TimestampMs now_ms,
                                          int64_t limit) {
  long long now = now_ms;
  long long row_limit = limit;
  std::string sql = std::string("SELECT ") + kSagaColumns +
                    " FROM sagas WHERE deadline_ms IS NOT NULL AND deadline_ms <= :now_ms "
                    "ORDER BY deadline_ms LIMIT :row_limit";
  if (IsPostgres(session)) sql += " FOR UPDATE SKIP LOCKED";
  return SelectRows(session, sql, [&](soci::statement& statement) {
    statement.exchange(soci::use(now, "now_ms"));
    statement.exchange(soci::use(row_limit, "row_limit"));
  });
}

Result<bool> SetDeadlineColumn(soci::session& session, const SagaId& saga_id,
                               int64_t expected_version, std::optional<TimestampMs> deadline_ms) {
  std::string id = saga_id.value();
  long long expected = expected_version;
  long long deadline = deadline_ms.value_or(0);
  soci::indicator deadline_indicator = deadline_ms ? soci::i_ok : soci::i_null;
  soci::statement update =
      (session.prepare << "UPDATE sagas SET deadline_ms = :deadline_ms "
                          "WHERE saga_id = :saga_id AND version = :expected_version",
       soci::use(deadline, deadline_indicator, "deadline_ms"), soci::use(id, "saga_id"),
       soci::use(expected, "expected_version"));
  update.execute(true);
  return update.get_affected_rows() == 1;
}

Result<std::optional<TimestampMs>> EarliestDeadline(soci::session& session) {
  long long deadline = 0;
  session << "SELECT deadline_ms FROM sagas WHERE deadline_ms IS NOT NULL "
             "ORDER BY deadline_ms LIMIT 1",
      soci::into(deadline);
  if (!session.got_data()) return std::optional<TimestampMs>();
  return std::optional<TimestampMs>(deadline);
}

Result<std::vector<SagaRow>> ListSagas(soci::session& session, const SagaFilter& filter) {
  // Bound values live here, for as long as the statement.
  std::string status = filter.status.value_or("");
  long long after_ms = filter.after ? filter.after->created_at_ms : 0;
  std::string after_id = filter.after ? filter.after->saga_id.value() : "";
  long long row_limit = filter.limit;
  long long deadline_before = filter.deadline_before_ms.value_or(0);
  long long updated_before = filter.updated_at_or_before_ms.value_or(0);

  std::string sql = std::string("SELECT ") + kSagaColumns + " FROM sagas WHERE 1 = 1";
  if (filter.status) sql += " AND status = :status";
  // Unfinished sagas are exactly those with a deadline (DeadlineColumn).
  if (filter.deadline_before_ms) {
    sql += " AND deadline_ms IS NOT NULL AND deadline_ms < :deadline_before";
  }
  if (filter.updated_at_or_before_ms) {
    sql += " AND deadline_ms IS NOT NULL AND updated_at_ms <= :updated_before";
  }
  if (filter.after) {
    sql +=
        " AND (created_at_ms < :after_ms OR (created_at_ms = :after_ms_tie AND saga_id < "
        ":after_id))";
  }
  sql += " ORDER BY created_at_ms DESC, saga_id DESC LIMIT :row_limit";
  return SelectRows(session, sql, [&](soci::statement& statement) {
    if (filter.status) statement.exchange(soci::use(status, "status"));
    if (filter.deadline_before_ms) {
      statement.exchange(soci::use(deadline_before, "deadline_before"));
    }
    if (filter.updated_at_or_before_ms) {
      statement.exchange(soci::use(updated_before, "updated_before"));
    }
    if (filter.after) {
      statement.exchange(soci::use(after_ms, "after_ms"));
      statement.exchange(soci::use(after_ms, "after_ms_tie"));
      statement.exchange(soci::use(after_id, "after_id"));
    }
    statement.exchange(soci::use(row_limit, "row_limit"));
  });
}

Result<std::vector<std::pair<std::string, int64_t>>> CountUnfinishedByStatus(
    soci::session& session) {
  std::string status;
  long long count = 0;
  soci::statement select =
      (session.prepare << "SELECT status, COUNT(*) FROM sagas WHERE deadline_ms IS NOT NULL "
                          "GROUP BY status",
       soci::into(status), soci::into(count));
  select.execute();
  std::vector<std::pair<std::string, int64_t>> counts;
  while (select.fetch()) counts.emplace_back(status, count);
  return counts;
}

}  // namespace tinysaga::orchestrator
