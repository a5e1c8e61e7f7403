#include "tinysaga/bus/dead_letters.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>

#include "tinysaga/bus/outbox_relay.h"

namespace tinysaga::bus {
namespace {

constexpr std::string_view kColumns =
    "id, consumer, topic, source_partition, source_offset, message_key, message_id, "
    "message_type, reason, {PAYLOAD}, dead_lettered_at_ms, state, acted_by, action_reason, "
    "acted_at_ms";

std::string Columns(bool with_payload) {
  std::string columns(kColumns);
  const std::string_view placeholder = "{PAYLOAD}";
  columns.replace(columns.find(placeholder), placeholder.size(),
                  with_payload ? "payload" : "'' AS payload");
  return columns;
}

// SOCI's bulk fetch: vectors of `limit` rows, one per column; resized to what was read.
struct Rows {
  explicit Rows(size_t limit)
      : ids(limit),
        consumers(limit),
        topics(limit),
        partitions(limit),
        offsets(limit),
        keys(limit),
        message_ids(limit),
        types(limit),
        reasons(limit),
        payloads(limit),
        times(limit),
        states(limit),
        actors(limit),
        action_reasons(limit),
        acted_at(limit) {}

  std::vector<long long> ids;
  std::vector<std::string> consumers, topics;
  std::vector<int> partitions;
  std::vector<long long> offsets;
  std::vector<std::string> keys, message_ids, types, reasons, payloads;
  std::vector<long long> times;
  std::vector<std::string> states, actors, action_reasons;
  std::vector<long long> acted_at;

  void Into(soci::details::prepare_temp_type& statement) {
    statement, soci::into(ids), soci::into(consumers), soci::into(topics), soci::into(partitions),
        soci::into(offsets), soci::into(keys), soci::into(message_ids), soci::into(types),
        soci::into(reasons), soci::into(payloads), soci::into(times), soci::into(states),
        soci::into(actors), soci::into(action_reasons), soci::into(acted_at);
  }

  std::vector<DeadLetter> ToDeadLetters() const {
    std::vector<DeadLetter> rows;
    for (size_t i = 0; i < ids.size(); ++i) {
      // Without any row PostgreSQL's backend leaves the vectors at their size: ids start at 1,
      // so an id of 0 is a slot nothing was read into.
      if (ids[i] == 0) continue;
      DeadLetter row{.id = ids[i],
                     .consumer = consumers[i],
                     .topic = topics[i],
                     .partition = partitions[i],
                     .offset = offsets[i],
                     .key = keys[i],
                     .message_id = message_ids[i],
                     .type = types[i],
                     .reason = reasons[i],
                     .payload = payloads[i],
                     .dead_lettered_at_ms = times[i],
                     .state = ParseDeadLetterState(states[i]).value_or(DeadLetterState::kOpen),
                     .acted_by = actors[i],
                     .action_reason = action_reasons[i],
                     .acted_at_ms = std::nullopt};
      if (acted_at[i] != 0) row.acted_at_ms = acted_at[i];
      rows.push_back(std::move(row));
    }
    return rows;
  }
};

// The payload's "type" when it is a JSON object with a string one: what an operator looks for.
std::string TypeOf(const std::string& payload) {
  const auto json = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return {};
  auto type = json.find("type");
  return type != json.end() && type->is_string() ? type->get<std::string>() : std::string();
}

Result<int64_t> ParseInteger(std::string_view text) {
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || value < 0)
    return MakeError(Errc::kInvalidRequest, "query parameter 'cursor' is malformed");
  return value;
}

// Moves an open row to `state`; false when it was not open (another request got there first,
// or it never was).
bool Close(soci::session& session, int64_t id, DeadLetterState state, std::string_view actor,
           std::string_view reason, TimestampMs now_ms) {
  const std::string state_name(DeadLetterStateName(state)), actor_text(actor), reason_text(reason);
  const long long row_id = id, acted_at_ms = now_ms;
  soci::statement update =
      (session.prepare << "UPDATE dead_letters SET state = :state, acted_by = :actor, "
                          "action_reason = :reason, acted_at_ms = :acted_at_ms "
                          "WHERE id = :id AND state = 'open'",
       soci::use(state_name), soci::use(actor_text), soci::use(reason_text), soci::use(acted_at_ms),
       soci::use(row_id));
  update.execute(true);
  return update.get_affected_rows() == 1;
}

// What a verb answers for a row that is not open: itself when it is already in the verb's
// state (idempotent), else kConflict.
Result<DeadLetter> AlreadyClosed(const DeadLetter& row, DeadLetterState wanted,
                                 std::string_view verb) {
  if (row.state == wanted) return row;
  return MakeError(Errc::kConflict, "dead letter " + std::to_string(row.id) + " is " +
                                        std::string(DeadLetterStateName(row.state)) +
                                        ": it cannot be " + std::string(verb));
}

// Publishes the message again through this database's outbox. Its id may be there already (this
// service wrote the message itself, or redrove it before within the outbox's retention): that
// row is marked unsent again instead, since a message id names one message.
Result<void> AppendAgain(soci::session& session, const DeadLetter& row, TimestampMs now_ms) {
  std::string topic;
  soci::indicator found = soci::i_null;
  session << "SELECT topic FROM outbox WHERE message_id = :message_id", soci::into(topic, found),
      soci::use(row.message_id);
  if (!session.got_data()) {
    AppendToOutbox(session, Message{row.message_id, row.topic, row.key, row.payload, {}}, now_ms);
    return Ok();
  }
  if (topic != row.topic) {
    return MakeError(Errc::kConflict, "message " + row.message_id + " is in the outbox for " +
                                          topic + ", not for " + row.topic);
  }
  session << "UPDATE outbox SET sent_at_ms = NULL WHERE message_id = :message_id",
      soci::use(row.message_id);
  return Ok();
}

}  // namespace

