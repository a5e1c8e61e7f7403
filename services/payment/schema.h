#pragma once
// The Transaction DB's schema: schema/*.sql compiled in by cmake/EmbedSql.cmake.

#include <vector>

#include "tinysaga/storage/migrations.h"

namespace tinysaga::payment::schema {

// This service's own table (transactions), without the common ones.
std::vector<storage::Migration> Migrations();

// Everything the Transaction DB needs: the bus's tables (outbox, inbox, bus_state:
// bus/tables.h) and this service's own; storage adds idempotency_keys.
std::vector<storage::Migration> AllMigrations();

}  // namespace tinysaga::payment::schema
