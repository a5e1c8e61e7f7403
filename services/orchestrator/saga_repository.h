#pragma once
// The Saga DB's SQL, through SOCI. Every function takes the caller's session and runs inside
// the caller's transaction (storage::Db::Write for changes, Db::Read for the HTTP reads): the
// functions never commit. SOCI exceptions are left to Db, which rolls back and translates
// them.
//
// Rows carry the state document as text; the caller reads it with ReadStoredSaga
// (domain/saga_catalog.h), so that one corrupt row is an error about that saga, not about
// the query that found it.
//
// Concurrency: every update is a compare-and-set on `version`, so two writers that read the
// same version cannot both apply (the loser sees `false`). On PostgreSQL (READ COMMITTED) the
// write paths also lock what they read: FindSaga(..., kForUpdate) takes the row lock, and
// LockDueSagas skips rows another instance's timer holds (FOR UPDATE SKIP LOCKED), so
// instances share the due sagas instead of racing for them. SQLite serialises writers anyway
// and gets no locking clause.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "orchestrator/domain/list_query.h"
#include "tinysaga/core/clock.h"
#include "tinysaga/core/ids.h"
#include "tinysaga/core/result.h"
#include "tinysaga/saga/state.h"

namespace soci {
class session;
}

namespace tinysaga::orchestrator {

// One row of `sagas` (schema/001_init.sql).
struct SagaRow {
  SagaId saga_id;
  std::string saga_type;
  OrderId order_id;
  std::string status;
  std::string state_json;
  std::optional<TimestampMs> deadline_ms;  // nullopt once terminal
  int64_t version = 0;
  TimestampMs created_at_ms = 0;
  TimestampMs updated_at_ms = 0;
};

// The deadline column for a state: none once it is terminal.
std::optional<TimestampMs> DeadlineColumn(const saga::SagaState& state);

// The document the state_json column holds for `state` (saga::SagaStateToJson, compact).
std::string StateDocument(const saga::SagaState& state);

// Inserts a new saga at version 1, `document` being StateDocument(state) (the caller keeps it:
// see state_cache.h). false, writing nothing, when the order already has a saga of this type
// (or the saga id exists): the unique index decides, so a concurrent duplicate start cannot
// slip in between a check and the insert.
Result<bool> InsertSaga(soci::session& session, const saga::SagaState& state,
                        std::string_view document);

enum class RowLock { kNone, kForUpdate };

Result<std::optional<SagaRow>> FindSaga(soci::session& session, const SagaId& saga_id,
                                        RowLock lock = RowLock::kNone);

// The order's saga of `saga_type`, if any.
Result<std::optional<SagaRow>> FindSagaOfOrder(soci::session& session, const OrderId& order_id,
                                               const std::string& saga_type);

// Every saga of the order (at most one per type), oldest first.
Result<std::vector<SagaRow>> FindSagasOfOrder(soci::session& session, const OrderId& order_id);

// Writes `state` (its `document`, StateDocument(state), and the columns) if the row is still at
// `expected_version`, and bumps the version. false, writing nothing, when another writer got
// there first.
Result<bool> UpdateSaga(soci::session& session, const saga::SagaState& state,
                        std::string_view document, int64_t expected_version);

// Up to `limit` unfinished sagas whose deadline_ms <= now_ms, earliest deadline first
// (PostgreSQL: locked, skipping rows locked by others).
Result<std::vector<SagaRow>> LockDueSagas(soci::session& session, TimestampMs now_ms,
                                          int64_t limit);

// Sets only the deadline column, if the row is still at `expected_version` (the version is kept:
// the state does not change). The timer uses it to put off a saga it cannot read, and to
// repair a column that disagrees with the document.
Result<bool> SetDeadlineColumn(soci::session& session, const SagaId& saga_id,
                               int64_t expected_version, std::optional<TimestampMs> deadline_ms);

// The smallest deadline of any unfinished saga; nullopt when none is unfinished.
Result<std::optional<TimestampMs>> EarliestDeadline(soci::session& session);

struct SagaFilter {
  std::optional<std::string> status;  // a SagaStatusName
  std::optional<SagaCursor> after;    // only sagas strictly older than this
  int64_t limit = kSagaListLimitDefault;
  // Only unfinished sagas whose deadline is before this time (overdue).
  std::optional<TimestampMs> deadline_before_ms;
  // Only unfinished sagas last updated at or before this time (stuck).
  std::optional<TimestampMs> updated_at_or_before_ms;
};

// Newest first by (created_at_ms, saga_id), at most filter.limit rows.
Result<std::vector<SagaRow>> ListSagas(soci::session& session, const SagaFilter& filter);

// How many unfinished sagas are in each status (RUNNING, COMPENSATING); statuses without any are
// absent. Reads only the unfinished sagas' index, so it stays cheap however many finished.
Result<std::vector<std::pair<std::string, int64_t>>> CountUnfinishedByStatus(
    soci::session& session);

}  // namespace tinysaga::orchestrator
