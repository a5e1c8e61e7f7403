#pragma once
// A fingerprint of the services' databases at the end of a run: every row of every table
// (schema_migrations aside: it records the wall clock), rows sorted, so it depends only on
// what the run wrote. Read with SQLite's own API, through connections the caller keeps open.

#include <cstdint>
#include <string>
#include <vector>

#include "tinysaga/core/result.h"

struct sqlite3;

namespace tinysaga::sim {

// `databases` in the order given; only read.
Result<uint64_t> HashDatabases(const std::vector<sqlite3*>& databases);

}  // namespace tinysaga::sim
