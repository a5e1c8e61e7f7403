#include "tinysaga/bus/tables.h"

namespace tinysaga::bus {
namespace {

constexpr const char* kOutboxSql = R"sql(
CREATE TABLE outbox (
  id {{ID_PK}},
  message_id TEXT UNIQUE NOT NULL,
  topic TEXT NOT NULL,
  message_key TEXT NOT NULL,
  payload TEXT NOT NULL,
  created_at_ms BIGINT NOT NULL,
  sent_at_ms BIGINT NULL
);
CREATE INDEX outbox_sent_at_ms ON outbox (sent_at_ms);
)sql";

// A redelivered message hits the primary key and is skipped.
constexpr const char* kInboxSql = R"sql(
CREATE TABLE inbox (
  message_id TEXT PRIMARY KEY,
  consumer TEXT,
  received_at_ms BIGINT NOT NULL
);
)sql";

constexpr const char* kBusStateSql = R"sql(
CREATE TABLE bus_state (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql";

// One row per poison message a consumer judged (dead_letters.h), written with its inbox row.
// acted_by/action_reason/acted_at_ms stay ''/''/0 until an operator redrives or discards it.
constexpr const char* kDeadLettersSql = R"sql(
CREATE TABLE dead_letters (
  id {{ID_PK}},
  consumer TEXT NOT NULL,
  topic TEXT NOT NULL,
  source_partition INTEGER NOT NULL,
  source_offset BIGINT NOT NULL,
  message_key TEXT NOT NULL,
  message_id TEXT NOT NULL,
  message_type TEXT NOT NULL,
  reason TEXT NOT NULL,
  payload TEXT NOT NULL,
  dead_lettered_at_ms BIGINT NOT NULL,
  state TEXT NOT NULL DEFAULT 'open',
  acted_by TEXT NOT NULL DEFAULT '',
  action_reason TEXT NOT NULL DEFAULT '',
  acted_at_ms BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX dead_letters_time ON dead_letters (dead_lettered_at_ms, id);
CREATE INDEX dead_letters_source ON dead_letters (topic, source_partition, source_offset);
)sql";

// The payload's type (Message::type), for consumers that skip the types they ignore; '' for
// rows written before it, and for messages whose producer named none.
constexpr const char* kOutboxMessageTypeSql = R"sql(
ALTER TABLE outbox ADD COLUMN message_type TEXT NOT NULL DEFAULT '';
)sql";

}  // namespace

std::vector<storage::Migration> Migrations() {
  return {
      {9001, "common_outbox", kOutboxSql},
      {9002, "common_inbox", kInboxSql},
      {9004, "common_bus_state", kBusStateSql},
      {9005, "common_dead_letters", kDeadLettersSql},
      {9006, "common_outbox_message_type", kOutboxMessageTypeSql},
  };
}

std::optional<std::string> RecordBroker(soci::session& session, const std::string& identity) {
  std::string value;
  soci::indicator found = soci::i_null;
  session << "SELECT value FROM bus_state WHERE name = 'broker'", soci::into(value, found);
  if (!session.got_data()) {
    session << "INSERT INTO bus_state (name, value) VALUES ('broker', :value)", soci::use(identity);
    return std::nullopt;
  }
  if (value != identity) {
    session << "UPDATE bus_state SET value = :value WHERE name = 'broker'", soci::use(identity);
  }
  return value;
}

}  // namespace tinysaga::bus