std::string_view DeadLetterStateName(DeadLetterState state) {
  switch (state) {
    case DeadLetterState::kOpen:
      return "open";
    case DeadLetterState::kRedriven:
      return "redriven";
    case DeadLetterState::kDiscarded:
      return "discarded";
  }
  return "open";
}

std::optional<DeadLetterState> ParseDeadLetterState(std::string_view name) {
  for (DeadLetterState state :
       {DeadLetterState::kOpen, DeadLetterState::kRedriven, DeadLetterState::kDiscarded}) {
    if (DeadLetterStateName(state) == name) return state;
  }
  return std::nullopt;
}

int64_t RecordDeadLetter(soci::session& session, const DeadLetter& dead_letter) {
  const int partition = dead_letter.partition;
  const long long offset = dead_letter.offset, at_ms = dead_letter.dead_lettered_at_ms;
  const std::string type =
      dead_letter.type.empty() ? TypeOf(dead_letter.payload) : dead_letter.type;
  session << "INSERT INTO dead_letters (consumer, topic, source_partition, source_offset, "
             "message_key, message_id, message_type, reason, payload, dead_lettered_at_ms) "
             "VALUES (:consumer, :topic, :source_partition, :source_offset, :message_key, "
             ":message_id, :message_type, :reason, :payload, :dead_lettered_at_ms)",
      soci::use(dead_letter.consumer), soci::use(dead_letter.topic), soci::use(partition),
      soci::use(offset), soci::use(dead_letter.key), soci::use(dead_letter.message_id),
      soci::use(type), soci::use(dead_letter.reason), soci::use(dead_letter.payload),
      soci::use(at_ms);
  // The newest row of this delivery: portable across SQLite and PostgreSQL (no RETURNING on
  // SOCI's SQLite, no last_insert_rowid on PostgreSQL).
  long long id = 0;
  session << "SELECT MAX(id) FROM dead_letters WHERE topic = :topic AND source_partition = "
             ":source_partition AND source_offset = :source_offset",
      soci::into(id), soci::use(dead_letter.topic), soci::use(partition), soci::use(offset);
  return id;
}

bool DeadLetterRecorded(soci::session& session, std::string_view topic, int32_t partition,
                        int64_t offset) {
  const std::string topic_text(topic);
  const int partition_number = partition;
  const long long offset_number = offset;
  long long found = 0;
  session << "SELECT COUNT(*) FROM dead_letters WHERE topic = :topic AND source_partition = "
             ":source_partition AND source_offset = :source_offset",
      soci::into(found), soci::use(topic_text), soci::use(partition_number),
      soci::use(offset_number);
  return found > 0;
}

std::string FormatDeadLetterCursor(const DeadLetterCursor& cursor) {
  return std::to_string(cursor.dead_lettered_at_ms) + "_" + cursor.service + "_" +
         std::to_string(cursor.id);
}

Result<DeadLetterCursor> ParseDeadLetterCursor(std::string_view text) {
  const size_t first = text.find('_');
  const size_t last = text.rfind('_');
  if (first == std::string_view::npos || first == last)
    return MakeError(Errc::kInvalidRequest, "query parameter 'cursor' is malformed");
  TS_ASSIGN_OR_RETURN(const int64_t ms, ParseInteger(text.substr(0, first)));
  TS_ASSIGN_OR_RETURN(const int64_t id, ParseInteger(text.substr(last + 1)));
  const std::string_view service = text.substr(first + 1, last - first - 1);
  if (service.empty())
    return MakeError(Errc::kInvalidRequest, "query parameter 'cursor' is malformed");
  return DeadLetterCursor{ms, std::string(service), id};
}

