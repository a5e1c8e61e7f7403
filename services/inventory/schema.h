#pragma once
// The inventory's schema: schema/*.sql compiled in by cmake/EmbedSql.cmake. The common
// outbox, inbox and idempotency tables are added by storage::Db::Migrate.

#include <vector>

#include "tinysaga/storage/migrations.h"

namespace tinysaga::inventory::schema {

std::vector<storage::Migration> Migrations();

}  // namespace tinysaga::inventory::schema
