#include "tinysaga/storage/db.h"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <filesystem>
#include <latch>
#include <stdexcept>
#include <thread>
#include <vector>

#include "tinysaga/testing/temp_dir.h"

namespace tinysaga::storage {
namespace {

using testing::TempDir;

const std::vector<Migration> kServiceMigrations = {
    {1, "counters",
     "CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);\n"
     "INSERT INTO counters (name, value) VALUES ('hits', 0);\n"},
};

std::unique_ptr<Db> OpenOrDie(const std::string& url, size_t pool_size = 4) {
  auto db = Db::Open(DbOptions{.url = url, .pool_size = pool_size});
  EXPECT_TRUE(db.ok()) << db.error().detail;
  return std::move(db).value();
}

std::unique_ptr<Db> OpenMigrated(const std::string& url, size_t pool_size = 4) {
  auto db = OpenOrDie(url, pool_size);
  auto migrated = db->Migrate(kServiceMigrations);
  EXPECT_TRUE(migrated.ok()) << migrated.error().detail;
  return db;
}

long long CountRows(Db& db, const std::string& sql) {
  auto count = db.Read<long long>([&](soci::session& session) -> Result<long long> {
    long long rows = 0;
    session << sql, soci::into(rows);
    return rows;
  });
  EXPECT_TRUE(count.ok()) << count.error().detail;
  return count.ok() ? *count : -1;
}

long long Counter(Db& db) {
  return CountRows(db, "SELECT value FROM counters WHERE name = 'hits'");
}

std::string JournalMode(Db& db) {
  auto mode = db.Read<std::string>([](soci::session& session) -> Result<std::string> {
    std::string journal_mode;
    session << "PRAGMA journal_mode", soci::into(journal_mode);
    return journal_mode;
  });
  EXPECT_TRUE(mode.ok()) << mode.error().detail;
  return mode.ok() ? *mode : std::string();
}

Result<void> Increment(soci::session& session) {
  long long value = 0;
  session << "SELECT value FROM counters WHERE name = 'hits'", soci::into(value);
  const long long next = value + 1;
  session << "UPDATE counters SET value = :value WHERE name = 'hits'", soci::use(next);
  return Ok();
}

TEST(DbOpenTest, RejectsUnknownUrlAndBadOptions) {
  EXPECT_EQ(Db::Open(DbOptions{.url = "mysql://x"}).error().code, Errc::kInvalidRequest);
  EXPECT_EQ(Db::Open(DbOptions{.url = "sqlite:/tmp/x.db", .pool_size = 0}).error().code,
            Errc::kInvalidRequest);
  // The synchronous mode is pasted into a PRAGMA: anything but the four words is refused.
  auto injected =
      Db::Open(DbOptions{.url = "sqlite:/tmp/x.db", .sqlite_synchronous = "FULL; DROP TABLE x"});
  EXPECT_EQ(injected.error().code, Errc::kInvalidRequest);
}

TEST(DbOpenTest, CreatesParentDirectoriesAndAppliesPragmas) {
  TempDir dir;
  auto db = OpenOrDie(dir.SqliteUrl("nested/deeper/with space.db"), 2);
  ASSERT_TRUE(db);
  EXPECT_EQ(db->kind(), DbKind::kSqlite);
  EXPECT_TRUE(db->Healthy());
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "nested/deeper/with space.db"));
  EXPECT_EQ(CountRows(*db, "PRAGMA foreign_keys"), 1);
  EXPECT_EQ(CountRows(*db, "PRAGMA synchronous"), 2);  // FULL
  EXPECT_EQ(CountRows(*db, "PRAGMA busy_timeout"), 10'000);
  EXPECT_EQ(CountRows(*db, "PRAGMA wal_autocheckpoint"), 8000);
  EXPECT_EQ(JournalMode(*db), "wal");
}

TEST(DbOpenTest, SynchronousOptionIsApplied) {
  TempDir dir;
  auto db = Db::Open(DbOptions{.url = dir.SqliteUrl("a.db"), .sqlite_synchronous = "NORMAL"});
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(CountRows(**db, "PRAGMA synchronous"), 1);
}

TEST(DbOpenTest, AnInMemoryDatabaseIsSharedByNameAndGoesWithItsLastConnection) {
  const std::string url = "sqlite-memory:/db-test/shared.db";
  {
    auto first = OpenMigrated(url, 1);
    EXPECT_EQ(first->kind(), DbKind::kSqlite);
    ASSERT_TRUE(first
                    ->Write<bool>([](soci::session& session) -> Result<bool> {
                      TS_RETURN_IF_ERROR(Increment(session));
                      return true;
                    })
                    .ok());
    auto second = OpenOrDie(url, 1);  // another connection to the same name sees the commit
    EXPECT_EQ(Counter(*second), 1);
    EXPECT_EQ(JournalMode(*second), "memory");
    EXPECT_FALSE(std::filesystem::exists("/db-test/shared.db"));
  }
  auto fresh = OpenOrDie(url, 1);  // every connection had closed: the database went with them
  EXPECT_EQ(CountRows(*fresh, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'counters'"), 0);
}

TEST(DbMigrateTest, MigratingTwiceChangesNothing) {
  TempDir dir;
  auto db = OpenMigrated(dir.SqliteUrl("a.db"));
  ASSERT_TRUE(db->Migrate(kServiceMigrations).ok());
  EXPECT_EQ(CountRows(*db, "SELECT COUNT(*) FROM schema_migrations"), 1 + 1);
  EXPECT_EQ(CountRows(*db, "SELECT COUNT(*) FROM counters"), 1);
  // The common table came along without being asked for.
  EXPECT_EQ(CountRows(*db, "SELECT COUNT(*) FROM idempotency_keys"), 0);
}

TEST(DbMigrateTest, ReopeningTheFileKeepsTheSchema) {
  TempDir dir;
  { auto db = OpenMigrated(dir.SqliteUrl("a.db")); }
  auto db = OpenMigrated(dir.SqliteUrl("a.db"));
  EXPECT_EQ(CountRows(*db, "SELECT COUNT(*) FROM schema_migrations"), 2);
}

TEST(DbMigrateTest, CallerMayAlsoPassTheCommonMigrations) {
  TempDir dir;
  auto db = OpenOrDie(dir.SqliteUrl("a.db"));
  std::vector<Migration> all = kServiceMigrations;
  for (Migration& common : CommonMigrations()) all.push_back(common);
  ASSERT_TRUE(db->Migrate(all).ok());
  EXPECT_EQ(CountRows(*db, "SELECT COUNT(*) FROM schema_migrations"), 2);
}

TEST(DbMigrateTest, TwoDifferentMigrationsWithOneVersionAreRefused) {
  TempDir dir;
  auto db = OpenOrDie(dir.SqliteUrl("a.db"));
  auto result =
      db->Migrate({{1, "a", "CREATE TABLE a (x INTEGER)"}, {1, "b", "CREATE TABLE b (x INTEGER)"}});
  EXPECT_EQ(result.error().code, Errc::kInternal);
  auto clash = db->Migrate({{9003, "mine", "CREATE TABLE mine (x INTEGER)"}});
  EXPECT_EQ(clash.error().code, Errc::kInternal);
}

TEST(DbMigrateTest, AFailingMigrationLeavesNoTrace) {
  TempDir dir;
  auto db = OpenOrDie(dir.SqliteUrl("a.db"));
  auto result = db->Migrate({{1, "fine", "CREATE TABLE zeroth (x INTEGER)"},
                             {2, "broken", "CREATE TABLE first (x INTEGER);\nNOT SQL AT ALL;\n"}});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::kInternal);
  EXPECT_NE(result.error().detail.find("2 broken"), std::string::npos) << result.error().detail;
  EXPECT_EQ(CountRows(*db, "SELECT COUNT(*) FROM schema_migrations WHERE version = 1"), 1);
  EXPECT_EQ(CountRows(*db, "SELECT COUNT(*) FROM schema_migrations WHERE version = 2"), 0);
  EXPECT_EQ(CountRows(*db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'first'"), 0);
}

// Two instances of a service starting at once on a fresh file must both succeed and apply
// every migration exactly once.
TEST(DbMigrateTest, TwoDbObjectsMigrateOneFileConcurrently) {
  TempDir dir;
  const std::string url = dir.SqliteUrl("shared.db");
  std::latch start(2);
  Result<void> results[2] = {Ok(), Ok()};
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      auto db = Db::Open(DbOptions{.url = url, .pool_size = 2});
      if (!db.ok()) {
        results[i] = db.error();
        return;
      }
      results[i] = (*db)->Migrate(kServiceMigrations);
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& result : results) EXPECT_TRUE(result.ok()) << result.error().detail;
  auto db = OpenOrDie(url);
  EXPECT_EQ(CountRows(*db, "SELECT COUNT(*) FROM schema_migrations"), 2);
  EXPECT_EQ(CountRows(*db, "SELECT COUNT(*) FROM counters"), 1);
}

class DbWriteTest : public ::testing::Test {
 protected:
  TempDir dir_;
  std::unique_ptr<Db> db_ = OpenMigrated(dir_.SqliteUrl("write.db"));
};

TEST_F(DbWriteTest, CommitsWhenWorkSucceeds) {
  auto result = db_->Write<int>([](soci::session& session) -> Result<int> {
    TS_RETURN_IF_ERROR(Increment(session));
    return 42;
  });
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(*result, 42);
  EXPECT_EQ(Counter(*db_), 1);
}

// Bookkeeping commits without fsync, and the pooled connection goes back with FULL: every
// later Write() on it is durable again (a pool of one makes the next Write() reuse it).
TEST(DbWriteUnsyncedTest, CommitsAndLeavesTheConnectionSynchronous) {
  TempDir dir;
  auto db = OpenMigrated(dir.SqliteUrl("unsynced.db"), /*pool_size=*/1);
  auto marked = db->WriteUnsynced<int>([](soci::session& session) -> Result<int> {
    int synchronous = -1;
    session << "PRAGMA synchronous", soci::into(synchronous);
    TS_RETURN_IF_ERROR(Increment(session));
    return synchronous;
  });
  ASSERT_TRUE(marked.ok()) << marked.error().detail;
  EXPECT_EQ(*marked, 0) << "OFF while the bookkeeping commits";
  EXPECT_EQ(Counter(*db), 1);
  auto after = db->Write<int>([](soci::session& session) -> Result<int> {
    int synchronous = -1;
    session << "PRAGMA synchronous", soci::into(synchronous);
    return synchronous;
  });
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*after, 2) << "FULL again for the next transaction";
  auto refused = db->WriteUnsynced<int>([](soci::session& session) -> Result<int> {
    TS_RETURN_IF_ERROR(Increment(session));
    return MakeError(Errc::kConflict, "no");
  });
  EXPECT_FALSE(refused.ok());
  EXPECT_EQ(Counter(*db), 1) << "rolled back like any Write()";
}

// Writers of one process take turns on the write lock without the busy handler's sleeps, and
// none of them fails or is lost.
TEST(DbWriteTurnsTest, ConcurrentWritersOfOneProcessAllCommit) {
  TempDir dir;
  auto db = OpenMigrated(dir.SqliteUrl("turns.db"), /*pool_size=*/4);
  constexpr int kThreads = 4, kWritesEach = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kWritesEach; ++i) {
        auto written = db->Write<bool>([](soci::session& session) -> Result<bool> {
          TS_RETURN_IF_ERROR(Increment(session));
          return true;
        });
        EXPECT_TRUE(written.ok()) << written.error().detail;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(Counter(*db), kThreads * kWritesEach);
}

TEST_F(DbWriteTest, RollsBackWhenWorkReturnsAnError) {
  auto result = db_->Write<int>([](soci::session& session) -> Result<int> {
    TS_RETURN_IF_ERROR(Increment(session));
    return MakeError(Errc::kInsufficientFunds, "no money");
  });
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::kInsufficientFunds);
  EXPECT_EQ(result.error().detail, "no money");
  EXPECT_EQ(Counter(*db_), 0);
}

TEST_F(DbWriteTest, RollsBackAndReportsInternalWhenWorkThrows) {
  auto result = db_->Write<int>([](soci::session& session) -> Result<int> {
    TS_RETURN_IF_ERROR(Increment(session));
    throw std::runtime_error("boom");
  });
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::kInternal);
  EXPECT_NE(result.error().detail.find("boom"), std::string::npos);
  EXPECT_EQ(Counter(*db_), 0);
  // The session went back to the pool in a usable state.
  EXPECT_TRUE(db_->Write<int>([](soci::session& session) -> Result<int> {
                   TS_RETURN_IF_ERROR(Increment(session));
                   return 0;
                 })
                  .ok());
  EXPECT_EQ(Counter(*db_), 1);
}

