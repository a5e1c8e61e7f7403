#pragma once
// A fingerprint of the services' databases at the end of a run: every row of every table
// (schema_migrations aside: it records the wall clock), rows sorted, so it depends only on
// what the run wrote. Read with SQLite's own API, read-only.

#include <cstdint>
#include <string>
#include <vector>

#include "tinysaga/core/result.h"

namespace tinysaga::sim {

// `db_files` in the order given (each "<dir>/<service>.db").
Result<uint64_t> HashDatabases(const std::vector<std::string>& db_files);

}  // namespace tinysaga::sim
