#pragma once
// A run's databases, in this process's memory (storage's "sqlite-memory:" URLs): no file, no
// WAL, no fsync and no file lock, which the kernel charged on every commit when they were files
// on a tmpfs. A database in memory lives while a connection to it is open, so this keeps one
// open per service from its first start to the end of the run: a process that crashed and
// restarts finds its database as its commits left it, as it would find its file.
//
// Not thread-safe: one run, one thread (the runs of a sweep have names of their own).

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tinysaga/core/result.h"
#include "tinysaga/storage/migrations.h"

struct sqlite3;

namespace tinysaga::sim {

class MemoryDatabases {
 public:
  struct CloseConnection {
    void operator()(sqlite3* db) const;
  };
  using Connection = std::unique_ptr<sqlite3, CloseConnection>;

  // `prefix` makes the names this run's own (each is "<prefix>/<service>.db").
  explicit MemoryDatabases(std::string prefix);
  ~MemoryDatabases();
  MemoryDatabases(const MemoryDatabases&) = delete;
  MemoryDatabases& operator=(const MemoryDatabases&) = delete;

  // "sqlite-memory:<prefix>": the template for storage::DbUrlFor and invariants::LoadSnapshot.
  std::string url_template() const;

  // The first time, creates `service`'s database as a copy of one with `migrations` applied
  // (built once per process and kept: applying the schema's DDL was most of a start's cost);
  // later, nothing. The copy's rows are the migrations' own, so the runs do not change.
  Result<void> CreateIfNew(const std::string& service,
                           const std::vector<storage::Migration>& migrations);

  // Every row of `services`' databases, in that order (state_hash.h).
  Result<uint64_t> Hash(const std::vector<std::string>& services) const;

  // Writes each database to "<dir>/<service>.db", for `tinysaga check --data DIR`.
  Result<void> SaveTo(const std::string& dir) const;

 private:
  std::string prefix_;
  std::map<std::string, Connection> kept_;  // by service
};

}  // namespace tinysaga::sim