TEST_F(DbWriteTest, BadSqlIsInternalAndRollsBack) {
  auto result = db_->Write<int>([](soci::session& session) -> Result<int> {
    TS_RETURN_IF_ERROR(Increment(session));
    session << "SELECT * FROM no_such_table";
    return 0;
  });
  EXPECT_EQ(result.error().code, Errc::kInternal);
  EXPECT_EQ(Counter(*db_), 0);
}

TEST_F(DbWriteTest, UniqueViolationIsConflictAndRollsBack) {
  auto result = db_->Write<int>([](soci::session& session) -> Result<int> {
    TS_RETURN_IF_ERROR(Increment(session));
    session << "INSERT INTO counters (name, value) VALUES ('hits', 7)";
    return 0;
  });
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::kConflict);
  EXPECT_EQ(Counter(*db_), 0);
}

TEST_F(DbWriteTest, OtherConstraintViolationsAreInternal) {
  auto result = db_->Write<int>([](soci::session& session) -> Result<int> {
    session << "INSERT INTO counters (name, value) VALUES ('nulls', NULL)";
    return 0;
  });
  EXPECT_EQ(result.error().code, Errc::kInternal);
}

TEST_F(DbWriteTest, ReadSeesCommittedData) {
  ASSERT_TRUE(db_->Write<int>([](soci::session& session) -> Result<int> {
                   TS_RETURN_IF_ERROR(Increment(session));
                   return 0;
                 })
                  .ok());
  auto value = db_->Read<long long>([](soci::session& session) -> Result<long long> {
    long long hits = 0;
    session << "SELECT value FROM counters WHERE name = 'hits'", soci::into(hits);
    return hits;
  });
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, 1);
  auto failed = db_->Read<int>([](soci::session& session) -> Result<int> {
    session << "SELECT nothing FROM nowhere";
    return 0;
  });
  EXPECT_EQ(failed.error().code, Errc::kInternal);
}

