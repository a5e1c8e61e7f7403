#pragma once
// The messaging layer's tables in every service's database, owned here together with the SQL
// that reads and writes them (outbox_relay.cpp, inbox_consumer.cpp, tables.cpp):
//   outbox     rows written in the state change's transaction; the relay publishes the unsent
//              ones in id order and sets sent_at_ms
//   inbox      one row per consumed message id, in the effect's transaction
//   bus_state  small facts about the messaging itself: the broker last published to
//   dead_letters  the poison messages consumers judged, with what an operator did about them
//              (dead_letters.h)
// Their versions (9001, 9002, 9004, 9005) are in storage's reserved range and never change: they
// are recorded in existing databases' schema_migrations.

#include <soci/soci.h>

#include <optional>
#include <string>
#include <vector>

#include "tinysaga/storage/migrations.h"

namespace tinysaga::bus {

// Applied with the service's own migrations (platform::RunService, testing::TestDb).
std::vector<storage::Migration> Migrations();

// Records `identity` as the broker this database publishes to, and returns the one recorded
// before (nullopt the first time). Call inside a Db::Write transaction.
std::optional<std::string> RecordBroker(soci::session& session, const std::string& identity);

}  // namespace tinysaga::bus
