// The SQLite checks of db_test.cpp against a real PostgreSQL server. Runs only when
// TINYSAGA_TEST_POSTGRES_URL names a scratch database (each test uses a schema of its own), e.g.
//   TINYSAGA_TEST_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/tinysaga_test

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <cstdlib>
#include <latch>
#include <optional>
#include <thread>
#include <vector>

#include "tinysaga/storage/db.h"
#include "tinysaga/storage/idempotency.h"
#include "tinysaga/testing/postgres_schema.h"

namespace tinysaga::storage {
namespace {

const std::vector<Migration> kServiceMigrations = {
    {1, "counters",
     "CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);\n"
     "INSERT INTO counters (name, value) VALUES ('hits', 0);\n"},
};

class PostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* url = tinysaga::testing::PostgresTestUrl();
    if (url == nullptr) GTEST_SKIP() << "TINYSAGA_TEST_POSTGRES_URL is not set";
    schema_.emplace(url);
    url_ = schema_->Url();
    db_ = Open();
    ASSERT_TRUE(db_);
  }
  void TearDown() override { db_.reset(); }  // before the schema is dropped

  std::unique_ptr<Db> Open() {
    auto db = Db::Open(DbOptions{.url = url_, .pool_size = 4});
    EXPECT_TRUE(db.ok()) << db.error().detail;
    return db.ok() ? std::move(db).value() : nullptr;
  }

  long long Counter() {
    auto value = db_->Read<long long>([](soci::session& session) -> Result<long long> {
      long long hits = 0;
      session << "SELECT value FROM counters WHERE name = 'hits'", soci::into(hits);
      return hits;
    });
    EXPECT_TRUE(value.ok()) << value.error().detail;
    return value.ok() ? *value : -1;
  }

  std::optional<tinysaga::testing::PostgresSchema> schema_;
  std::string url_;
  std::unique_ptr<Db> db_;
};

// SELECT ... FOR UPDATE is how repositories serialise a read-modify-write under READ COMMITTED.
Result<int> Increment(soci::session& session) {
  long long value = 0;
  session << "SELECT value FROM counters WHERE name = 'hits' FOR UPDATE", soci::into(value);
  const long long next = value + 1;
  session << "UPDATE counters SET value = :value WHERE name = 'hits'", soci::use(next);
  return 0;
}

TEST_F(PostgresTest, MigratesOnceEvenWhenTwoInstancesStartTogether) {
  std::latch start(2);
  Result<void> results[2] = {Ok(), Ok()};
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&, i] {
      auto db = Open();
      start.arrive_and_wait();
      results[i] =
          db ? db->Migrate(kServiceMigrations) : Result<void>(MakeError(Errc::kInternal, "open"));
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& result : results) EXPECT_TRUE(result.ok()) << result.error().detail;
  ASSERT_TRUE(db_->Migrate(kServiceMigrations).ok());
  EXPECT_EQ(db_->kind(), DbKind::kPostgres);
  EXPECT_TRUE(db_->Healthy());
  EXPECT_EQ(Counter(), 0);
}

TEST_F(PostgresTest, WriteCommitsRollsBackAndReportsConflicts) {
  ASSERT_TRUE(db_->Migrate(kServiceMigrations).ok());
  ASSERT_TRUE(db_->Write<int>(Increment).ok());
  auto refused = db_->Write<int>([](soci::session& session) -> Result<int> {
    TS_RETURN_IF_ERROR(Increment(session));
    return MakeError(Errc::kOutOfStock, "no");
  });
  EXPECT_EQ(refused.error().code, Errc::kOutOfStock);
  auto thrown = db_->Write<int>([](soci::session& session) -> Result<int> {
    TS_RETURN_IF_ERROR(Increment(session));
    throw std::runtime_error("boom");
  });
  EXPECT_EQ(thrown.error().code, Errc::kInternal);
  auto duplicate = db_->Write<int>([](soci::session& session) -> Result<int> {
    TS_RETURN_IF_ERROR(Increment(session));
    session << "INSERT INTO counters (name, value) VALUES ('hits', 1)";
    return 0;
  });
  EXPECT_EQ(duplicate.error().code, Errc::kConflict);
  EXPECT_EQ(Counter(), 1);
}

TEST_F(PostgresTest, ConcurrentWritersAllCommit) {
  ASSERT_TRUE(db_->Migrate(kServiceMigrations).ok());
  constexpr int kThreads = 4;
  constexpr int kIncrements = 25;
  std::latch start(kThreads);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      for (int i = 0; i < kIncrements; ++i) {
        if (!db_->Write<int>(Increment).ok()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Counter(), kThreads * kIncrements);
}

TEST_F(PostgresTest, IdempotencyFindAndSave) {
  ASSERT_TRUE(db_->Migrate({}).ok());
  auto saved = db_->Write<int>([](soci::session& session) -> Result<int> {
    TS_ASSIGN_OR_RETURN(auto found, FindIdempotentResponse(session, "alice", "k1", "f1"));
    EXPECT_FALSE(found.has_value());
    SaveIdempotentResponse(session, "alice", "k1", "f1", {201, "{}"}, 1);
    return 0;
  });
  ASSERT_TRUE(saved.ok()) << saved.error().detail;
  auto replay = db_->Write<std::optional<StoredResponse>>(
      [](soci::session& session) { return FindIdempotentResponse(session, "alice", "k1", "f1"); });
  ASSERT_TRUE(replay.ok());
  ASSERT_TRUE(replay->has_value());
  EXPECT_EQ((*replay)->status, 201);
  auto mismatch = db_->Write<std::optional<StoredResponse>>(
      [](soci::session& session) { return FindIdempotentResponse(session, "alice", "k1", "f2"); });
  EXPECT_EQ(mismatch.error().code, Errc::kIdempotencyMismatch);
}

}  // namespace
}  // namespace tinysaga::storage
