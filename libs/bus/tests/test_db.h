#pragma once
// A migrated SQLite database in a fresh temporary directory, removed on destruction. Owned by
// one test; not thread-safe (and needs not be).

#include <gtest/gtest.h>
#include <soci/soci.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>

#include "tinysaga/storage/db.h"
#include "tinysaga/storage/migrations.h"

namespace tinysaga::bus::testing {

class TestDb {
 public:
  explicit TestDb(std::vector<storage::Migration> migrations = {}) {
    std::string pattern = (std::filesystem::temp_directory_path() / "tinysaga-bus-XXXXXX").string();
    directory_ = mkdtemp(pattern.data());
    // NORMAL: these tests need no power-loss durability, and FULL's fsyncs only slow them.
    auto db =
        storage::Db::Open(storage::DbOptions{.url = "sqlite:" + (directory_ / "test.db").string(),
                                             .pool_size = 2,
                                             .sqlite_synchronous = "NORMAL"});
    EXPECT_TRUE(db.ok()) << db.error().detail;
    db_ = std::move(db).value();
    auto migrated = db_->Migrate(migrations);
    EXPECT_TRUE(migrated.ok()) << migrated.error().detail;
  }
  ~TestDb() {
    db_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }
  TestDb(const TestDb&) = delete;
  TestDb& operator=(const TestDb&) = delete;

  storage::Db& db() { return *db_; }

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
  std::filesystem::path directory_;
  std::unique_ptr<storage::Db> db_;
};

}  // namespace tinysaga::bus::testing
