#include "tinysaga/bus/outbox_break.h"

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include "tinysaga/bus/bus.h"
#include "tinysaga/storage/db.h"

namespace tinysaga::bus {
namespace {

struct SetAsideRow {
  Message message;
  long long created_at_ms = 0;
};

// By database file: the same for the writer's session that appends and the relay's reads.
struct SetAsideRows {
  std::mutex mutex;
  std::map<std::string, std::vector<SetAsideRow>> by_file;
};

SetAsideRows& Rows() {
  static SetAsideRows rows;
  return rows;
}

thread_local OutboxGapCrash gap_crash;

// The break only exists for the simulator, which runs on SQLite; "" elsewhere.
std::string FileOf(soci::session& session) {
  if (session.get_backend_name() != "sqlite3") return {};
  auto* backend = static_cast<soci::sqlite3_session_backend*>(session.get_backend());
  const char* file = sqlite_api::sqlite3_db_filename(backend->conn_, "main");
  return file != nullptr ? file : "";
}

Result<std::string> FileOf(storage::Db& db) {
  return db.Read<std::string>(
      [](soci::session& session) { return Result<std::string>(FileOf(session)); });
}

}  // namespace

void SetOutboxGapCrashForSimulation(OutboxGapCrash crash) { gap_crash = std::move(crash); }

size_t ForgetSetAsideOutboxForSimulation(storage::Db& db) {
  const Result<std::string> file = FileOf(db);
  if (!file.ok()) return 0;
  SetAsideRows& rows = Rows();
  std::lock_guard lock(rows.mutex);
  auto found = rows.by_file.find(*file);
  if (found == rows.by_file.end()) return 0;
  const size_t forgotten = found->second.size();
  rows.by_file.erase(found);
  return forgotten;
}

void ForgetAllSetAsideOutboxForSimulation() {
  SetAsideRows& rows = Rows();
  std::lock_guard lock(rows.mutex);
  rows.by_file.clear();
}

namespace outbox_break {

void SetAside(soci::session& session, const Message& message, long long now_ms) {
  SetAsideRows& rows = Rows();
  std::lock_guard lock(rows.mutex);
  rows.by_file[FileOf(session)].push_back({message, now_ms});
}

Result<void> WriteSetAside(storage::Db& db) {
  TS_ASSIGN_OR_RETURN(const std::string file, FileOf(db));
  std::vector<SetAsideRow> taken;
  {
    SetAsideRows& rows = Rows();
    std::lock_guard lock(rows.mutex);
    auto found = rows.by_file.find(file);
    if (found == rows.by_file.end()) return Ok();
    taken = std::move(found->second);
    rows.by_file.erase(found);
  }
  if (taken.empty()) return Ok();
  if (gap_crash && gap_crash(file, taken.size())) {
    return MakeError(Errc::kUnavailable, "crashed between the state's commit and the outbox's");
  }
  auto written = db.Write<bool>([&](soci::session& session) -> Result<bool> {
    for (const SetAsideRow& row : taken) {
      // A transaction retried after its append sets the same message aside twice.
      session << "INSERT INTO outbox (message_id, topic, message_key, payload, message_type, "
                 "created_at_ms) VALUES (:message_id, :topic, :message_key, :payload, "
                 ":message_type, :created_at_ms) ON CONFLICT (message_id) DO NOTHING",
          soci::use(row.message.id), soci::use(row.message.topic), soci::use(row.message.key),
          soci::use(row.message.payload), soci::use(row.message.type), soci::use(row.created_at_ms);
    }
    return true;
  });
  if (!written.ok()) {  // still in memory: the next pass writes them
    SetAsideRows& rows = Rows();
    std::lock_guard lock(rows.mutex);
    std::vector<SetAsideRow>& later = rows.by_file[file];
    later.insert(later.begin(), std::make_move_iterator(taken.begin()),
                 std::make_move_iterator(taken.end()));
    return written.error();
  }
  return Ok();
}

}  // namespace outbox_break
}  // namespace tinysaga::bus
