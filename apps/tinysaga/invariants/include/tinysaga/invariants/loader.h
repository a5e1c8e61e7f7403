#pragma once
// Reads a Snapshot from the services' databases, read-only.
//
// Each database is opened through storage::Db at storage::DbUrlFor(template, service) for
// "order", "payment", "wallet", "inventory" and "orchestrator", read in one read transaction
// (so its tables agree with each other; the databases are not read at one instant, hence
// Rules::settled), and closed again. A missing SQLite file is kNotFound and is never
// created; a missing Saga DB is not an error (choreography mode has none): the snapshot says
// so. Nothing is written, except that SQLite may create the -wal/-shm files every reader of
// a WAL database uses.

#include <string>

#include "tinysaga/core/result.h"
#include "tinysaga/invariants/snapshot.h"

namespace tinysaga::invariants {

// `db_url_template` as the services take it: "sqlite:DIR" or "postgresql://.../x_{service}".
Result<Snapshot> LoadSnapshot(const std::string& db_url_template);

}  // namespace tinysaga::invariants
