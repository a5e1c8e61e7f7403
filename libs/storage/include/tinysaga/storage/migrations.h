#pragma once
// Versioned schema migrations. Each service keeps its schema as schema/NNN_name.sql files,
// compiled in by cmake/EmbedSql.cmake. SQL is written once for SQLite and PostgreSQL; the few
// dialect differences are placeholders replaced before running:
//   {{ID_PK}}  an auto-incrementing 64-bit primary key column type
//              (SQLite "INTEGER PRIMARY KEY AUTOINCREMENT", PostgreSQL "BIGSERIAL PRIMARY KEY").
// A file may hold several statements separated by ';' at the end of a line.

#include <string>
#include <vector>

namespace tinysaga::storage {

struct Migration {
  int version = 0;
  std::string name;
  std::string sql;
};

// The tables every service has: outbox, inbox and idempotency_keys (versions 9001+, so
// they never collide with a service's own numbering).
std::vector<Migration> CommonMigrations();

}  // namespace tinysaga::storage