std::vector<DeadLetter> ListDeadLetters(soci::session& session, const DeadLetterFilter& filter) {
  // After the cursor in (time, service, id) descending order, as one condition on this
  // database's (time, id): `time < bound_ms OR (time = bound_ms AND id < bound_id)`.
  long long bound_ms = std::numeric_limits<long long>::max();
  long long bound_id = std::numeric_limits<long long>::max();
  if (filter.after) {
    bound_ms = filter.after->dead_lettered_at_ms;
    if (filter.service == filter.after->service) bound_id = filter.after->id;
    if (filter.service > filter.after->service) bound_id = 0;  // ids start at 1
  }
  const std::string state =
      filter.state ? std::string(DeadLetterStateName(*filter.state)) : std::string();
  const long long limit = filter.limit;
  // At least 2: SOCI's SQLite backend reads nothing into bulk vectors of size 1.
  Rows rows(std::max<size_t>(static_cast<size_t>(filter.limit), 2));
  soci::details::prepare_temp_type prepared =
      (session.prepare << "SELECT " + Columns(filter.with_payload) +
                              " FROM dead_letters WHERE (dead_lettered_at_ms < :bound_ms OR "
                              "(dead_lettered_at_ms = :bound_ms2 AND id < :bound_id)) AND "
                              "(:state = '' OR state = :state2) "
                              "ORDER BY dead_lettered_at_ms DESC, id DESC LIMIT :limit_rows");
  rows.Into(prepared);
  prepared, soci::use(bound_ms), soci::use(bound_ms), soci::use(bound_id), soci::use(state),
      soci::use(state), soci::use(limit);
  soci::statement select(prepared);
  select.execute(true);
  return rows.ToDeadLetters();
}

std::optional<DeadLetter> FindDeadLetter(soci::session& session, int64_t id, bool with_payload) {
  const long long row_id = id;
  Rows rows(2);  // SOCI's SQLite backend reads nothing into bulk vectors of size 1
  soci::details::prepare_temp_type prepared =
      (session.prepare << "SELECT " + Columns(with_payload) + " FROM dead_letters WHERE id = :id");
  rows.Into(prepared);
  prepared, soci::use(row_id);
  soci::statement select(prepared);
  select.execute(true);
  std::vector<DeadLetter> found = rows.ToDeadLetters();
  if (found.empty()) return std::nullopt;
  return std::move(found.front());
}

Result<DeadLetter> RedriveDeadLetter(soci::session& session, int64_t id, std::string_view actor,
                                     std::string_view reason, TimestampMs now_ms) {
  std::optional<DeadLetter> row = FindDeadLetter(session, id, /*with_payload=*/true);
  if (!row) return MakeError(Errc::kNotFound, "no dead letter " + std::to_string(id));
  if (row->state != DeadLetterState::kOpen)
    return AlreadyClosed(*row, DeadLetterState::kRedriven, "redriven");
  if (row->message_id.empty()) {
    return MakeError(Errc::kConflict, "dead letter " + std::to_string(id) +
                                          " has no message id: redriven, nothing could "
                                          "deduplicate it; discard it instead");
  }
  // Claim the row first: a concurrent verb that got there before makes this one a replay.
  if (!Close(session, id, DeadLetterState::kRedriven, actor, reason, now_ms)) {
    row = FindDeadLetter(session, id, /*with_payload=*/true);
    return AlreadyClosed(*row, DeadLetterState::kRedriven, "redriven");
  }
  TS_RETURN_IF_ERROR(AppendAgain(session, *row, now_ms));
  // The dead-lettering consumer recorded the message in the inbox (so that a redelivery is
  // not dead-lettered twice); without that row it applies the message again.
  session << "DELETE FROM inbox WHERE message_id = :message_id AND consumer = :consumer",
      soci::use(row->message_id), soci::use(row->consumer);
  return *FindDeadLetter(session, id, /*with_payload=*/true);
}

Result<DeadLetter> DiscardDeadLetter(soci::session& session, int64_t id, std::string_view actor,
                                     std::string_view reason, TimestampMs now_ms) {
  std::optional<DeadLetter> row = FindDeadLetter(session, id, /*with_payload=*/true);
  if (!row) return MakeError(Errc::kNotFound, "no dead letter " + std::to_string(id));
  if (row->state == DeadLetterState::kOpen &&
      Close(session, id, DeadLetterState::kDiscarded, actor, reason, now_ms)) {
    return *FindDeadLetter(session, id, /*with_payload=*/true);
  }
  row = FindDeadLetter(session, id, /*with_payload=*/true);
  return AlreadyClosed(*row, DeadLetterState::kDiscarded, "discarded");
}

std::map<DeadLetterState, int64_t> CountDeadLetters(soci::session& session) {
  std::map<DeadLetterState, int64_t> counts = {{DeadLetterState::kOpen, 0},
                                               {DeadLetterState::kRedriven, 0},
                                               {DeadLetterState::kDiscarded, 0}};
  for (auto& [state, count] : counts) {
    const std::string name(DeadLetterStateName(state));
    long long rows = 0;
    session << "SELECT COUNT(*) FROM dead_letters WHERE state = :state", soci::into(rows),
        soci::use(name);
    count = rows;
  }
  return counts;
}

}  // namespace tinysaga::bus