// Read-modify-write from many threads: BEGIN IMMEDIATE makes each transaction see the
// previous one's result, so no increment is lost and none fails.
void HammerCounter(const std::vector<Db*>& dbs, int threads_per_db, int increments_per_thread) {
  std::latch start(static_cast<ptrdiff_t>(dbs.size()) * threads_per_db);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (Db* db : dbs) {
    for (int t = 0; t < threads_per_db; ++t) {
      threads.emplace_back([&, db] {
        start.arrive_and_wait();
        for (int i = 0; i < increments_per_thread; ++i) {
          auto result = db->Write<int>([](soci::session& session) -> Result<int> {
            TS_RETURN_IF_ERROR(Increment(session));
            return 0;
          });
          if (!result.ok()) ++failures;
        }
      });
    }
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_F(DbWriteTest, ConcurrentWritersAllCommit) {
  HammerCounter({db_.get()}, 4, 50);
  EXPECT_EQ(Counter(*db_), 4 * 50);
}

TEST_F(DbWriteTest, ConcurrentWritersThroughTwoDbObjectsAllCommit) {
  auto other = OpenMigrated(dir_.SqliteUrl("write.db"), 2);
  HammerCounter({db_.get(), other.get()}, 2, 50);
  EXPECT_EQ(Counter(*db_), 2 * 2 * 50);
}

TEST(DbUrlForTest, SqliteTemplatesAreDirectories) {
  EXPECT_EQ(DbUrlFor("sqlite:./data", "order"), "sqlite:./data/order.db");
  EXPECT_EQ(DbUrlFor("sqlite:./data/", "order"), "sqlite:./data/order.db");
  EXPECT_EQ(DbUrlFor("sqlite:/var/lib/tinysaga", "wallet"), "sqlite:/var/lib/tinysaga/wallet.db");
  EXPECT_EQ(DbUrlFor("sqlite:", "wallet"), "sqlite:./wallet.db");
  EXPECT_EQ(DbUrlFor("sqlite:/", "wallet"), "sqlite:/wallet.db");
  EXPECT_EQ(DbUrlFor("sqlite-memory:/run-7/", "order"), "sqlite-memory:/run-7/order.db");
}

TEST(DbUrlForTest, PostgresTemplatesNameTheService) {
  EXPECT_EQ(DbUrlFor("postgresql://u@h:5432/tinysaga_{service}", "order"),
            "postgresql://u@h:5432/tinysaga_order");
  EXPECT_EQ(DbUrlFor("postgresql://{service}@h/{service}?sslmode=disable", "payment"),
            "postgresql://payment@h/payment?sslmode=disable");
  EXPECT_EQ(DbUrlFor("postgresql://u@h/shared", "order"), "postgresql://u@h/shared");
}

}  // namespace
}  // namespace tinysaga::storage
