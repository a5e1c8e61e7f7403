#include "state_hash.h"

#include <sqlite3.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "trace.h"

namespace tinysaga::sim {
namespace {

struct FinalizeStatement {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using Statement = std::unique_ptr<sqlite3_stmt, FinalizeStatement>;

Result<Statement> Prepare(sqlite3* db, const std::string& sql) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
    return MakeError(Errc::kInternal, std::string("state hash: ") + sqlite3_errmsg(db));
  }
  return Statement(raw);
}

// One row as text: each value with its type, so NULL, 1 and '1' differ.
std::string RowText(sqlite3_stmt* statement) {
  std::string row;
  const int columns = sqlite3_column_count(statement);
  for (int i = 0; i < columns; ++i) {
    const int type = sqlite3_column_type(statement, i);
    row += static_cast<char>('0' + type);
    if (type != SQLITE_NULL) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_blob(statement, i));
      row.append(text ? text : "", static_cast<size_t>(sqlite3_column_bytes(statement, i)));
    }
    row += '\x1f';
  }
  return row;
}

Result<uint64_t> HashDatabase(sqlite3* db, uint64_t hash) {
  TS_ASSIGN_OR_RETURN(Statement tables,
                      Prepare(db,
                              "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT "
                              "LIKE 'sqlite_%' AND name <> 'schema_migrations' ORDER BY name"));
  std::vector<std::string> names;
  while (sqlite3_step(tables.get()) == SQLITE_ROW) {
    names.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(tables.get(), 0)));
  }
  for (const std::string& name : names) {
    TS_ASSIGN_OR_RETURN(Statement rows, Prepare(db, "SELECT * FROM \"" + name + "\""));
    std::vector<std::string> texts;
    while (sqlite3_step(rows.get()) == SQLITE_ROW) texts.push_back(RowText(rows.get()));
    std::sort(texts.begin(), texts.end());
    hash = Fnv1a("\n", Fnv1a(name, hash));
    for (const std::string& text : texts) hash = Fnv1a("\n", Fnv1a(text, hash));
  }
  return hash;
}

}  // namespace

Result<uint64_t> HashDatabases(const std::vector<sqlite3*>& databases) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (sqlite3* db : databases) {
    TS_ASSIGN_OR_RETURN(hash, HashDatabase(db, hash));
  }
  return hash;
}

}  // namespace tinysaga::sim
