#pragma once
// Dead letters you can act on (issue 15): every message an InboxConsumer judges poison is also
// a row of the `dead_letters` table (tables.h) in the consuming service's database, written in
// the same transaction as that message's inbox row, so a crash can neither lose nor double it.
// An operator lists and shows them, and moves an open one to one of two final states:
//
//   open --Redrive--> redriven     the original message (same id, topic, key, payload) is
//                                  appended to this database's outbox, and the inbox row the
//                                  dead-lettering consumer wrote for it is deleted, in one
//                                  transaction: exactly that consumer applies it again, every
//                                  other consumer (which applied it) still drops it as a
//                                  duplicate. Poison again: a NEW open row, so the history of
//                                  what was tried stays.
//   open --Discard--> discarded    nothing is published; the row records who and why.
//
// Both verbs are idempotent (the same verb on a row already in its state answers that row and
// changes nothing); the other verb on a closed row is kConflict, as is redriving a message
// without an id (nothing could deduplicate it).
//
// All functions run on an open transaction (Db::Read or Db::Write); SOCI's exceptions go up to
// Db, which turns them into errors. Pure SQL, no I/O of their own.

#include <soci/soci.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tinysaga/core/clock.h"
#include "tinysaga/core/result.h"

namespace tinysaga::bus {

enum class DeadLetterState { kOpen, kRedriven, kDiscarded };

std::string_view DeadLetterStateName(DeadLetterState state);  // "open", "redriven", "discarded"
std::optional<DeadLetterState> ParseDeadLetterState(std::string_view name);

struct DeadLetter {
  int64_t id = 0;        // this database's row id
  std::string consumer;  // the inbox consumer (consumer group) that judged it
  std::string topic;     // where it was consumed from, and where a redrive publishes it
  int32_t partition = 0;
  int64_t offset = 0;
  std::string key;
  std::string message_id;  // empty when the message had none
  std::string type;        // the payload's "type" when it is a JSON object with one, else empty
  std::string reason;      // "<errc>: <detail>", as in the dead-letter-reason header
  std::string payload;
  TimestampMs dead_lettered_at_ms = 0;
  DeadLetterState state = DeadLetterState::kOpen;
  // Set by Redrive or Discard: who, why and when.
  std::string acted_by;
  std::string action_reason;
  std::optional<TimestampMs> acted_at_ms;
};

// Inserts `dead_letter` as an open row (its id, state and action fields are ignored); returns
// the new id. InboxConsumer calls it in the transaction that writes the inbox row.
int64_t RecordDeadLetter(soci::session& session, const DeadLetter& dead_letter);

// True when a row for this delivery exists already: InboxConsumer's guard for messages without
// an id, which have no inbox row to deduplicate them.
bool DeadLetterRecorded(soci::session& session, std::string_view topic, int32_t partition,
                        int64_t offset);

// Pages are newest first by (dead_lettered_at_ms, service, id), so that the gateway can merge
// several services' pages into one order; `service` is this database's service name. A page
// holds the rows strictly after `after` in that order.
struct DeadLetterCursor {
  TimestampMs dead_lettered_at_ms = 0;
  std::string service;
  int64_t id = 0;
  bool operator==(const DeadLetterCursor&) const = default;
};
std::string FormatDeadLetterCursor(const DeadLetterCursor& cursor);  // "<ms>_<service>_<id>"
Result<DeadLetterCursor> ParseDeadLetterCursor(std::string_view text);

struct DeadLetterFilter {
  std::string service;  // this database's service, for the cursor's order
  std::optional<DeadLetterState> state;
  std::optional<DeadLetterCursor> after;
  int64_t limit = 50;
  bool with_payload = false;  // lists leave the payloads out (up to 1 MB each)
};
std::vector<DeadLetter> ListDeadLetters(soci::session& session, const DeadLetterFilter& filter);

std::optional<DeadLetter> FindDeadLetter(soci::session& session, int64_t id, bool with_payload);

// The verbs. kNotFound for an unknown id, kConflict as described above; the answer is the row
// as it is afterwards.
Result<DeadLetter> RedriveDeadLetter(soci::session& session, int64_t id, std::string_view actor,
                                     std::string_view reason, TimestampMs now_ms);
Result<DeadLetter> DiscardDeadLetter(soci::session& session, int64_t id, std::string_view actor,
                                     std::string_view reason, TimestampMs now_ms);

// How many rows are in each state (every state present, zero or not), for /metrics.
std::map<DeadLetterState, int64_t> CountDeadLetters(soci::session& session);

}  // namespace tinysaga::bus
