// provision.h: which URL templates are refused, and the creation of missing PostgreSQL
// databases. The PostgreSQL cases run only when TINYSAGA_TEST_POSTGRES_URL names a scratch
// database on a server where its user may create databases and roles (scripts/with-postgres);
// the databases and the role they create are named after the test process and dropped after.

#include "tinysaga/storage/provision.h"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include "tinysaga/storage/db.h"
#include "tinysaga/testing/postgres_schema.h"

namespace tinysaga::storage {
namespace {

const std::vector<std::string> kServices = {"order", "wallet"};

TEST(ValidateDbUrlTemplateTest, SqliteDirectoriesAndPostgresTemplatesWithServicePass) {
  EXPECT_TRUE(ValidateDbUrlTemplate("sqlite:./data").ok());
  EXPECT_TRUE(ValidateDbUrlTemplate("postgresql://u@h/tinysaga_{service}").ok());
  EXPECT_TRUE(ValidateDbUrlTemplate("postgres://u@h:5432/{service}?sslmode=disable").ok());
}

TEST(ValidateDbUrlTemplateTest, APostgresTemplateWithoutServiceIsRefused) {
  const auto refused = ValidateDbUrlTemplate("postgresql://user:secret@h/tinysaga");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::kInvalidRequest);
  EXPECT_NE(refused.error().detail.find("{service}"), std::string::npos) << refused.error().detail;
  EXPECT_EQ(refused.error().detail.find("secret"), std::string::npos) << "the password leaked";
}

TEST(ValidateDbUrlTemplateTest, AnUnknownSchemeIsRefused) {
  const auto refused = ValidateDbUrlTemplate("mysql://h/{service}");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::kInvalidRequest);
  EXPECT_FALSE(CreateMissingDatabases("./data", kServices).ok());
}

TEST(CreateMissingDatabasesTest, ASqliteTemplateCreatesNothingHere) {
  auto created = CreateMissingDatabases("sqlite:/nonexistent/dir", kServices);
  ASSERT_TRUE(created.ok()) << created.error().detail;
  EXPECT_TRUE(created->empty());
}

TEST(CreateMissingDatabasesTest, AnUnreachableServerIsReportedWithTheDatabaseName) {
  const auto created = CreateMissingDatabases(
      "postgresql://nobody@/tinysaga_{service}?host=/nonexistent-tinysaga-socket-dir", kServices);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, Errc::kUnavailable);
  EXPECT_NE(created.error().detail.find("order's database"), std::string::npos)
      << created.error().detail;
  EXPECT_NE(created.error().detail.find("\"tinysaga_order\""), std::string::npos)
      << created.error().detail;
}

class CreateMissingDatabasesPostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = tinysaga::testing::PostgresTestUrl();
    if (url_ == nullptr) GTEST_SKIP() << "TINYSAGA_TEST_POSTGRES_URL is not set";
    prefix_ = tinysaga::testing::UniqueSchemaName("provision");
    template_ = tinysaga::testing::WithDatabase(url_, prefix_ + "_{service}");
  }
  void TearDown() override {
    if (url_ == nullptr) return;
    for (const auto& service : kServices) {
      auto dropped = DropPostgresDatabase(DbUrlFor(template_, service));
      EXPECT_TRUE(dropped.ok()) << dropped.error().detail;
    }
  }

  // Runs `sql` in the scratch database.
  void Execute(const std::string& sql) {
    auto db = Db::Open(DbOptions{.url = url_, .pool_size = 1});
    ASSERT_TRUE(db.ok()) << db.error().detail;
    auto done = (*db)->Read<int>([&](soci::session& session) -> Result<int> {
      session << sql;
      return 0;
    });
    ASSERT_TRUE(done.ok()) << sql << ": " << done.error().detail;
  }

  const char* url_ = nullptr;
  std::string prefix_;
  std::string template_;
};

TEST_F(CreateMissingDatabasesPostgresTest, MissingDatabasesAreCreatedOnceAndThenUsable) {
  auto created = CreateMissingDatabases(template_, kServices);
  ASSERT_TRUE(created.ok()) << created.error().detail;
  EXPECT_EQ(*created, (std::vector<std::string>{prefix_ + "_order", prefix_ + "_wallet"}));

  auto again = CreateMissingDatabases(template_, kServices);
  ASSERT_TRUE(again.ok()) << again.error().detail;
  EXPECT_TRUE(again->empty());

  for (const auto& service : kServices) {
    auto db = Db::Open(DbOptions{.url = DbUrlFor(template_, service), .pool_size = 1});
    ASSERT_TRUE(db.ok()) << db.error().detail;
    EXPECT_TRUE((*db)->Healthy());
  }
}

TEST_F(CreateMissingDatabasesPostgresTest, AUserWhoMayNotCreateDatabasesGetsTheReason) {
  const std::string role = prefix_ + "_nocreate";
  Execute("DROP ROLE IF EXISTS " + role);
  Execute("CREATE ROLE " + role + " LOGIN NOCREATEDB");
  // A query parameter overrides the URI's user part (libpq keeps the last value).
  const std::string as_role =
      template_ + (template_.find('?') == std::string::npos ? "?" : "&") + "user=" + role;
  const auto created = CreateMissingDatabases(as_role, kServices);
  Execute("DROP ROLE " + role);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.error().code, Errc::kInvalidRequest);
  EXPECT_NE(created.error().detail.find("cannot create database \"" + prefix_ + "_order\""),
            std::string::npos)
      << created.error().detail;
  EXPECT_NE(created.error().detail.find("permission denied"), std::string::npos)
      << created.error().detail;
}

}  // namespace
}  // namespace tinysaga::storage
