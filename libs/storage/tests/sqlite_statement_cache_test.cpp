// The SQLite statement cache (src/sqlite_statement_cache.h): through SQLite's own API, where
// its wrappers stand in for libsqlite3's, and through SOCI and Db, the way services use it.

#include "../src/sqlite_statement_cache.h"

#include <gtest/gtest.h>
#include <soci/soci.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "tinysaga/storage/db.h"
#include "tinysaga/testing/temp_dir.h"

namespace tinysaga::storage {
namespace {

class StatementCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK);
    Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
  }
  void TearDown() override {
    // Parked statements must not keep the connection from closing.
    EXPECT_EQ(sqlite3_close(db_), SQLITE_OK);
  }

  void Exec(const std::string& sql) {
    char* error = nullptr;
    ASSERT_EQ(sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK) << error;
  }

  sqlite3_stmt* Prepare(const std::string& sql, const char** tail = nullptr) {
    sqlite3_stmt* statement = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, tail), SQLITE_OK);
    return statement;
  }

  sqlite3* db_ = nullptr;
};

TEST_F(StatementCacheTest, AFinalizedStatementIsReusedForTheSameTextWithoutItsBindings) {
  const std::string sql = "INSERT INTO t (id, name) VALUES (?, ?)";
  sqlite3_stmt* first = Prepare(sql);
  sqlite3_bind_int(first, 1, 1);
  sqlite3_bind_text(first, 2, "one", -1, SQLITE_TRANSIENT);
  ASSERT_EQ(sqlite3_step(first), SQLITE_DONE);
  ASSERT_EQ(sqlite3_finalize(first), SQLITE_OK);

  const SqliteStatementCacheStats before = StatementCacheStats();
  const char* tail = nullptr;
  sqlite3_stmt* again = Prepare(sql, &tail);
  EXPECT_EQ(again, first);
  EXPECT_EQ(StatementCacheStats().reused, before.reused + 1);
  ASSERT_NE(tail, nullptr);
  // The tail is the end of the text, as a fresh compile of a single statement leaves it.
  EXPECT_EQ(*tail, '\0');
  // Its bindings were cleared: the NOT NULL name refuses the insert.
  sqlite3_bind_int(again, 1, 2);
  EXPECT_EQ(sqlite3_step(again), SQLITE_CONSTRAINT);
  // Finalize still answers the last step's error.
  EXPECT_EQ(sqlite3_finalize(again), SQLITE_CONSTRAINT);

  // And the statement works again after that error.
  sqlite3_stmt* third = Prepare(sql);
  sqlite3_bind_int(third, 1, 3);
  sqlite3_bind_text(third, 2, "three", -1, SQLITE_TRANSIENT);
  EXPECT_EQ(sqlite3_step(third), SQLITE_DONE);
  EXPECT_EQ(sqlite3_finalize(third), SQLITE_OK);
}

TEST_F(StatementCacheTest, StatementsInUseAtOnceAreDistinctAndBothParked) {
  const std::string sql = "SELECT name FROM t";
  sqlite3_stmt* outer = Prepare(sql);
  sqlite3_stmt* inner = Prepare(sql);
  EXPECT_NE(outer, inner);
  sqlite3_finalize(inner);
  sqlite3_finalize(outer);
  sqlite3_stmt* a = Prepare(sql);
  sqlite3_stmt* b = Prepare(sql);
  EXPECT_NE(a, b);
  EXPECT_TRUE((a == outer || a == inner) && (b == outer || b == inner));
  sqlite3_finalize(a);
  sqlite3_finalize(b);
}

TEST_F(StatementCacheTest, OnlyTheWholeTextMatchesSoATailStillComesBack) {
  const std::string two = "SELECT 1; SELECT 2";
  const char* tail = nullptr;
  sqlite3_stmt* first = Prepare(two, &tail);
  ASSERT_NE(tail, nullptr);
  EXPECT_STREQ(tail, " SELECT 2");
  sqlite3_finalize(first);  // parked as "SELECT 1;"
  tail = nullptr;
  sqlite3_stmt* again = Prepare(two, &tail);
  ASSERT_NE(tail, nullptr);
  EXPECT_STREQ(tail, " SELECT 2");
  sqlite3_finalize(again);
}

TEST_F(StatementCacheTest, AParkedStatementSeesASchemaChange) {
  const std::string sql = "SELECT * FROM t";
  sqlite3_finalize(Prepare(sql));
  Exec("ALTER TABLE t ADD COLUMN price INTEGER");
  Exec("INSERT INTO t (id, name, price) VALUES (1, 'one', 5)");
  sqlite3_stmt* statement = Prepare(sql);
  ASSERT_EQ(sqlite3_step(statement), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_count(statement), 3);
  EXPECT_EQ(sqlite3_column_int(statement, 2), 5);
  sqlite3_finalize(statement);
}

TEST_F(StatementCacheTest, ManyDistinctStatementsStayBounded) {
  for (int i = 0; i < 500; ++i) sqlite3_finalize(Prepare("SELECT " + std::to_string(i)));
  // The newest are still parked, the oldest were finalized for real (TearDown closes cleanly).
  const SqliteStatementCacheStats before = StatementCacheStats();
  sqlite3_finalize(Prepare("SELECT 499"));
  EXPECT_EQ(StatementCacheStats().reused, before.reused + 1);
  sqlite3_finalize(Prepare("SELECT 0"));
  EXPECT_EQ(StatementCacheStats().compiled, before.compiled + 1);
}

TEST(StatementCacheDbTest, SociStatementsAreReusedAndBindEachTimeAfresh) {
  testing::TempDir dir;
  auto opened = Db::Open(DbOptions{.url = dir.SqliteUrl("cache.db"), .pool_size = 2});
  ASSERT_TRUE(opened.ok()) << opened.error().detail;
  auto& db = **opened;
  ASSERT_TRUE(db.Migrate({{1, "t", "CREATE TABLE t (id BIGINT PRIMARY KEY, name TEXT);\n"}}).ok());

  const SqliteStatementCacheStats before = StatementCacheStats();
  for (int id = 1; id <= 50; ++id) {
    auto written = db.Write<bool>([&](soci::session& session) -> Result<bool> {
      const std::string name = "n" + std::to_string(id);
      session << "INSERT INTO t (id, name) VALUES (:id, :name)", soci::use(id), soci::use(name);
      return true;
    });
    ASSERT_TRUE(written.ok()) << written.error().detail;
  }
  for (int id = 1; id <= 50; ++id) {
    auto name = db.Read<std::string>([&](soci::session& session) -> Result<std::string> {
      std::string found;
      session << "SELECT name FROM t WHERE id = :id", soci::use(id), soci::into(found);
      return found;
    });
    ASSERT_TRUE(name.ok()) << name.error().detail;
    EXPECT_EQ(*name, "n" + std::to_string(id));
  }
  // 100 statements of two texts, plus the transactions' own: nearly all reused.
  const SqliteStatementCacheStats after = StatementCacheStats();
  EXPECT_GE(after.reused - before.reused, 90u);
  EXPECT_LE(after.compiled - before.compiled, 20u);
}

}  // namespace
}  // namespace tinysaga::storage
