#pragma once
// A seam for the deterministic simulator's `db-busy` fault (docs/simulation.md): a hook that
// makes an SQLite write transaction fail as a busy lock or a failed disk would, at BEGIN or at
// COMMIT, or report a failed COMMIT that took effect. The failure is the SQLite error itself (a
// soci::sqlite3_soci_error with the code the hook returns), so it is classified, retried and
// reported exactly as the real one; at COMMIT the statement is not run and the transaction is
// rolled back, as SQLite does when a commit fails; after COMMIT the transaction stays committed
// and the caller is told it failed, as when the disk's flush fails after the commit record
// reached it (or a PostgreSQL connection drops with the COMMIT on its way back). (An SQLite commit
// hook would roll back too, but its SQLITE_CONSTRAINT_COMMITHOOK is not what a busy or failing
// database answers, and would be classified as an internal error.)
//
// Off by default: with no hook installed nothing changes. The hook is the calling thread's,
// so runs of the simulator in several threads each install their own.

#include <functional>
#include <string>

namespace tinysaga::storage {

enum class WritePoint { kBegin, kCommit, kAfterCommit };

// `db_file` is the database's path; returns the SQLite result code (extended codes allowed,
// e.g. SQLITE_IOERR_FSYNC) that the statement at `point` fails with, or 0 to run it.
using WriteFaultHook = std::function<int(const std::string& db_file, WritePoint point)>;

// Installs `hook` for the SQLite write transactions that this thread runs (empty: none).
void SetWriteFaultHookForThisThread(WriteFaultHook hook);

}  // namespace tinysaga::storage
