#include "tinysaga/storage/idempotency.h"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include "tinysaga/storage/db.h"
#include "tinysaga/testing/temp_dir.h"

namespace tinysaga::storage {
namespace {

TEST(RequestFingerprintTest, IsHexSha256OverMethodPathAndBody) {
  EXPECT_EQ(RequestFingerprint("POST", "/api/orders", R"({"productId":"p1","quantity":2})"),
            "6e636406626711b1a8140057d59134dfdc59489579a82da9faed85d0df3d3b1e");
  EXPECT_EQ(RequestFingerprint("", "", ""),
            "75a11da44c802486bc6f65640aa48a730f0f684c5c07a42ba3cd1735eb3fb070");
  // The separators keep the parts apart.
  EXPECT_NE(RequestFingerprint("POST", "/a", "b"), RequestFingerprint("POST", "/a\nb", ""));
}

TEST(IsValidIdempotencyKeyTest, PrintableAsciiUpTo128) {
  EXPECT_TRUE(IsValidIdempotencyKey("a"));
  EXPECT_TRUE(IsValidIdempotencyKey("order 1 ~!@#$%^&*()"));
  EXPECT_TRUE(IsValidIdempotencyKey(std::string(128, 'k')));
  EXPECT_FALSE(IsValidIdempotencyKey(""));
  EXPECT_FALSE(IsValidIdempotencyKey("   "));
  EXPECT_FALSE(IsValidIdempotencyKey(std::string(129, 'k')));
  EXPECT_FALSE(IsValidIdempotencyKey("tab\there"));
  EXPECT_FALSE(IsValidIdempotencyKey("caf\xC3\xA9"));
  EXPECT_FALSE(IsValidIdempotencyKey(std::string("nul\0byte", 8)));
  EXPECT_FALSE(IsValidIdempotencyKey("del\x7F"));
}

class IdempotencyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Db::Open(DbOptions{.url = dir_.SqliteUrl("idem.db")});
    ASSERT_TRUE(db.ok()) << db.error().detail;
    db_ = std::move(db).value();
    ASSERT_TRUE(db_->Migrate({}).ok());
  }

  Result<std::optional<StoredResponse>> Find(const std::string& user, const std::string& key,
                                             const std::string& fingerprint) {
    return db_->Write<std::optional<StoredResponse>>([&](soci::session& session) {
      return FindIdempotentResponse(session, user, key, fingerprint);
    });
  }

  Result<int> Save(const std::string& user, const std::string& key, const std::string& fingerprint,
                   const StoredResponse& response) {
    return db_->Write<int>([&](soci::session& session) -> Result<int> {
      SaveIdempotentResponse(session, user, key, fingerprint, response, 1'000);
      return 0;
    });
  }

  testing::TempDir dir_;
  std::unique_ptr<Db> db_;
};

TEST_F(IdempotencyStoreTest, NewKeyIsNotFound) {
  auto found = Find("alice", "k1", "f1");
  ASSERT_TRUE(found.ok()) << found.error().detail;
  EXPECT_FALSE(found->has_value());
}

TEST_F(IdempotencyStoreTest, SavedResponseIsFoundForTheSameRequest) {
  ASSERT_TRUE(Save("alice", "k1", "f1", {201, R"({"orderId":"ord_1"})"}).ok());
  auto found = Find("alice", "k1", "f1");
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->status, 201);
  EXPECT_EQ((*found)->body, R"({"orderId":"ord_1"})");
}

TEST_F(IdempotencyStoreTest, SameKeyForAnotherRequestIsAMismatch) {
  ASSERT_TRUE(Save("alice", "k1", "f1", {201, "{}"}).ok());
  auto found = Find("alice", "k1", "f2");
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.error().code, Errc::kIdempotencyMismatch);
}

TEST_F(IdempotencyStoreTest, KeysArePerUser) {
  ASSERT_TRUE(Save("alice", "k1", "f1", {201, "{}"}).ok());
  auto found = Find("bob", "k1", "f2");
  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
}

TEST_F(IdempotencyStoreTest, SavingAKeyTwiceIsAConflict) {
  ASSERT_TRUE(Save("alice", "k1", "f1", {201, "{}"}).ok());
  auto again = Save("alice", "k1", "f1", {201, "{}"});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::kConflict);
}

}  // namespace
}  // namespace tinysaga::storage
