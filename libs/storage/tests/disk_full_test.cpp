// A full disk (issue 11), stood in for by RLIMIT_FSIZE on this very process: SQLite's write
// fails (EFBIG, or a short write) as it would with no space left. Such a write must come back
// as Errc::kUnavailable (a 503, retried by an inbox consumer), never kInternal (a 500, and a
// dead letter), must leave nothing half-written, and the same Db must write again once space
// returns, with no reopen.

#include <gtest/gtest.h>
#include <signal.h>
#include <soci/soci.h>
#include <sys/resource.h>

#include "tinysaga/storage/db.h"
#include "tinysaga/testing/temp_dir.h"

namespace tinysaga::storage {
namespace {

using testing::TempDir;

// Lowers this process's soft RLIMIT_FSIZE (the hard one stays, so it can be raised again
// without privileges) with SIGXFSZ ignored, as the services ignore it; restores both when it
// goes. Nothing may print while it is in place: gtest's output could be a file as well.
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &previous_);
    previous_handler_ = signal(SIGXFSZ, SIG_IGN);
    const rlimit limited{.rlim_cur = bytes, .rlim_max = previous_.rlim_max};
    setrlimit(RLIMIT_FSIZE, &limited);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &previous_);
    signal(SIGXFSZ, previous_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit previous_{};
  sighandler_t previous_handler_ = SIG_DFL;
};

const std::vector<Migration> kMigrations = {
    {1, "entries", "CREATE TABLE entries (id INTEGER PRIMARY KEY, note TEXT NOT NULL);\n"},
};

// Several rows in one transaction, so that a half-written one would show as a partial count.
Result<bool> AddEntries(soci::session& session) {
  for (int i = 0; i < 50; ++i) {
    session << "INSERT INTO entries (note) VALUES ('an entry long enough to fill some pages')";
  }
  return true;
}

Result<long long> CountEntries(Db& db) {
  return db.Read<long long>([](soci::session& session) -> Result<long long> {
    long long rows = 0;
    session << "SELECT COUNT(*) FROM entries", soci::into(rows);
    return rows;
  });
}

TEST(DbDiskFullTest, AWriteThatCannotGrowItsFileIsUnavailableAndLeavesNothingWritten) {
  TempDir dir;
  auto opened = Db::Open(DbOptions{.url = dir.SqliteUrl("full.db"), .pool_size = 2});
  ASSERT_TRUE(opened.ok()) << opened.error().detail;
  Db& db = **opened;
  ASSERT_TRUE(db.Migrate(kMigrations).ok());
  ASSERT_TRUE(db.Write<bool>(AddEntries).ok());

  Result<bool> refused = MakeError(Errc::kInternal, "not run");
  Result<long long> read_while_full = MakeError(Errc::kInternal, "not run");
  {
    const FileSizeLimit full(1);  // bytes: no file may grow past its first byte
    refused = db.Write<bool>(AddEntries);
    read_while_full = CountEntries(db);
  }
  ASSERT_FALSE(refused.ok()) << "the write went through: the limit did not bite";
  EXPECT_EQ(refused.error().code, Errc::kUnavailable) << refused.error().detail;
  EXPECT_TRUE(refused.error().Retryable());
  ASSERT_TRUE(read_while_full.ok()) << "reads need no space: " << read_while_full.error().detail;
  EXPECT_EQ(*read_while_full, 50);
  EXPECT_EQ(CountEntries(db).value(), 50) << "nothing of the refused transaction stays";

  // Space is back: the same connections write again.
  auto after = db.Write<bool>(AddEntries);
  ASSERT_TRUE(after.ok()) << after.error().detail;
  EXPECT_EQ(CountEntries(db).value(), 100);
}

}  // namespace
}  // namespace tinysaga::storage
