#include "tinysaga/storage/migrations.h"

#include <soci/soci.h>

#include <algorithm>
#include <chrono>

#include "log.h"
#include "tinysaga/core/clock.h"
#include "tinysaga/storage/db.h"

namespace tinysaga::storage {
namespace {

// Idempotency-Key bookkeeping (idempotency.h); keys are scoped per user.
constexpr const char* kIdempotencyKeysSql = R"sql(
CREATE TABLE idempotency_keys (
  user_id TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  status_code INTEGER NOT NULL,
  response_body TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  PRIMARY KEY (user_id, idempotency_key)
);
)sql";

struct Placeholder {
  std::string_view name;
  std::string_view sqlite;
  std::string_view postgres;
};

constexpr Placeholder kPlaceholders[] = {
    {"{{ID_PK}}", "INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY"},
};

std::string_view TrimRight(std::string_view text) {
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

std::string_view TrimLeft(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  return text;
}

// True when the piece has no SQL in it, only blank lines and "--" comments: SQLite refuses
// to prepare an empty statement.
bool IsBlankOrComment(std::string_view piece) {
  while (!piece.empty()) {
    const size_t end = piece.find('\n');
    std::string_view line = TrimLeft(TrimRight(piece.substr(0, end)));
    if (!line.empty() && !line.starts_with("--")) return false;
    if (end == std::string_view::npos) break;
    piece.remove_prefix(end + 1);
  }
  return true;
}

// Held for the length of each migration transaction on PostgreSQL, so that instances starting
// together apply each migration once; the number is arbitrary but fixed ("tsmg" in ASCII).
constexpr const char* kPostgresLockSql =
    "SELECT COUNT(*) FROM (SELECT pg_advisory_xact_lock(1953721703)) AS migration_lock";

constexpr const char* kCreateSchemaMigrationsSql =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at_ms BIGINT NOT NULL)";

// The service's migrations plus the common ones, in version order. A migration listed twice
// (a caller that already appended CommonMigrations()) counts once; two different migrations
// with one version are a programming error.
Result<std::vector<Migration>> Plan(const std::vector<Migration>& migrations) {
  std::vector<Migration> plan = migrations;
  for (Migration& common : CommonMigrations()) plan.push_back(std::move(common));
  std::stable_sort(plan.begin(), plan.end(),
                   [](const Migration& a, const Migration& b) { return a.version < b.version; });
  std::vector<Migration> unique;
  for (Migration& migration : plan) {
    if (migration.version <= 0) {
      return MakeError(Errc::kInternal, "migration " + migration.name + " has no positive version");
    }
    if (!unique.empty() && unique.back().version == migration.version) {
      if (unique.back().name == migration.name && unique.back().sql == migration.sql) continue;
      return MakeError(Errc::kInternal, "two migrations with version " +
                                            std::to_string(migration.version) + ": " +
                                            unique.back().name + " and " + migration.name);
    }
    unique.push_back(std::move(migration));
  }
  return unique;
}

TimestampMs WallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Runs inside a write transaction. The version is checked again under the lock (BEGIN
// IMMEDIATE on SQLite, the advisory lock on PostgreSQL), so a second process that started at
// the same time sees the first one's work and skips it. Returns whether it applied anything.
bool ApplyOnce(soci::session& session, DbKind kind, const Migration& migration) {
  if (kind == DbKind::kPostgres) {
    int locked = 0;
    session << kPostgresLockSql, soci::into(locked);
  }
  session << kCreateSchemaMigrationsSql;
  int applied = 0;
  session << "SELECT COUNT(*) FROM schema_migrations WHERE version = :version", soci::into(applied),
      soci::use(migration.version);
  if (applied > 0) return false;
  for (const std::string& statement :
       SplitStatements(SubstitutePlaceholders(migration.sql, kind))) {
    session << statement;
  }
  const long long now_ms = WallClockMs();
  session << "INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (:version, "
             ":name, :now_ms)",
      soci::use(migration.version), soci::use(migration.name), soci::use(now_ms);
  return true;
}

}  // namespace

Result<void> Db::Migrate(const std::vector<Migration>& migrations) {
  TS_ASSIGN_OR_RETURN(const std::vector<Migration> plan, Plan(migrations));
  for (const Migration& migration : plan) {
    auto applied = Write<bool>([&](soci::session& session) -> Result<bool> {
      return ApplyOnce(session, kind_, migration);
    });
    if (!applied.ok()) {
      return MakeError(applied.error().code, "migration " + std::to_string(migration.version) +
                                                 " " + migration.name + ": " +
                                                 applied.error().detail);
    }
    if (*applied) Log()->info("applied migration {} {}", migration.version, migration.name);
  }
  return Ok();
}

std::vector<Migration> CommonMigrations() {
  return {
      {9003, "common_idempotency_keys", kIdempotencyKeysSql},
  };
}

std::string SubstitutePlaceholders(std::string_view sql, DbKind kind) {
  std::string out(sql);
  for (const Placeholder& placeholder : kPlaceholders) {
    const std::string_view replacement =
        kind == DbKind::kSqlite ? placeholder.sqlite : placeholder.postgres;
    for (size_t at = out.find(placeholder.name); at != std::string::npos;
         at = out.find(placeholder.name, at + replacement.size())) {
      out.replace(at, placeholder.name.size(), replacement);
    }
  }
  return out;
}

std::vector<std::string> SplitStatements(std::string_view sql) {
  std::vector<std::string> statements;
  std::string current;
  auto flush = [&] {
    if (!IsBlankOrComment(current)) statements.push_back(current);
    current.clear();
  };
  while (!sql.empty()) {
    const size_t end = sql.find('\n');
    const std::string_view line = TrimRight(sql.substr(0, end));
    if (line.ends_with(';')) {
      current.append(line.substr(0, line.size() - 1));
      flush();
    } else {
      current.append(line);
      current += '\n';
    }
    if (end == std::string_view::npos) break;
    sql.remove_prefix(end + 1);
  }
  flush();
  return statements;
}

}  // namespace tinysaga::storage
