#pragma once
// Group commit for the writers of one SQLite file in one process.
//
// SQLite has one writer at a time and every synced commit costs an fsync and a WAL frame per
// page it touched. Writers queue here; whoever finds no transaction running takes the queued
// works (its own first among them) into one transaction, runs each in a savepoint of its own,
// and commits once: N concurrent writers pay one fsync and write each shared page (the
// outbox's, the inbox's, an index leaf) once. Every work still commits or rolls back on its
// own terms: one that returns an error, or throws, is rolled back to its savepoint and the
// others go on. Each caller returns only after the commit, so durability is unchanged.
//
// Thread-safe. The session is this object's alone (see Db::sqlite_writer_).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "failure.h"
#include "tinysaga/core/result.h"

namespace soci {
class session;
}  // namespace soci

namespace tinysaga::storage {

using TransactionWork = std::function<Result<void>(soci::session&)>;

// One run of a work in a transaction, as its caller needs it to decide on a retry.
struct WriteAttempt {
  Result<void> outcome = Ok();     // what the work returned, when it ran to its end
  std::optional<Failure> failure;  // a database error, classified; none = committed or refused
  bool committing = false;         // the failure came at COMMIT
};

struct GroupCommitOptions {
  std::string synchronous = "FULL";  // the session's configured PRAGMA synchronous
  // How long a work may wait for its group to start before it is refused as busy.
  std::chrono::milliseconds turn_wait_max{10'000};
  size_t group_size_max = 64;
};

class SqliteGroupCommit {
 public:
  SqliteGroupCommit(std::unique_ptr<soci::session> session, GroupCommitOptions options);
  ~SqliteGroupCommit();

  // Runs `work` once in the next group transaction and returns after that transaction
  // committed or rolled back. `synced` = false lets a group of only such works commit without
  // waiting for the disk (Db::WriteUnsynced).
  WriteAttempt Run(const TransactionWork& work, bool synced);

  // Works waiting for a group to start (tests use it to know when a group has formed).
  size_t waiting() const;
  // Groups run so far, and the works in them: their ratio is the average group size.
  struct Counters {
    uint64_t groups = 0;
    uint64_t works = 0;
  };
  Counters counters() const;

 private:
  struct Request;
  void RunGroup(const std::vector<Request*>& group);
  // Runs the group's works between BEGIN and the end; the transaction is still open.
  // Returns the failure that rolled the whole transaction back, if one did.
  std::optional<Failure> RunWorks(const std::vector<Request*>& group);

  std::unique_ptr<soci::session> session_;
  GroupCommitOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable group_done_;
  std::deque<Request*> queue_;  // waiting for a group, oldest first
  bool group_running_ = false;
  Counters counters_;
};

}  // namespace tinysaga::storage
