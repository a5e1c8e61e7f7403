#pragma once
// A migrated database for one test: SQLite in a fresh temporary directory, removed on
// destruction. Owned by one test; not thread-safe (and needs not be).

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tinysaga/bus/tables.h"
#include "tinysaga/storage/db.h"
#include "tinysaga/storage/migrations.h"
#include "tinysaga/testing/postgres_schema.h"
#include "tinysaga/testing/temp_dir.h"

namespace tinysaga::testing {

struct TestDbOptions {
  size_t pool_size = 4;
  // OFF: tests need no power-loss durability, and FULL's fsyncs only slow them.
  std::string sqlite_synchronous = "OFF";
  // With TINYSAGA_TEST_POSTGRES_URL set (postgresql://...), use a schema of this test's own
  // in that PostgreSQL database instead (see PostgresSchema), dropped on destruction.
  bool postgres_from_environment = false;
};

class TestDb {
 public:
  explicit TestDb(const std::vector<storage::Migration>& migrations = {},
                  const TestDbOptions& options = {}) {
    const char* postgres_url = options.postgres_from_environment ? PostgresTestUrl() : nullptr;
    if (postgres_url) schema_.emplace(postgres_url);
    auto db = storage::Db::Open(
        storage::DbOptions{.url = schema_ ? schema_->Url() : directory_.SqliteUrl("test.db"),
                           .pool_size = options.pool_size,
                           .sqlite_synchronous = options.sqlite_synchronous});
    EXPECT_TRUE(db.ok()) << db.error().detail;
    if (!db.ok()) return;
    db_ = std::move(db).value();
    // As platform::RunService: the bus's tables (outbox, inbox) beside the service's own.
    std::vector<storage::Migration> all = migrations;
    for (storage::Migration& table : bus::Migrations()) all.push_back(std::move(table));
    auto migrated = db_->Migrate(all);
    EXPECT_TRUE(migrated.ok()) << migrated.error().detail;
  }
  ~TestDb() { db_.reset(); }  // closed before the directory or schema goes
  TestDb(const TestDb&) = delete;
  TestDb& operator=(const TestDb&) = delete;

  storage::Db& db() { return *db_; }

  // The single integer `sql` selects, or -1 (and a test failure) when it cannot be read.
  long long Count(const std::string& sql) {
    auto count = db_->Read<long long>([&](soci::session& session) -> Result<long long> {
      long long rows = 0;
      session << sql, soci::into(rows);
      return rows;
    });
    EXPECT_TRUE(count.ok()) << count.error().detail;
    return count.ok() ? *count : -1;
  }

 private:
  TempDir directory_;  // declared first, so destroyed after the database
  std::optional<PostgresSchema> schema_;
  std::unique_ptr<storage::Db> db_;
};

}  // namespace tinysaga::testing
