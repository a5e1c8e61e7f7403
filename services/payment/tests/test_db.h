#pragma once
// A fresh SQLite Transaction DB in a temporary directory, removed afterwards.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "payment/schema.h"
#include "tinysaga/storage/db.h"

namespace tinysaga::payment {

class TestDb {
 public:
  TestDb() {
    directory_ = std::filesystem::temp_directory_path() /
                 ("payment_test_" + std::to_string(::getpid()) + "_" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(directory_);
    std::filesystem::create_directories(directory_);
    auto db = storage::Db::Open(
        storage::DbOptions{.url = "sqlite:" + (directory_ / "payment.db").string()});
    EXPECT_TRUE(db.ok()) << db.error().detail;
    if (!db.ok()) return;
    db_ = std::move(*db);
    auto migrated = db_->Migrate(schema::AllMigrations());
    EXPECT_TRUE(migrated.ok()) << migrated.error().detail;
  }
  ~TestDb() {
    db_.reset();
    std::filesystem::remove_all(directory_);
  }

  storage::Db& db() { return *db_; }

 private:
  std::filesystem::path directory_;
  std::unique_ptr<storage::Db> db_;
};

}  // namespace tinysaga::payment
