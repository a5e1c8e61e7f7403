#pragma once
// The Transaction DB's schema: schema/*.sql compiled in by cmake/EmbedSql.cmake.

#include <vector>

#include "tinysaga/storage/migrations.h"

namespace tinysaga::payment::schema {

// This service's own table (transactions), without the common ones.
std::vector<storage::Migration> Migrations();

// Everything the Transaction DB needs: storage's common tables (outbox, inbox,
// idempotency_keys) and this service's own.
std::vector<storage::Migration> AllMigrations();

}  // namespace tinysaga::payment::schema
