#include "tinysaga/storage/migrations.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tinysaga/storage/db.h"

namespace tinysaga::storage {
namespace {

using ::testing::ElementsAre;

TEST(SubstitutePlaceholdersTest, IdPrimaryKeyPerDialect) {
  const std::string sql = "CREATE TABLE t (id {{ID_PK}}, other_id {{ID_PK}})";
  EXPECT_EQ(SubstitutePlaceholders(sql, DbKind::kSqlite),
            "CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, other_id INTEGER PRIMARY KEY "
            "AUTOINCREMENT)");
  EXPECT_EQ(SubstitutePlaceholders(sql, DbKind::kPostgres),
            "CREATE TABLE t (id BIGSERIAL PRIMARY KEY, other_id BIGSERIAL PRIMARY KEY)");
}

TEST(SubstitutePlaceholdersTest, LeavesOtherTextAlone) {
  EXPECT_EQ(SubstitutePlaceholders("SELECT '{{UNKNOWN}}', '{ID_PK}'", DbKind::kSqlite),
            "SELECT '{{UNKNOWN}}', '{ID_PK}'");
}

TEST(SplitStatementsTest, SplitsAtSemicolonsThatEndALine) {
  EXPECT_THAT(SplitStatements("CREATE TABLE a (x INTEGER);\r\nCREATE TABLE b (\n  y TEXT\n);  \n"),
              ElementsAre("CREATE TABLE a (x INTEGER)", "CREATE TABLE b (\n  y TEXT\n)"));
}

TEST(SplitStatementsTest, KeepsSemicolonsInsideALineAndALastStatementWithoutOne) {
  EXPECT_THAT(SplitStatements("INSERT INTO t VALUES ('a;b');\nSELECT 1"),
              ElementsAre("INSERT INTO t VALUES ('a;b')", "SELECT 1\n"));
}

TEST(SplitStatementsTest, DropsBlankAndCommentOnlyPieces) {
  EXPECT_THAT(
      SplitStatements("-- the schema\n\nCREATE TABLE a (x INTEGER);\n\n-- trailing comment\n\n"),
      ElementsAre("-- the schema\n\nCREATE TABLE a (x INTEGER)"));
  EXPECT_TRUE(SplitStatements("").empty());
  EXPECT_TRUE(SplitStatements(";\n  ;\n").empty());
}

TEST(CommonMigrationsTest, UseTheReservedVersionRange) {
  const auto migrations = CommonMigrations();
  ASSERT_EQ(migrations.size(), 1u);  // idempotency_keys; the bus owns its own (bus/tables.h)
  for (const Migration& migration : migrations) {
    EXPECT_GE(migration.version, 9001);
    EXPECT_FALSE(SplitStatements(migration.sql).empty());
  }
}

}  // namespace
}  // namespace tinysaga::storage
