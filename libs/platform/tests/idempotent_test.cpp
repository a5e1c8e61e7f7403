#include <gtest/gtest.h>
#include <soci/soci.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "tinysaga/platform/service.h"
#include "tinysaga/testing/temp_dir.h"

namespace tinysaga::platform {
namespace {

const std::vector<storage::Migration> kMigrations = {
    {1, "effects", "CREATE TABLE effects (id INTEGER PRIMARY KEY, body TEXT NOT NULL);\n"},
};

const Caller kAlice{CallerRole::kUser, "alice"};
const Caller kBob{CallerRole::kUser, "bob"};

http::Request Post(std::string body, std::optional<std::string> key = "key-1") {
  http::Request request;
  request.method = "POST";
  request.target = request.path = "/api/wallets/alice/deposits";
  request.body = std::move(body);
  if (key) request.headers.emplace_back("Idempotency-Key", *key);
  return request;
}

// Records one row per execution, so a test can count how often the effect really ran.
Result<long long> RecordEffect(soci::session& session, const std::string& body) {
  session << "INSERT INTO effects (body) VALUES (:body)", soci::use(body);
  long long executions = 0;
  session << "SELECT COUNT(*) FROM effects", soci::into(executions);
  return executions;
}

class IdempotentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = storage::Db::Open(storage::DbOptions{.url = dir_.SqliteUrl("service.db")});
    ASSERT_TRUE(db.ok()) << db.error().detail;
    db_ = std::move(db).value();
    ASSERT_TRUE(db_->Migrate(kMigrations).ok());
  }

  // The effect a deposit handler would run: writes, then answers 201 with the execution count.
  http::Response Run(const http::Request& request, const Caller& caller = kAlice) {
    return Idempotent(
        request, caller, *db_, clock_, [&](soci::session& session) -> Result<http::Response> {
          TS_ASSIGN_OR_RETURN(long long executions, RecordEffect(session, request.body));
          return http::Response::Json(201, {{"execution", executions}});
        });
  }

  long long Executions() {
    auto count = db_->Read<long long>([](soci::session& session) -> Result<long long> {
      long long rows = 0;
      session << "SELECT COUNT(*) FROM effects", soci::into(rows);
      return rows;
    });
    return count.ok() ? *count : -1;
  }

  long long StoredKeys() {
    auto count = db_->Read<long long>([](soci::session& session) -> Result<long long> {
      long long rows = 0;
      session << "SELECT COUNT(*) FROM idempotency_keys", soci::into(rows);
      return rows;
    });
    return count.ok() ? *count : -1;
  }

  testing::TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<storage::Db> db_;
};

TEST_F(IdempotentTest, ReplaysTheFirstResponseAndRunsTheEffectOnce) {
  const http::Response first = Run(Post(R"({"amount":100})"));
  ASSERT_EQ(first.status, 201) << first.body;
  EXPECT_FALSE(first.Header("Idempotent-Replayed"));
  const http::Response second = Run(Post(R"({"amount":100})"));
  EXPECT_EQ(second.status, 201);
  EXPECT_EQ(second.body, first.body);
  EXPECT_EQ(second.Header("Idempotent-Replayed").value_or(""), "true");
  EXPECT_EQ(second.Header("Content-Type").value_or(""), "application/json");
  EXPECT_EQ(Executions(), 1);
}

TEST_F(IdempotentTest, SameKeyWithAnotherBodyIs422) {
  ASSERT_EQ(Run(Post(R"({"amount":100})")).status, 201);
  const http::Response reused = Run(Post(R"({"amount":999})"));
  EXPECT_EQ(reused.status, 422);
  EXPECT_EQ(reused.Header("Content-Type").value_or(""), "application/problem+json");
  EXPECT_EQ(Executions(), 1);
}

TEST_F(IdempotentTest, SameKeyOnAnotherPathIs422) {
  ASSERT_EQ(Run(Post("{}")).status, 201);
  http::Request other = Post("{}");
  other.target = other.path = "/api/wallets/alice/withdrawals";
  EXPECT_EQ(Run(other).status, 422);
}

