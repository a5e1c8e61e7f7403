#include "failure.h"

#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <string>
#include <string_view>

namespace tinysaga::storage {
namespace {

// SQLite's primary result codes (sqlite3.h), without including sqlite3.h just for three numbers.
constexpr int kSqliteBusy = 5;
constexpr int kSqliteLocked = 6;
constexpr int kSqliteConstraint = 19;

Failure ClassifySqlite(const soci::sqlite3_soci_error& error) {
  const int primary = error.result() & 0xFF;  // extended codes keep the primary in the low byte
  const std::string_view message = error.what();
  if (primary == kSqliteBusy || primary == kSqliteLocked) {
    return {MakeError(Errc::kUnavailable, std::string("database busy: ") + error.what()), true};
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
