#include "sqlite_statement_cache.h"

#include <dlfcn.h>
#include <sqlite3.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <list>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace tinysaga::storage {
namespace {

// Enough for every statement a service runs (the hottest few dozen stay parked), few enough
// that the memory stays small: a compiled statement is a few KiB.
constexpr size_t kParkedPerConnection = 128;

// libsqlite3's own functions, behind ours.
struct RealSqlite {
  decltype(&sqlite3_prepare_v2) prepare_v2;
  decltype(&sqlite3_finalize) finalize;
  decltype(&sqlite3_close) close;
  decltype(&sqlite3_close_v2) close_v2;
};

template <typename Function>
Function Next(const char* name) {
  void* found = dlsym(RTLD_NEXT, name);
  if (found == nullptr) {
    // Only when libsqlite3 is not a shared library behind this program: nothing can work then.
    std::fprintf(stderr, "tinysaga: %s not found behind the statement cache\n", name);
    std::abort();
  }
  return reinterpret_cast<Function>(found);
}

const RealSqlite& Real() {
  static const RealSqlite real{
      .prepare_v2 = Next<decltype(&sqlite3_prepare_v2)>("sqlite3_prepare_v2"),
      .finalize = Next<decltype(&sqlite3_finalize)>("sqlite3_finalize"),
      .close = Next<decltype(&sqlite3_close)>("sqlite3_close"),
      .close_v2 = Next<decltype(&sqlite3_close_v2)>("sqlite3_close_v2"),
  };
  return real;
}

struct Parked {
  std::string sql;
  sqlite3_stmt* statement;
};

// One connection's parked statements: most recently parked first, and by their SQL text.
struct Connection {
  std::list<Parked> recent;
  std::unordered_multimap<std::string_view, std::list<Parked>::iterator> by_sql;  // views recent

  void Forget(std::list<Parked>::iterator parked) {
    auto [first, last] = by_sql.equal_range(parked->sql);
    for (auto it = first; it != last; ++it) {
      if (it->second == parked) {
        by_sql.erase(it);
        break;
      }
    }
    recent.erase(parked);
  }
};

class ParkingLot {
 public:
  // A parked statement of `db` compiled from exactly `sql`, or null.
  sqlite3_stmt* Take(sqlite3* db, std::string_view sql) {
    std::lock_guard lock(mutex_);
    auto connection = connections_.find(db);
    if (connection == connections_.end()) return nullptr;
    auto found = connection->second.by_sql.find(sql);
    if (found == connection->second.by_sql.end()) return nullptr;
    sqlite3_stmt* statement = found->second->statement;
    connection->second.Forget(found->second);
    return statement;
  }

  // Parks `statement`; returns the one that no longer fits (to be finalized), or null.
  sqlite3_stmt* Park(sqlite3* db, std::string sql, sqlite3_stmt* statement) {
    std::lock_guard lock(mutex_);
    Connection& connection = connections_[db];
    connection.recent.push_front(Parked{std::move(sql), statement});
    connection.by_sql.emplace(connection.recent.front().sql, connection.recent.begin());
    if (connection.recent.size() <= kParkedPerConnection) return nullptr;
    sqlite3_stmt* evicted = connection.recent.back().statement;
    connection.Forget(std::prev(connection.recent.end()));
    return evicted;
  }

  // Everything parked for `db`, which is about to close.
  std::vector<sqlite3_stmt*> TakeAll(sqlite3* db) {
    std::lock_guard lock(mutex_);
    std::vector<sqlite3_stmt*> statements;
    auto connection = connections_.find(db);
    if (connection == connections_.end()) return statements;
    for (const Parked& parked : connection->second.recent) statements.push_back(parked.statement);
    connections_.erase(connection);
    return statements;
  }

 private:
  std::mutex mutex_;
  std::unordered_map<sqlite3*, Connection> connections_;
};

// Never destroyed: connections may close while static objects are being torn down.
ParkingLot& Lot() {
  static auto* lot = new ParkingLot;
  return *lot;
}

std::atomic<uint64_t> reused{0};
std::atomic<uint64_t> compiled{0};

void FinalizeParked(sqlite3* db) {
  for (sqlite3_stmt* statement : Lot().TakeAll(db)) Real().finalize(statement);
}

}  // namespace

SqliteStatementCacheStats StatementCacheStats() {
  return {.reused = reused.load(std::memory_order_relaxed),
          .compiled = compiled.load(std::memory_order_relaxed)};
}

}  // namespace tinysaga::storage

namespace storage = tinysaga::storage;

// The interposed functions: the exact signatures of sqlite3.h.
extern "C" {

int sqlite3_prepare_v2(sqlite3* db, const char* sql, int bytes, sqlite3_stmt** statement,
                       const char** tail) {
  if (db != nullptr && sql != nullptr && statement != nullptr) {
    // SQLite reads up to `bytes` bytes or the first NUL, whichever comes first.
    const size_t length = bytes < 0 ? std::strlen(sql) : strnlen(sql, static_cast<size_t>(bytes));
    if (sqlite3_stmt* parked = storage::Lot().Take(db, std::string_view(sql, length))) {
      storage::reused.fetch_add(1, std::memory_order_relaxed);
      *statement = parked;
      // A parked statement's text is all the text it was compiled from.
      if (tail != nullptr) *tail = sql + length;
      return SQLITE_OK;
    }
  }
  storage::compiled.fetch_add(1, std::memory_order_relaxed);
  return storage::Real().prepare_v2(db, sql, bytes, statement, tail);
}

int sqlite3_finalize(sqlite3_stmt* statement) {
  const char* sql = statement == nullptr ? nullptr : sqlite3_sql(statement);
  if (sql == nullptr) return storage::Real().finalize(statement);
  // Finalize answers the last step's error code, and so does reset.
  const int result = sqlite3_reset(statement);
  sqlite3_clear_bindings(statement);
  sqlite3_stmt* evicted = storage::Lot().Park(sqlite3_db_handle(statement), sql, statement);
  if (evicted != nullptr) storage::Real().finalize(evicted);
  return result;
}

int sqlite3_close(sqlite3* db) {
  storage::FinalizeParked(db);
  return storage::Real().close(db);
}

int sqlite3_close_v2(sqlite3* db) {
  storage::FinalizeParked(db);
  return storage::Real().close_v2(db);
}

}  // extern "C"
