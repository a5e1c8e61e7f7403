#pragma once
// A service's own database through SOCI: SQLite files by default, PostgreSQL in production.
//
// Lifecycle: Open() connects a fixed pool of sessions (plus, on SQLite, one for the writer)
// and applies pragmas; Migrate() brings the schema up to date (safe when several instances
// start at once); destroy after every user has stopped. Thread-safe: each call borrows one
// pooled session for its duration (an SQLite write, the writer's).
//
// Transactions: Write() runs a function in one transaction and commits when it returns ok; an
// error value or an exception rolls back. On SQLite the writers of a process share one
// connection and commit in groups (src/group_commit.h): concurrent Write()s run one after
// another, each in a savepoint, under one BEGIN IMMEDIATE and one fsync, and each returns
// after that commit. Transient lock/serialization failures are retried a bounded number of
// times. SOCI exceptions never escape: they become kInternal (or kConflict for a
// unique-constraint violation).

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tinysaga/core/result.h"
#include "tinysaga/storage/migrations.h"

namespace soci {
class session;
class connection_pool;
}  // namespace soci

namespace tinysaga::storage {

class SqliteGroupCommit;
struct WriteAttempt;

enum class DbKind { kSqlite, kPostgres };

struct DbOptions {
  // "sqlite:<path>" (created if missing), "postgresql://user@host:port/dbname?..." or
  // "sqlite-memory:<name>": a database in this process's memory, no file and no fsync, shared
  // by every connection to the same name and gone when the last one closes (the simulator's).
  std::string url;
  size_t pool_size = 4;
  // SQLite only: FULL makes every commit durable (fsync); NORMAL is faster but may lose the last
  // commits on power loss (not on a process crash).
  std::string sqlite_synchronous = "FULL";
  std::chrono::milliseconds busy_timeout{10'000};
  int transient_retries_max = 5;
};

class Db {
 public:
  static Result<std::unique_ptr<Db>> Open(const DbOptions& options);
  ~Db();

  DbKind kind() const { return kind_; }

  // Applies, in version order and each in its own transaction, every migration not yet
  // recorded in schema_migrations. Placeholders are replaced for this dialect.
  Result<void> Migrate(const std::vector<Migration>& migrations);

  template <typename T>
  Result<T> Write(const std::function<Result<T>(soci::session&)>& work) {
    return WriteWith<T>(work, /*synced=*/true);
  }

  // Write() for a transaction that is only bookkeeping: losing it in a power failure is
  // harmless because its work is redone (e.g. marking outbox rows sent: they are published
  // again and deduplicated). It commits without waiting for the disk: SQLite with
  // synchronous=OFF for its duration (the next synced commit writes it out too), PostgreSQL
  // with synchronous_commit off. A process crash loses nothing either way.
  template <typename T>
  Result<T> WriteUnsynced(const std::function<Result<T>(soci::session&)>& work) {
    return WriteWith<T>(work, /*synced=*/false);
  }

  // A read-only query on a pooled session, without an explicit transaction.
  template <typename T>
  Result<T> Read(const std::function<Result<T>(soci::session&)>& work) {
    Result<T> result = MakeError(Errc::kInternal, "not run");
    auto status = RunRead([&](soci::session& session) {
      result = work(session);
      return Ok();
    });
    if (!status.ok()) return status.error();
    return result;
  }

  // SELECT 1 succeeds.
  bool Healthy();

 private:
  Db(DbKind kind, DbOptions options);
  template <typename T>
  Result<T> WriteWith(const std::function<Result<T>(soci::session&)>& work, bool synced) {
    Result<T> result = MakeError(Errc::kInternal, "not run");
    auto status = RunTransaction(
        [&](soci::session& session) {
          result = work(session);
          return result.ok() ? Ok() : Result<void>(result.error());
        },
        synced);
    if (!status.ok()) return status.error();
    return result;
  }
  Result<void> RunTransaction(const std::function<Result<void>(soci::session&)>& work, bool synced);
  // One attempt on a pooled PostgreSQL session.
  WriteAttempt RunOnPool(const std::function<Result<void>(soci::session&)>& work, bool synced);
  Result<void> RunRead(const std::function<Result<void>(soci::session&)>& work);

  DbKind kind_;
  DbOptions options_;
  std::unique_ptr<soci::connection_pool> pool_;
  // SQLite only: the writers' own connection and their group commit, apart from the readers'
  // pool. Writers that queued on a mutex for pooled connections paid an fsync each, and re-read
  // the pages they touched (SQLite empties a connection's page cache whenever another
  // connection wrote since its last transaction).
  std::unique_ptr<SqliteGroupCommit> sqlite_writer_;
};

// Builds a service's database URL from a template: "sqlite:" and "sqlite-memory:" templates are
// a directory ("sqlite:./data" -> "sqlite:./data/order.db"); PostgreSQL templates contain
// "{service}"
// ("postgresql://u@h/tinysaga_{service}").
std::string DbUrlFor(const std::string& url_template, const std::string& service);

}  // namespace tinysaga::storage
