#pragma once
// The Order DB's schema: schema/*.sql compiled in by cmake/EmbedSql.cmake.

#include <vector>

#include "tinysaga/storage/migrations.h"

namespace tinysaga::order::schema {

// This service's own tables (orders, order_history), without the common ones.
std::vector<storage::Migration> Migrations();

// Everything the Order DB needs: the bus's tables (outbox, inbox, bus_state: bus/tables.h) and
// this service's own.
std::vector<storage::Migration> AllMigrations();

}  // namespace tinysaga::order::schema