TEST_F(IdempotentTest, KeysArePerUser) {
  ASSERT_EQ(Run(Post(R"({"amount":1})"), kAlice).status, 201);
  const http::Response bob = Run(Post(R"({"amount":2})"), kBob);
  EXPECT_EQ(bob.status, 201);
  EXPECT_FALSE(bob.Header("Idempotent-Replayed"));
  EXPECT_EQ(Executions(), 2);
}

TEST_F(IdempotentTest, ServicesHaveTheirOwnScope) {
  const Caller service{CallerRole::kService, ""};
  ASSERT_EQ(Run(Post("{}"), service).status, 201);
  EXPECT_EQ(Run(Post("{}"), service).Header("Idempotent-Replayed").value_or(""), "true");
  EXPECT_EQ(Executions(), 1);
}

TEST_F(IdempotentTest, MissingOrInvalidKeyIs400) {
  EXPECT_EQ(Run(Post("{}", std::nullopt)).status, 400);
  EXPECT_EQ(Run(Post("{}", "")).status, 400);
  EXPECT_EQ(Run(Post("{}", std::string(129, 'k'))).status, 400);
  EXPECT_EQ(Run(Post("{}", "bad\x01key")).status, 400);
  EXPECT_EQ(Executions(), 0);
}

TEST_F(IdempotentTest, AnonymousCallersAre401) {
  EXPECT_EQ(Run(Post("{}"), Caller{}).status, 401);
  EXPECT_EQ(Executions(), 0);
}

TEST_F(IdempotentTest, AnErrorEffectStoresNothingAndRollsBack) {
  const auto failing = [&](soci::session& session) -> Result<http::Response> {
    TS_RETURN_IF_ERROR(RecordEffect(session, "partial"));
    return MakeError(Errc::kInsufficientFunds, "balance too low");
  };
  const http::Response refused = Idempotent(Post("{}"), kAlice, *db_, clock_, failing);
  EXPECT_EQ(refused.status, 402);
  EXPECT_EQ(Executions(), 0);
  EXPECT_EQ(StoredKeys(), 0);
  // Nothing was stored, so the same key may be retried and now succeeds.
  EXPECT_EQ(Run(Post("{}")).status, 201);
  EXPECT_EQ(Executions(), 1);
}

TEST_F(IdempotentTest, ANon2xxResponseIsReturnedButRolledBackAndNotStored) {
  const auto conflicting = [&](soci::session& session) -> Result<http::Response> {
    TS_RETURN_IF_ERROR(RecordEffect(session, "partial"));
    return http::Response::Json(409, {{"title", "conflict"}});
  };
  const http::Response refused = Idempotent(Post("{}"), kAlice, *db_, clock_, conflicting);
  EXPECT_EQ(refused.status, 409);
  EXPECT_NE(refused.body.find("conflict"), std::string::npos);
  EXPECT_EQ(Executions(), 0);
  EXPECT_EQ(StoredKeys(), 0);
}

TEST_F(IdempotentTest, AThrowingEffectIs500AndRollsBack) {
  const auto throwing = [&](soci::session& session) -> Result<http::Response> {
    TS_RETURN_IF_ERROR(RecordEffect(session, "partial"));
    throw std::runtime_error("bug");
  };
  const http::Response failed = Idempotent(Post("{}"), kAlice, *db_, clock_, throwing);
  EXPECT_EQ(failed.status, 500);
  EXPECT_EQ(failed.body.find("bug"), std::string::npos);  // details stay in the log
  EXPECT_EQ(Executions(), 0);
  EXPECT_EQ(StoredKeys(), 0);
}

TEST_F(IdempotentTest, StoresTheTimeFromTheInjectedClock) {
  clock_.SetMs(1'234'567);
  ASSERT_EQ(Run(Post("{}")).status, 201);
  auto created = db_->Read<long long>([](soci::session& session) -> Result<long long> {
    long long created_at_ms = 0;
    session << "SELECT created_at_ms FROM idempotency_keys", soci::into(created_at_ms);
    return created_at_ms;
  });
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(*created, 1'234'567);
}

}  // namespace
}  // namespace tinysaga::platform
