#pragma once
// The wallet's schema: schema/*.sql compiled in by cmake/EmbedSql.cmake. The common outbox,
// inbox and idempotency tables are added by storage::Db::Migrate.

#include <vector>

#include "tinysaga/storage/migrations.h"

namespace tinysaga::wallet::schema {

std::vector<storage::Migration> Migrations();

}  // namespace tinysaga::wallet::schema
