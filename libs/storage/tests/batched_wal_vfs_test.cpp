// The VFS that writes a transaction's WAL frames at once (src/batched_wal_vfs.cpp): fewer
// write calls, and nothing else may change: every commit is readable the moment it returns,
// from another connection of the plain unix VFS (another process), in any synchronous mode,
// for transactions of any size, across WAL restarts, and the file stays intact.

#include "../src/batched_wal_vfs.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>
#include <string>

#include "tinysaga/testing/temp_dir.h"

namespace tinysaga::storage {
namespace {

using testing::TempDir;

class Connection {
 public:
  Connection(const std::string& path, const char* vfs) {
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db_, flags, vfs), SQLITE_OK);
  }
  ~Connection() { sqlite3_close(db_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void Exec(const std::string& sql) {
    char* error = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
    ASSERT_EQ(rc, SQLITE_OK) << sql << ": " << (error ? error : "");
  }
  int64_t Number(const std::string& sql) {
    sqlite3_stmt* statement = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr), SQLITE_OK) << sql;
    int64_t value = -1;
    if (sqlite3_step(statement) == SQLITE_ROW) value = sqlite3_column_int64(statement, 0);
    sqlite3_finalize(statement);
    return value;
  }
  std::string Text(const std::string& sql) {
    sqlite3_stmt* statement = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr), SQLITE_OK) << sql;
    std::string value;
    if (sqlite3_step(statement) == SQLITE_ROW)
      value = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    sqlite3_finalize(statement);
    return value;
  }

 private:
  sqlite3* db_ = nullptr;
};

// Write system calls made by this process so far (the kernel's count, /proc/self/io).
int64_t WriteCalls() {
  std::ifstream io("/proc/self/io");
  std::string key;
  int64_t value = 0;
  while (io >> key >> value)
    if (key == "syscw:") return value;
  return -1;
}

class BatchedWalVfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    writer_.Exec("PRAGMA journal_mode = WAL");
    writer_.Exec("CREATE TABLE rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
    writer_.Exec("CREATE INDEX rows_body ON rows (body)");
  }
  // Rows with bodies of `bytes` each, in one transaction.
  void Insert(int count, int bytes) {
    writer_.Exec("BEGIN IMMEDIATE");
    for (int i = 0; i < count; ++i)
      writer_.Exec("INSERT INTO rows (body) VALUES (printf('%.*c', " + std::to_string(bytes) +
                   ", 'x') || " + std::to_string(next_++) + ")");
    writer_.Exec("COMMIT");
  }

  TempDir dir_;
  std::string path_ = (dir_.path() / "batched.db").string();
  Connection writer_{path_, BatchedWalVfs()};
  Connection other_process_{path_, nullptr};  // the plain unix VFS, as another process has
  int next_ = 0;
};

TEST_F(BatchedWalVfsTest, ATransactionOfManyPagesIsOneWriteCall) {
  writer_.Exec("PRAGMA synchronous = OFF");  // no fsync: only the frames are written
  Insert(1, 10);                             // the WAL exists and has its header
  const int64_t before = WriteCalls();
  Insert(10, 3000);  // ten pages of rows and some of the index: two write calls each, unbatched
  EXPECT_LE(WriteCalls() - before, 2);
  EXPECT_EQ(other_process_.Number("SELECT count(*) FROM rows"), 11);
}

TEST_F(BatchedWalVfsTest, EveryCommitIsVisibleToAnotherProcessAsSoonAsItReturns) {
  for (const char* mode : {"OFF", "NORMAL", "FULL"}) {
    writer_.Exec(std::string("PRAGMA synchronous = ") + mode);
    for (int i = 0; i < 20; ++i) {
      Insert(1 + i % 3, 100 + i * 50);
      EXPECT_EQ(other_process_.Number("SELECT count(*) FROM rows"), next_) << mode;
      EXPECT_EQ(other_process_.Number("SELECT max(id) FROM rows"), next_) << mode;
    }
  }
}

TEST_F(BatchedWalVfsTest, ATransactionLargerThanOneWriteCallCommitsWhole) {
  // 2 MiB: the frames go out in pieces (the unix VFS takes under 128 KiB per call).
  writer_.Exec("PRAGMA synchronous = FULL");
  Insert(500, 4000);
  EXPECT_EQ(other_process_.Number("SELECT count(*) FROM rows"), 500);
  EXPECT_EQ(other_process_.Number("SELECT sum(length(body)) FROM rows"),
            500 * 4000 + /* the numbers' digits */ 10 + 90 * 2 + 400 * 3);
  EXPECT_EQ(other_process_.Text("PRAGMA integrity_check"), "ok");
}

TEST_F(BatchedWalVfsTest, ARolledBackTransactionLeavesNothing) {
  Insert(3, 100);
  writer_.Exec("BEGIN IMMEDIATE");
  writer_.Exec("INSERT INTO rows (body) VALUES (printf('%.*c', 200000, 'y'))");  // spills
  writer_.Exec("ROLLBACK");
  Insert(1, 100);
  EXPECT_EQ(other_process_.Number("SELECT count(*) FROM rows WHERE body LIKE 'y%'"), 0);
  EXPECT_EQ(other_process_.Number("SELECT count(*) FROM rows"), 4);
  EXPECT_EQ(other_process_.Text("PRAGMA integrity_check"), "ok");
}

TEST_F(BatchedWalVfsTest, TheWalRestartsAfterACheckpointAndTheFileReopensIntact) {
  for (int round = 0; round < 5; ++round) {
    Insert(20, 500);
    writer_.Exec("PRAGMA wal_checkpoint(TRUNCATE)");  // the next commit starts the WAL over
    Insert(5, 500);
    EXPECT_EQ(other_process_.Number("SELECT count(*) FROM rows"), next_);
  }
  Connection reopened(path_, BatchedWalVfs());
  EXPECT_EQ(reopened.Number("SELECT count(*) FROM rows"), 125);
  EXPECT_EQ(reopened.Text("PRAGMA integrity_check"), "ok");
}

}  // namespace
}  // namespace tinysaga::storage
