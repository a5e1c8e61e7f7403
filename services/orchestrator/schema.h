#pragma once
// The Saga DB's schema: schema/*.sql compiled in by cmake/EmbedSql.cmake. The common outbox,
// inbox and idempotency tables are added by storage::Db::Migrate.

#include <vector>

#include "tinysaga/storage/migrations.h"

namespace tinysaga::orchestrator::schema {

std::vector<storage::Migration> Migrations();

}  // namespace tinysaga::orchestrator::schema
