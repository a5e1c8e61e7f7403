// The simulator's db-busy seam (write_faults.h): an injected SQLite error is the real one to
// every caller (classified, retried or not, as Db does for a busy lock or a failing disk), a
// failed COMMIT leaves nothing behind, and with no hook nothing changes.

#include "tinysaga/storage/write_faults.h"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <string>

#include "tinysaga/storage/db.h"
#include "tinysaga/testing/temp_dir.h"

namespace tinysaga::storage {
namespace {

constexpr int kSqliteBusy = 5;
constexpr int kSqliteIoErrFsync = 10 | (4 << 8);

const std::vector<Migration> kMigrations = {
    {1, "entries", "CREATE TABLE entries (id INTEGER PRIMARY KEY, note TEXT NOT NULL);\n"},
};

class WriteFaultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Db::Open({.url = dir_.SqliteUrl("faults.db"), .pool_size = 1});
    ASSERT_TRUE(opened.ok()) << opened.error().detail;
    db_ = std::move(*opened);
    ASSERT_TRUE(db_->Migrate(kMigrations).ok());
  }
  void TearDown() override { SetWriteFaultHookForThisThread({}); }

  Result<bool> AddEntry() {
    return db_->Write<bool>([](soci::session& session) -> Result<bool> {
      session << "INSERT INTO entries (note) VALUES ('one')";
      return true;
    });
  }
  long long Entries() {
    return db_
        ->Read<long long>([](soci::session& session) -> Result<long long> {
          long long rows = 0;
          session << "SELECT COUNT(*) FROM entries", soci::into(rows);
          return rows;
        })
        .value();
  }

  testing::TempDir dir_;
  std::unique_ptr<Db> db_;
};

TEST_F(WriteFaultsTest, AFailedCommitIsRolledBackAndUnavailable) {
  std::string seen_file;
  SetWriteFaultHookForThisThread([&](const std::string& file, WritePoint point) {
    seen_file = file;
    return point == WritePoint::kCommit ? kSqliteIoErrFsync : 0;
  });
  auto written = AddEntry();
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().code, Errc::kUnavailable) << written.error().detail;
  EXPECT_NE(seen_file.find("faults.db"), std::string::npos) << seen_file;
  EXPECT_EQ(Entries(), 0);

  SetWriteFaultHookForThisThread({});
  ASSERT_TRUE(AddEntry().ok());
  EXPECT_EQ(Entries(), 1);
}

// The outcome the caller cannot know: committed, reported failed, and not retried by Db (a
// retry would apply the work twice).
TEST_F(WriteFaultsTest, ACommitReportedFailedAfterItTookEffectStaysCommittedAndIsNotRetried) {
  int commits = 0;
  SetWriteFaultHookForThisThread([&](const std::string&, WritePoint point) {
    if (point == WritePoint::kCommit) ++commits;
    return point == WritePoint::kAfterCommit ? kSqliteIoErrFsync : 0;
  });
  auto written = AddEntry();
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().code, Errc::kUnavailable) << written.error().detail;
  EXPECT_EQ(commits, 1);
  SetWriteFaultHookForThisThread({});
  EXPECT_EQ(Entries(), 1);
  ASSERT_TRUE(AddEntry().ok());  // the connection is usable afterwards
  EXPECT_EQ(Entries(), 2);
}

TEST_F(WriteFaultsTest, ABusyBeginIsRetriedByDb) {
  int busy_left = 2;
  SetWriteFaultHookForThisThread([&](const std::string&, WritePoint point) {
    return point == WritePoint::kBegin && busy_left-- > 0 ? kSqliteBusy : 0;
  });
  ASSERT_TRUE(AddEntry().ok());  // two busy BEGINs, then the third attempt commits
  EXPECT_EQ(busy_left, -1);
  EXPECT_EQ(Entries(), 1);
}

}  // namespace
}  // namespace tinysaga::storage
