#include "failure.h"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <string>
#include <string_view>

namespace tinysaga::storage {
namespace {

// SQLite's primary result codes (sqlite3.h), without including sqlite3.h just for five numbers.
constexpr int kSqliteBusy = 5;
constexpr int kSqliteLocked = 6;
constexpr int kSqliteIoErr = 10;
constexpr int kSqliteFull = 13;
constexpr int kSqliteConstraint = 19;
constexpr int kSqliteIoErrWrite = kSqliteIoErr | (3 << 8);  // an extended code

Failure ClassifySqlite(const soci::sqlite3_soci_error& error) {
  const int primary = error.result() & 0xFF;  // extended codes keep the primary in the low byte
  const std::string_view message = error.what();
  if (primary == kSqliteBusy || primary == kSqliteLocked) {
    return {MakeError(Errc::kUnavailable, std::string("database busy: ") + error.what()), true};
  }
  // The disk is full, or the file may not grow (EFBIG under RLIMIT_FSIZE, a quota), or another
  // I/O call failed: the storage is unavailable, not the request wrong (503, and an inbox
  // consumer retries the message; internal would be a 500 and a dead letter, an effect lost).
  // A write that failed left no commit record, and the transaction is rolled back: nothing is
  // half-written, and running it again is safe once space returns. Other I/O errors (a failed
  // fsync after the commit record was written) leave the outcome open, so they are not retried
  // here: the caller's own retry (an idempotency key, an inbox) decides.
  if (primary == kSqliteFull || primary == kSqliteIoErr) {
    const bool nothing_written = primary == kSqliteFull || error.result() == kSqliteIoErrWrite;
    return {MakeError(Errc::kUnavailable, std::string("storage unavailable: ") + error.what()),
            nothing_written};
  }
  if (primary == kSqliteConstraint &&
      message.find("UNIQUE constraint failed") != std::string_view::npos) {
    return {MakeError(Errc::kConflict, std::string("duplicate: ") + error.what())};
  }
  return {MakeError(Errc::kInternal, std::string("database error: ") + error.what())};
}

Failure ClassifyPostgres(const soci::postgresql_soci_error& error) {
  const std::string state = error.sqlstate();
  if (state == "40001" || state == "40P01") {
    return {MakeError(Errc::kUnavailable, std::string("transaction conflict: ") + error.what()),
            true};
  }
  if (state == "23505")
    return {MakeError(Errc::kConflict, std::string("duplicate: ") + error.what())};
  // Class 08 is "connection exception"; 57P01-57P03 are server shutdown and startup.
  if (state.starts_with("08") || state.starts_with("57P") ||
      error.get_error_category() == soci::soci_error::connection_error) {
    return {MakeError(Errc::kUnavailable, std::string("database unreachable: ") + error.what()),
            true, true};
  }
  return {MakeError(Errc::kInternal, std::string("database error: ") + error.what())};
}

}  // namespace

Failure Classify(const soci::soci_error& error) {
  if (const auto* sqlite = dynamic_cast<const soci::sqlite3_soci_error*>(&error)) {
    return ClassifySqlite(*sqlite);
  }
  if (const auto* postgres = dynamic_cast<const soci::postgresql_soci_error*>(&error)) {
    return ClassifyPostgres(*postgres);
  }
  if (error.get_error_category() == soci::soci_error::connection_error) {
    return {MakeError(Errc::kUnavailable, std::string("database unreachable: ") + error.what()),
            true, true};
  }
  return {MakeError(Errc::kInternal, std::string("database error: ") + error.what())};
}

std::optional<Failure> GuardCall(const std::function<void()>& step) {
  try {
    step();
    return std::nullopt;
  } catch (const soci::soci_error& error) {
    return Classify(error);
  } catch (const std::exception& error) {
    return Failure{
        MakeError(Errc::kInternal, std::string("unexpected exception: ") + error.what())};
  } catch (...) {
    return Failure{MakeError(Errc::kInternal, "unexpected non-standard exception")};
  }
}

}  // namespace tinysaga::storage
