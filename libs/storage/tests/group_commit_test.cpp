#include "../src/group_commit.h"

#include <gtest/gtest.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

#include "tinysaga/testing/temp_dir.h"

namespace tinysaga::storage {
namespace {

using testing::TempDir;

// A group commit on a fresh file with one table of named rows.
class GroupCommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto session = std::make_unique<soci::session>(
        *soci::factory_sqlite3(), "db=\"" + (dir_.path() / "group.db").string() + "\"");
    *session << "PRAGMA journal_mode = WAL";
    *session << "CREATE TABLE rows (name TEXT PRIMARY KEY)";
    *session << "INSERT INTO rows (name) VALUES ('z')";
    reader_.open(*soci::factory_sqlite3(), "db=\"" + (dir_.path() / "group.db").string() + "\"");
    commit_ = std::make_unique<SqliteGroupCommit>(std::move(session), GroupCommitOptions{});
  }

  static TransactionWork Insert(std::string name) {
    return [name](soci::session& session) -> Result<void> {
      session << "INSERT INTO rows (name) VALUES (:name)", soci::use(name);
      return Ok();
    };
  }

  std::vector<std::string> Rows() {
    std::vector<std::string> names(100);
    reader_ << "SELECT name FROM rows ORDER BY name", soci::into(names);
    return names;
  }

  // Runs `blocker` in a group of its own, queues `works` behind it on threads of their own,
  // and lets the blocker finish only once all of them wait: they then form the next group.
  std::vector<WriteAttempt> RunAsOneGroup(const std::vector<TransactionWork>& works) {
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::promise<void> blocking;
    TransactionWork blocker = [&](soci::session&) -> Result<void> {
      blocking.set_value();
      released.wait();
      return Ok();
    };
    std::thread first([&] { EXPECT_FALSE(commit_->Run(blocker, true).failure); });
    blocking.get_future().wait();
    std::vector<WriteAttempt> attempts(works.size());
    std::vector<std::thread> threads;
    for (size_t i = 0; i < works.size(); ++i) {
      threads.emplace_back([&, i] { attempts[i] = commit_->Run(works[i], true); });
    }
    while (commit_->waiting() < works.size()) std::this_thread::yield();
    release.set_value();
    first.join();
    for (std::thread& thread : threads) thread.join();
    return attempts;
  }

  TempDir dir_;
  soci::session reader_;
  std::unique_ptr<SqliteGroupCommit> commit_;
};

TEST_F(GroupCommitTest, ConcurrentWritersShareOneTransactionAndAllCommit) {
  const auto attempts = RunAsOneGroup({Insert("a"), Insert("b"), Insert("c")});
  for (const WriteAttempt& attempt : attempts) {
    EXPECT_FALSE(attempt.failure);
    EXPECT_TRUE(attempt.outcome.ok());
  }
  EXPECT_EQ(Rows(), (std::vector<std::string>{"a", "b", "c", "z"}));
  const auto counters = commit_->counters();
  EXPECT_EQ(counters.groups, 2u) << "the blocker's group, then one for the three";
  EXPECT_EQ(counters.works, 4u);
}

TEST_F(GroupCommitTest, AWorkThatRefusesOrThrowsIsRolledBackAloneInItsGroup) {
  TransactionWork refuses = [](soci::session& session) -> Result<void> {
    session << "INSERT INTO rows (name) VALUES ('refused')";
    return MakeError(Errc::kInsufficientFunds, "no money");
  };
  TransactionWork throws = [](soci::session& session) -> Result<void> {
    session << "INSERT INTO rows (name) VALUES ('thrown')";
    throw std::runtime_error("boom");
  };
  const auto attempts =
      RunAsOneGroup({Insert("a"), refuses, Insert("b"), throws, Insert("z"), Insert("c")});
  EXPECT_FALSE(attempts[0].failure);
  EXPECT_FALSE(attempts[1].failure);
  EXPECT_EQ(attempts[1].outcome.error().code, Errc::kInsufficientFunds);
  EXPECT_FALSE(attempts[2].failure);
  ASSERT_TRUE(attempts[3].failure);
  EXPECT_EQ(attempts[3].failure->error.code, Errc::kInternal);
  ASSERT_TRUE(attempts[4].failure) << "a duplicate";
  EXPECT_EQ(attempts[4].failure->error.code, Errc::kConflict);
  EXPECT_FALSE(attempts[5].failure);
  EXPECT_EQ(Rows(), (std::vector<std::string>{"a", "b", "c", "z"}));
  EXPECT_EQ(commit_->counters().groups, 2u);
}

TEST_F(GroupCommitTest, AGroupOfUnsyncedWorksCommitsWithoutSyncAndRestoresIt) {
  TransactionWork read_synchronous = [](soci::session& session) -> Result<void> {
    int synchronous = -1;
    session << "PRAGMA synchronous", soci::into(synchronous);
    if (synchronous != 0) return MakeError(Errc::kInternal, "synchronous is not OFF");
    return Ok();
  };
  const WriteAttempt unsynced = commit_->Run(read_synchronous, /*synced=*/false);
  EXPECT_FALSE(unsynced.failure);
  EXPECT_TRUE(unsynced.outcome.ok());
  const WriteAttempt synced = commit_->Run(read_synchronous, /*synced=*/true);
  EXPECT_FALSE(synced.failure);
  EXPECT_FALSE(synced.outcome.ok()) << "FULL (the default) again for a synced work";
}

}  // namespace
}  // namespace tinysaga::storage
