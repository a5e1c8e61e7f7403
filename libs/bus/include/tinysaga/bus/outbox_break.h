#pragma once
// `--break outbox-outside-tx` (core/breaks.h; docs/simulation.md, "Breaks"): what the outbox
// does when the simulator switches its transaction off. AppendToOutbox() then no longer writes
// the row in the state change's transaction: it sets the message aside in memory, and the
// database's OutboxRelay writes it in a transaction of its own on its next pass, before
// publishing. A process that dies in between has committed the state and lost the message
// (and a state change rolled back after the append still sends its message).
//
// The simulator's seams, nothing else calls them: a crash point between the two commits, and
// forgetting what a dead process held in memory. Without the break none of this runs.
//
// Thread safety: the set-aside rows are guarded by a mutex; the crash point is the calling
// thread's (as storage/write_faults.h), so simulator runs in several threads each have theirs.

#include <cstddef>
#include <functional>
#include <string>

#include "tinysaga/core/result.h"

namespace soci {
class session;
}
namespace tinysaga::storage {
class Db;
}

namespace tinysaga::bus {

struct Message;

// Called by a relay that is about to write `rows` set-aside messages of the database at
// `db_file` (its path): true kills the process there, the rows are lost and RelayOnce() fails.
using OutboxGapCrash = std::function<bool(const std::string& db_file, size_t rows)>;
void SetOutboxGapCrashForSimulation(OutboxGapCrash crash);

// The messages set aside for `db` are lost, as a process's memory is when it dies. Returns
// how many.
size_t ForgetSetAsideOutboxForSimulation(storage::Db& db);
// Every database's (the end of a run).
void ForgetAllSetAsideOutboxForSimulation();

namespace outbox_break {
// AppendToOutbox() under the break.
void SetAside(soci::session& session, const Message& message, long long now_ms);
// OutboxRelay::RelayOnce() under the break: writes the rows set aside for `db` in their own
// transaction, unless the crash point kills the process first (then an error).
Result<void> WriteSetAside(storage::Db& db);
}  // namespace outbox_break

}  // namespace tinysaga::bus
