#pragma once
// Compiled SQLite statements are kept and reused instead of being compiled again for every
// execution.
//
// Why: SOCI 4.0 prepares (sqlite3_prepare_v2) and finalizes every `session << ...` statement
// each time it runs, and the repositories run the same few dozen statements over and over.
// Compiling them was 13.5% of the services' CPU in `tinysaga bench` (orchestration, C=64,
// perf with DWARF call graphs), as much as executing them.
//
// How: this file's definitions of sqlite3_prepare_v2, sqlite3_finalize, sqlite3_close and
// sqlite3_close_v2 interpose on libsqlite3's for the whole process (the executable's exported
// symbols come first in the dynamic linker's search order; SOCI's libsoci_sqlite3 and
// libsqlite3's own sqlite3_exec call through the PLT). Each wrapper calls the real function
// found with dlsym(RTLD_NEXT):
// - finalize resets the statement, clears its bindings and parks it under its connection and
//   its SQL text (sqlite3_sql) instead of freeing it, up to kParkedPerConnection per connection
//   (least recently parked goes first);
// - prepare of exactly that text on that connection takes a parked statement back, and is
//   otherwise the real prepare;
// - close finalizes the connection's parked statements first (SQLite refuses to close a
//   connection with live statements).
// A parked statement is reset, so it holds no lock and no read snapshot; a schema change makes
// SQLite recompile it at its next step (v2 statements), as for any prepared statement. One
// connection is used by one thread at a time; the parking lot is shared, behind a mutex.

#include <cstdint>

namespace tinysaga::storage {

struct SqliteStatementCacheStats {
  uint64_t reused = 0;    // prepares answered with a parked statement
  uint64_t compiled = 0;  // prepares that compiled (nothing parked for that text)
};

// Counts since the process started (all connections). Db::Open calls it, which also makes sure
// the linker keeps this file's wrappers in every program that opens a database.
SqliteStatementCacheStats StatementCacheStats();

}  // namespace tinysaga::storage
