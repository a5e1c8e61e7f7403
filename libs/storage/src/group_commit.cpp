#include "group_commit.h"

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <algorithm>

#include "log.h"
#include "tinysaga/storage/write_faults.h"

namespace tinysaga::storage {
namespace {

thread_local WriteFaultHook write_fault_hook;  // the simulator's; empty everywhere else

// Throws the SQLite error the hook chose for `point`, as the statement itself would have.
void InjectedFault(soci::session& session, WritePoint point) {
  if (!write_fault_hook) return;
  // SOCI declares SQLite's API in its namespace sqlite_api.
  sqlite_api::sqlite3* connection =
      static_cast<soci::sqlite3_session_backend*>(session.get_backend())->conn_;
  const char* file = sqlite_api::sqlite3_db_filename(connection, "main");
  if (const int code = write_fault_hook(file ? file : "", point); code != 0) {
    throw soci::sqlite3_soci_error(std::string("injected: ") + sqlite_api::sqlite3_errstr(code),
                                   code);
  }
}

}  // namespace

void SetWriteFaultHookForThisThread(WriteFaultHook hook) { write_fault_hook = std::move(hook); }

struct SqliteGroupCommit::Request {
  const TransactionWork* work;
  bool synced;
  bool taken = false;  // in a running group: it will be done without waiting for a turn
  bool done = false;
  WriteAttempt attempt;
};

SqliteGroupCommit::SqliteGroupCommit(std::unique_ptr<soci::session> session,
                                     GroupCommitOptions options)
    : session_(std::move(session)), options_(std::move(options)) {}

SqliteGroupCommit::~SqliteGroupCommit() = default;

WriteAttempt SqliteGroupCommit::Run(const TransactionWork& work, bool synced) {
  Request request{&work, synced};
  std::unique_lock lock(mutex_);
  queue_.push_back(&request);
  const auto turn_deadline = std::chrono::steady_clock::now() + options_.turn_wait_max;
  while (!request.done) {
    if (!group_running_) {
      // Lead the next group: everything queued so far, oldest first (this request included,
      // unless more than a group's worth came before it).
      group_running_ = true;
      std::vector<Request*> group;
      while (!queue_.empty() && group.size() < options_.group_size_max) {
        group.push_back(queue_.front());
        group.back()->taken = true;
        queue_.pop_front();
      }
      ++counters_.groups;
      counters_.works += group.size();
      lock.unlock();
      RunGroup(group);
      lock.lock();
      for (Request* member : group) member->done = true;
      group_running_ = false;
      group_done_.notify_all();  // the members, and whoever leads the next group
      continue;
    }
    if (request.taken) {
      group_done_.wait(lock);  // bounded by the group's own work and SQLite's busy timeout
      continue;
    }
    if (group_done_.wait_until(lock, turn_deadline) == std::cv_status::timeout && !request.taken &&
        !request.done) {
      queue_.erase(std::find(queue_.begin(), queue_.end(), &request));
      request.attempt.failure = Failure{
          MakeError(Errc::kUnavailable, "database busy: no write turn within the busy timeout")};
      return request.attempt;
    }
  }
  return request.attempt;
}

size_t SqliteGroupCommit::waiting() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

SqliteGroupCommit::Counters SqliteGroupCommit::counters() const {
  std::lock_guard lock(mutex_);
  return counters_;
}

std::optional<Failure> SqliteGroupCommit::RunWorks(const std::vector<Request*>& group) {
  soci::session& session = *session_;
  if (group.size() == 1) {  // no savepoint needed: the transaction is the work's own
    Request& only = *group.front();
    only.attempt.failure = Guard([&] { only.attempt.outcome = (*only.work)(session); });
    return std::nullopt;
  }
  for (Request* member : group) {
    if (auto failure = Guard([&] { session << "SAVEPOINT tinysaga_group"; })) return failure;
    WriteAttempt& attempt = member->attempt;
    attempt.failure = Guard([&] { attempt.outcome = (*member->work)(session); });
    if (attempt.failure || !attempt.outcome.ok()) {
      // Fails only if SQLite already rolled the whole transaction back (e.g. a full disk).
      if (auto failure = Guard([&] { session << "ROLLBACK TO SAVEPOINT tinysaga_group"; })) {
        return failure;
      }
    }
    if (auto failure = Guard([&] { session << "RELEASE SAVEPOINT tinysaga_group"; })) {
      return failure;
    }
  }
  return std::nullopt;
}

void SqliteGroupCommit::RunGroup(const std::vector<Request*>& group) {
  soci::session& session = *session_;
  const bool synced =
      std::any_of(group.begin(), group.end(), [](const Request* member) { return member->synced; });
  auto fail_applied = [&](const Failure& failure, bool committing) {
    for (Request* member : group) {
      WriteAttempt& attempt = member->attempt;
      if (attempt.failure || !attempt.outcome.ok()) continue;  // its own failure stands
      attempt.failure = failure;
      attempt.committing = committing;
    }
  };
  // An unsynced group switches the connection to synchronous=OFF for its commit, unless it is
  // configured so already (the simulator's databases).
  const bool switch_sync = !synced && options_.synchronous != "OFF";
  std::optional<Failure> failure;
  if (switch_sync) failure = Guard([&] { session << "PRAGMA synchronous = OFF"; });  // not in BEGIN
  if (!failure) {
    failure = Guard([&] {
      InjectedFault(session, WritePoint::kBegin);
      session << "BEGIN IMMEDIATE";
    });
  }
  if (failure) {
    fail_applied(*failure, false);
  } else if (std::optional<Failure> aborted = RunWorks(group)) {
    (void)Guard([&] { session << "ROLLBACK"; });
    // The others did nothing wrong: their effects went with the transaction, so they run again.
    Failure retry = *aborted;
    retry.transient = true;
    fail_applied(retry, false);
  } else {
    const bool any_applied = std::any_of(group.begin(), group.end(), [](const Request* member) {
      return !member->attempt.failure && member->attempt.outcome.ok();
    });
    std::optional<Failure> commit_failure;
    if (any_applied) {
      commit_failure = Guard([&] {
        InjectedFault(session, WritePoint::kCommit);
        session << "COMMIT";
        InjectedFault(session, WritePoint::kAfterCommit);  // committed, told it failed
      });
    }
    if (!any_applied || commit_failure) (void)Guard([&] { session << "ROLLBACK"; });
    if (commit_failure) fail_applied(*commit_failure, true);
  }
  if (switch_sync) {
    if (auto restored = Guard([&] { session << "PRAGMA synchronous = " + options_.synchronous; })) {
      Log()->error("cannot restore synchronous={}: {}", options_.synchronous,
                   restored->error.detail);
    }
  }
}

}  // namespace tinysaga::storage
