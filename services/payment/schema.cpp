#include "payment/schema.h"

#include "tinysaga/bus/tables.h"

namespace tinysaga::payment::schema {

std::vector<storage::Migration> AllMigrations() {
  std::vector<storage::Migration> migrations = bus::Migrations();
  for (storage::Migration& migration : Migrations()) migrations.push_back(std::move(migration));
  return migrations;
}

}  // namespace tinysaga::payment::schema
