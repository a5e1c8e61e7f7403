#pragma once
// `tinysaga check`: load every service's database, evaluate the invariants, print a report.
// The command-line wiring lives in apps/tinysaga; this is everything behind it.

#include <cstdint>
#include <ostream>
#include <string>

#include "tinysaga/core/result.h"
#include "tinysaga/invariants/invariants.h"

namespace tinysaga::invariants {

struct CheckOptions {
  // "sqlite:DIR" (what --data DIR means) or a PostgreSQL template with "{service}".
  std::string db_url_template;
  // The system is quiescent (the default: check runs after a load has finished).
  bool settled = true;
  int64_t saga_grace_ms = 60'000;
};

// Exit codes of RunCheck.
inline constexpr int kCheckPassed = 0;
inline constexpr int kCheckViolations = 1;
inline constexpr int kCheckUnreadable = 2;

// Loads and evaluates, with the wall clock for saga deadlines. An error when a database
// cannot be read (kNotFound for a missing one, kInvalidRequest for a bad template).
Result<Report> Check(const CheckOptions& options);

// Check and print the report (or the reason the databases could not be read) to `out`.
// Returns kCheckPassed only when every invariant holds, kCheckViolations when some do not,
// kCheckUnreadable when the databases cannot be read.
int RunCheck(const CheckOptions& options, std::ostream& out);

}  // namespace tinysaga::invariants
