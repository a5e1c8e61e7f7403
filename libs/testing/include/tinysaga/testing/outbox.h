#pragma once
// What a service put in its outbox, for tests: every row after `after_id`, oldest first, its
// payload parsed with the contracts' codec (a row that does not parse fails the test).

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <string>
#include <vector>

#include "tinysaga/contracts/codec.h"
#include "tinysaga/storage/db.h"

namespace tinysaga::testing {

struct OutboxMessage {
  long long id = 0;  // the row's id: pass the last one seen to read only newer rows
  std::string topic;
  std::string key;
  contracts::Message message;
};

inline std::vector<OutboxMessage> ReadOutbox(storage::Db& db, long long after_id = 0) {
  auto rows = db.Read<std::vector<OutboxMessage>>(
      [&](soci::session& session) -> Result<std::vector<OutboxMessage>> {
        long long id = 0;
        std::string topic;
        std::string key;
        std::string payload;
        soci::statement select =
            (session.prepare << "SELECT id, topic, message_key, payload FROM outbox "
                                "WHERE id > :after ORDER BY id",
             soci::into(id), soci::into(topic), soci::into(key), soci::into(payload),
             soci::use(after_id, "after"));
        select.execute();
        std::vector<OutboxMessage> messages;
        while (select.fetch()) {
          TS_ASSIGN_OR_RETURN(contracts::Message message, contracts::Parse(payload));
          messages.push_back({id, topic, key, std::move(message)});
        }
        return messages;
      });
  EXPECT_TRUE(rows.ok()) << rows.error().detail;
  return rows.ok() ? *rows : std::vector<OutboxMessage>();
}

// The messages on one topic, oldest first.
inline std::vector<contracts::Message> ReadOutbox(storage::Db& db, std::string_view topic) {
  std::vector<contracts::Message> messages;
  for (OutboxMessage& row : ReadOutbox(db))
    if (row.topic == topic) messages.push_back(std::move(row.message));
  return messages;
}

}  // namespace tinysaga::testing
