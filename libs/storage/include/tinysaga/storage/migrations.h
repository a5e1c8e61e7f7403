#pragma once
// Versioned schema migrations. Each service keeps its schema as schema/NNN_name.sql files,
// compiled in by cmake/EmbedSql.cmake. SQL is written once for SQLite and PostgreSQL; the few
// dialect differences are placeholders replaced before running:
//   {{ID_PK}}  an auto-incrementing 64-bit primary key column type
//              (SQLite "INTEGER PRIMARY KEY AUTOINCREMENT", PostgreSQL "BIGSERIAL PRIMARY KEY").
// A file may hold several statements separated by ';' at the end of a line.

#include <string>
#include <string_view>
#include <vector>

namespace tinysaga::storage {

struct Migration {
  int version = 0;
  std::string name;
  std::string sql;
};

// The tables every service has that storage owns: idempotency_keys. Versions from 9001 up are
// reserved for such shared tables (the messaging layer's outbox, inbox and bus_state are
// 9001, 9002, 9004 and 9005: bus/tables.h), so they never collide with a service's own numbering.
std::vector<Migration> CommonMigrations();

enum class DbKind;  // defined in db.h

// The migration runner's two text steps, public so that they can be tested on their own.
// Replaces every placeholder with the dialect's text; unknown {{NAME}}s are left as they are
// (and then fail loudly as a syntax error when run).
std::string SubstitutePlaceholders(std::string_view sql, DbKind kind);
// Splits at lines ending in ';' (trailing blanks allowed); drops the ';' and any piece that is
// only blank lines and "--" comments. A ';' inside a line is not a separator.
std::vector<std::string> SplitStatements(std::string_view sql);

}  // namespace tinysaga::storage
