#include "memory_databases.h"

#include <sqlite3.h>

#include <mutex>
#include <utility>

#include "state_hash.h"
#include "tinysaga/storage/db.h"

namespace tinysaga::sim {
namespace {

constexpr const char* kMemoryVfs = "memdb";  // as storage's "sqlite-memory:" databases

using Connection = MemoryDatabases::Connection;

// A storage URL without its scheme: a file's path, or a name in memory.
std::string AfterScheme(const std::string& url) { return url.substr(url.find(':') + 1); }

Result<Connection> Open(const std::string& path, const char* vfs) {
  sqlite3* raw = nullptr;
  const int opened =
      sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs);
  Connection db(raw);
  if (opened != SQLITE_OK) {
    return MakeError(Errc::kUnavailable, "cannot open " + path + ": " +
                                             (raw != nullptr ? sqlite3_errmsg(raw) : "no memory"));
  }
  // A database in memory has no file beside which a journal could be written.
  if (vfs != nullptr && sqlite3_exec(db.get(), "PRAGMA journal_mode = MEMORY", nullptr, nullptr,
                                     nullptr) != SQLITE_OK) {
    return MakeError(Errc::kUnavailable, "journal of " + path + ": " + sqlite3_errmsg(db.get()));
  }
  return db;
}

// Copies every page of `from` into `to` (SQLite's online backup, in one step).
Result<void> Copy(sqlite3* from, sqlite3* to, const std::string& what) {
  sqlite3_backup* backup = sqlite3_backup_init(to, "main", from, "main");
  if (backup == nullptr) {
    return MakeError(Errc::kUnavailable, "cannot copy " + what + ": " + sqlite3_errmsg(to));
  }
  const int stepped = sqlite3_backup_step(backup, -1);
  const int finished = sqlite3_backup_finish(backup);
  if (stepped != SQLITE_DONE || finished != SQLITE_OK) {
    return MakeError(Errc::kUnavailable, "cannot copy " + what + ": " + sqlite3_errmsg(to));
  }
  return Ok();
}

// `service`'s database with every migration applied, built on first use and kept (with the
// connection that keeps it) for the rest of the process.
Result<sqlite3*> MigratedTemplate(const std::string& service,
                                  const std::vector<storage::Migration>& migrations) {
  static std::mutex mutex;
  static auto* const templates = new std::map<std::string, Connection>;  // never destroyed
  std::lock_guard lock(mutex);
  if (auto found = templates->find(service); found != templates->end()) return found->second.get();
  const std::string url = storage::DbUrlFor("sqlite-memory:/tinysaga-sim-templates", service);
  TS_ASSIGN_OR_RETURN(Connection kept, Open(AfterScheme(url), kMemoryVfs));
  {
    TS_ASSIGN_OR_RETURN(
        std::unique_ptr<storage::Db> db,
        storage::Db::Open({.url = url, .pool_size = 1, .sqlite_synchronous = "OFF"}));
    TS_RETURN_IF_ERROR(db->Migrate(migrations));
  }
  return templates->emplace(service, std::move(kept)).first->second.get();
}

}  // namespace

void MemoryDatabases::CloseConnection::operator()(sqlite3* db) const { sqlite3_close_v2(db); }

MemoryDatabases::MemoryDatabases(std::string prefix) : prefix_(std::move(prefix)) {}

MemoryDatabases::~MemoryDatabases() = default;

std::string MemoryDatabases::url_template() const { return "sqlite-memory:" + prefix_; }

Result<void> MemoryDatabases::CreateIfNew(const std::string& service,
                                          const std::vector<storage::Migration>& migrations) {
  if (kept_.contains(service)) return Ok();
  TS_ASSIGN_OR_RETURN(sqlite3* const migrated, MigratedTemplate(service, migrations));
  const std::string name = AfterScheme(storage::DbUrlFor(url_template(), service));
  TS_ASSIGN_OR_RETURN(Connection kept, Open(name, kMemoryVfs));
  TS_RETURN_IF_ERROR(Copy(migrated, kept.get(), name));
  kept_.emplace(service, std::move(kept));
  return Ok();
}

Result<uint64_t> MemoryDatabases::Hash(const std::vector<std::string>& services) const {
  std::vector<sqlite3*> databases;
  for (const std::string& service : services) {
    auto found = kept_.find(service);
    if (found == kept_.end()) {
      return MakeError(Errc::kNotFound, "state hash: no database of " + service);
    }
    databases.push_back(found->second.get());
  }
  return HashDatabases(databases);
}

Result<void> MemoryDatabases::SaveTo(const std::string& dir) const {
  for (const auto& [service, kept] : kept_) {
    const std::string file = AfterScheme(storage::DbUrlFor("sqlite:" + dir, service));
    TS_ASSIGN_OR_RETURN(Connection saved, Open(file, nullptr));
    TS_RETURN_IF_ERROR(Copy(kept.get(), saved.get(), file));
  }
  return Ok();
}

}  // namespace tinysaga::sim
