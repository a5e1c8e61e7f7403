#include "tinysaga/storage/db.h"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <optional>
#include <string_view>
#include <system_error>
#include <thread>

#include "batched_wal_vfs.h"
#include "failure.h"
#include "group_commit.h"
#include "log.h"
#include "sqlite_statement_cache.h"
#include "tinysaga/core/backoff.h"

namespace tinysaga::storage {

std::shared_ptr<spdlog::logger> Log() {
  static const std::shared_ptr<spdlog::logger> logger = [] {
    if (auto existing = spdlog::get("storage")) return existing;
    return spdlog::stderr_color_mt("storage");
  }();
  return logger;
}

namespace {

constexpr std::string_view kSqlitePrefix = "sqlite:";
constexpr std::string_view kSqliteMemoryPrefix = "sqlite-memory:";
// SQLite's in-memory VFS: a file name that starts with '/' is one database shared by every
// connection of the process that opens the same name.
constexpr std::string_view kMemoryVfs = "memdb";
constexpr std::string_view kPostgresPrefixes[] = {"postgresql://", "postgres://"};
// SQLite's primary result codes (sqlite3.h), without including sqlite3.h just for two numbers.
constexpr int kSqliteBusy = 5;
constexpr int kSqliteLocked = 6;
// libpq prints notices such as "relation already exists, skipping" to stderr by default.
constexpr const char* kPostgresSessionSetup = "SET client_min_messages = warning";

// Doubling from 2 ms: long enough for the other writer to finish a short transaction.
void Backoff(int attempt) {
  static const ExponentialBackoff kBusy{std::chrono::milliseconds(2), 2,
                                        std::chrono::milliseconds(512)};
  std::this_thread::sleep_for(kBusy.Cap(attempt + 1));
}

bool IsValidSynchronous(std::string_view mode) {
  return mode == "OFF" || mode == "NORMAL" || mode == "FULL" || mode == "EXTRA";
}

// Switching a new file to WAL does not wait on the busy handler: when two processes create
// the same file at once, one of them gets SQLITE_BUSY at once. It retries until the busy
// timeout, like any other lock wait.
std::string SwitchToWal(soci::session& session, std::chrono::milliseconds busy_timeout) {
  const auto deadline = std::chrono::steady_clock::now() + busy_timeout;
  for (int attempt = 0;; ++attempt) {
    try {
      std::string journal_mode;
      session << "PRAGMA journal_mode = WAL", soci::into(journal_mode);
      return journal_mode;
    } catch (const soci::sqlite3_soci_error& error) {
      const int primary = error.result() & 0xFF;
      const bool busy = primary == kSqliteBusy || primary == kSqliteLocked;
      if (!busy || std::chrono::steady_clock::now() >= deadline) throw;
    }
    Backoff(attempt);
  }
}

// Every SQLite connection gets the same settings: WAL lets readers run beside the one
// writer, the busy timeout makes writers queue instead of failing, foreign keys are off by
// default in SQLite, and temporary storage stays in memory: a statement inside a group
// commit's savepoint keeps a statement journal, which SQLite otherwise creates (and unlinks)
// as a file in /var/tmp every time, and temporary b-trees need no file either.
// An in-memory database keeps its rollback journal in memory too (it has no file beside which
// a WAL could live).
void ConfigureSqliteSession(soci::session& session, const DbOptions& options, bool in_memory) {
  session << "PRAGMA busy_timeout = " + std::to_string(options.busy_timeout.count());
  if (in_memory) {
    session << "PRAGMA journal_mode = MEMORY";
  } else if (const std::string journal_mode = SwitchToWal(session, options.busy_timeout);
             journal_mode != "wal") {
    Log()->warn("SQLite journal mode is {}, not wal", journal_mode);
  }
  session << "PRAGMA synchronous = " + options.sqlite_synchronous;
  session << "PRAGMA foreign_keys = ON";
  session << "PRAGMA temp_store = MEMORY";
  // A checkpoint (which the committing writer runs) writes back every page the WAL changed
  // since the last one, each once: 8000 pages (32 MiB of WAL) instead of SQLite's 1000 lets
  // the pages every transaction touches (the outbox's and the inbox's last leaves) go back once
  // per 8000 frames. Measured (bench, orchestration, C=64, 6 A/B pairs): write syscalls per
  // saga 15.1 -> 12.3, sagas/s +6%, CPU per saga -5%.
  if (!in_memory) session << "PRAGMA wal_autocheckpoint = 8000";
}

// Where one SQLite database is: a file, or a name in this process's memory.
struct SqliteLocation {
  std::string path;
  bool in_memory = false;
};

SqliteLocation SqliteLocationOf(const std::string& url) {
  if (url.starts_with(kSqliteMemoryPrefix)) {
    std::string name = url.substr(kSqliteMemoryPrefix.size());
    if (!name.starts_with('/')) name.insert(0, "/");  // shared between connections: see kMemoryVfs
    return {.path = std::move(name), .in_memory = true};
  }
  return {.path = url.substr(kSqlitePrefix.size())};
}

Result<void> OpenSqliteSession(soci::session& session, const DbOptions& options,
                               const SqliteLocation& location) {
  const std::string_view vfs = location.in_memory ? kMemoryVfs : BatchedWalVfs();
  // Quoted, so that a path with spaces stays one value of SOCI's connect string.
  auto failure = Guard([&] {
    session.open(*soci::factory_sqlite3(), "db=\"" + location.path + "\" vfs=" + std::string(vfs));
    ConfigureSqliteSession(session, options, location.in_memory);
  });
  if (failure) return failure->error;
  return Ok();
}

Result<void> OpenSqlite(soci::connection_pool& pool, soci::session& writer,
                        const DbOptions& options, const SqliteLocation& location) {
  if (!location.in_memory) {
    std::error_code ignored;
    const std::filesystem::path parent = std::filesystem::path(location.path).parent_path();
    if (!parent.empty())
      std::filesystem::create_directories(parent, ignored);  // open reports the failure
  }
  TS_RETURN_IF_ERROR(OpenSqliteSession(writer, options, location));
  for (size_t i = 0; i < options.pool_size; ++i) {
    TS_RETURN_IF_ERROR(OpenSqliteSession(pool.at(i), options, location));
  }
  return Ok();
}

// libpq accepts a URI as its connection string, but SOCI 4.0 first re-parses the string as
// `key=value` pairs and joins them again, which turns "postgresql://h/db" into
// "postgresql://h/db=". A URI that already holds a '=' (and, as URIs do, no blanks or quotes)
// survives that round trip unchanged, so one query parameter is always present; naming the
// application is also useful in pg_stat_activity.
Result<std::string> PostgresConnectString(const std::string& url) {
  if (url.find_first_of(" \t\r\n\"") != std::string::npos) {
    return MakeError(Errc::kInvalidRequest, "PostgreSQL url must not contain blanks or quotes");
  }
  if (url.find("application_name=") != std::string::npos) return url;
  const size_t query = url.find('?');
  if (query == std::string::npos) return url + "?application_name=tinysaga";
  const bool ends_separated = url.back() == '?' || url.back() == '&';
  return url + (ends_separated ? "" : "&") + "application_name=tinysaga";
}

Result<void> OpenPostgresPool(soci::connection_pool& pool, const DbOptions& options) {
  TS_ASSIGN_OR_RETURN(const std::string connect_string, PostgresConnectString(options.url));
  for (size_t i = 0; i < options.pool_size; ++i) {
    auto failure = Guard([&] {
      pool.at(i).open(*soci::factory_postgresql(), connect_string);
      pool.at(i) << kPostgresSessionSetup;
    });
    if (failure) return failure->error;
  }
  return Ok();
}

std::optional<DbKind> KindOf(std::string_view url) {
  if (url.starts_with(kSqlitePrefix) || url.starts_with(kSqliteMemoryPrefix))
    return DbKind::kSqlite;
  for (std::string_view prefix : kPostgresPrefixes) {
    if (url.starts_with(prefix)) return DbKind::kPostgres;
  }
  return std::nullopt;
}

// A session whose connection broke is reconnected before it goes back to the pool, so the
// next borrower gets a working one (or, if the server is still down, fails fast again).
void Reconnect(soci::session& session) {
  try {
    session.reconnect();
    if (session.get_backend_name() == "postgresql") session << kPostgresSessionSetup;
  } catch (const std::exception& error) {
    Log()->warn("reconnect failed: {}", error.what());
  }
}

}  // namespace

Db::Db(DbKind kind, DbOptions options) : kind_(kind), options_(std::move(options)) {}

Db::~Db() = default;

Result<std::unique_ptr<Db>> Db::Open(const DbOptions& options) {
  const std::optional<DbKind> kind = KindOf(options.url);
  if (!kind) return MakeError(Errc::kInvalidRequest, "unsupported database url: " + options.url);
  if (options.pool_size == 0)
    return MakeError(Errc::kInvalidRequest, "pool_size must be at least 1");
  // The mode is pasted into a PRAGMA, so only the four known words get through.
  if (!IsValidSynchronous(options.sqlite_synchronous)) {
    return MakeError(Errc::kInvalidRequest,
                     "sqlite_synchronous must be OFF, NORMAL, FULL or EXTRA");
  }
  std::unique_ptr<Db> db(new Db(*kind, options));
  db->pool_ = std::make_unique<soci::connection_pool>(options.pool_size);
  Result<void> opened = Ok();
  if (*kind == DbKind::kSqlite) {
    // Also what links src/sqlite_statement_cache.cpp, whose wrappers nothing calls by name,
    // into every program that opens SQLite.
    const SqliteStatementCacheStats statements = StatementCacheStats();
    Log()->debug("SQLite statements so far: {} reused, {} compiled", statements.reused,
                 statements.compiled);
    auto writer = std::make_unique<soci::session>();
    opened = OpenSqlite(*db->pool_, *writer, options, SqliteLocationOf(options.url));
    db->sqlite_writer_ = std::make_unique<SqliteGroupCommit>(
        std::move(writer), GroupCommitOptions{.synchronous = options.sqlite_synchronous,
                                              .turn_wait_max = options.busy_timeout});
  } else {
    opened = OpenPostgresPool(*db->pool_, options);
  }
  if (!opened.ok()) {
    Log()->error("cannot open database: {}", opened.error().detail);
    return opened.error();
  }
  return db;
}

WriteAttempt Db::RunOnPool(const std::function<Result<void>(soci::session&)>& work,
                           bool synced) {
  soci::session session(*pool_);
  WriteAttempt attempt;
  bool began = false;
  attempt.failure = Guard([&] {
    session << "BEGIN";
    began = true;
    if (!synced) session << "SET LOCAL synchronous_commit = off";
    attempt.outcome = work(session);
    if (!attempt.outcome.ok()) return;
    attempt.committing = true;
    session << "COMMIT";
  });
  if (began && (attempt.failure || !attempt.outcome.ok())) {
    // Rolling back a transaction the server already aborted is harmless; a broken
    // connection makes it throw, which changes nothing either.
    (void)Guard([&] { session << "ROLLBACK"; });
  }
  if (!attempt.failure) attempt.committing = false;
  if (attempt.failure && attempt.failure->connection_lost) Reconnect(session);
  return attempt;
}

Result<void> Db::RunTransaction(const std::function<Result<void>(soci::session&)>& work,
                                bool synced) {
  for (int attempt = 0;; ++attempt) {
    const WriteAttempt tried =
        sqlite_writer_ ? sqlite_writer_->Run(work, synced) : RunOnPool(work, synced);
    // Committed, or the work said no (rolled back, not retried).
    if (!tried.failure) return tried.outcome;
    const Failure& failure = *tried.failure;
    // A connection lost during COMMIT leaves the outcome unknown: retrying could apply the
    // work twice, so the caller must find out instead.
    if (tried.committing && failure.connection_lost) {
      return MakeError(Errc::kTimeout, "connection lost during commit: " + failure.error.detail);
    }
    if (!failure.transient || attempt >= options_.transient_retries_max) {
      if (failure.error.code == Errc::kInternal)
        Log()->error("transaction failed: {}", failure.error.detail);
      return failure.error;
    }
    Log()->debug("transient failure, retrying (attempt {}): {}", attempt + 1,
                 failure.error.detail);
    Backoff(attempt);
  }
}

Result<void> Db::RunRead(const std::function<Result<void>(soci::session&)>& work) {
  for (int attempt = 0;; ++attempt) {
    soci::session session(*pool_);
    Result<void> outcome = Ok();
    std::optional<Failure> failure = Guard([&] { outcome = work(session); });
    if (!failure) return outcome;
    if (failure->connection_lost) Reconnect(session);
    if (!failure->transient || attempt >= options_.transient_retries_max) {
      if (failure->error.code == Errc::kInternal)
        Log()->error("read failed: {}", failure->error.detail);
      return failure->error;
    }
    Backoff(attempt);
  }
}

bool Db::Healthy() {
  auto result = Read<int>([](soci::session& session) -> Result<int> {
    int one = 0;
    session << "SELECT 1", soci::into(one);
    return one;
  });
  return result.ok() && *result == 1;
}

std::string DbUrlFor(const std::string& url_template, const std::string& service) {
  for (const std::string_view prefix : {kSqlitePrefix, kSqliteMemoryPrefix}) {
    if (!url_template.starts_with(prefix)) continue;
    std::string directory = url_template.substr(prefix.size());
    while (directory.size() > 1 && directory.back() == '/') directory.pop_back();
    if (directory.empty()) directory = ".";
    if (directory == "/") return std::string(prefix) + "/" + service + ".db";
    return std::string(prefix) + directory + "/" + service + ".db";
  }
  constexpr std::string_view kServicePlaceholder = "{service}";
  std::string url = url_template;
  for (size_t at = url.find(kServicePlaceholder); at != std::string::npos;
       at = url.find(kServicePlaceholder, at + service.size())) {
    url.replace(at, kServicePlaceholder.size(), service);
  }
  return url;
}

}  // namespace tinysaga::storage
