// `tinysaga check` behind the command line: load, evaluate, print, exit code.

#include "tinysaga/invariants/check.h"

#include <string>

#include "redact.h"
#include "tinysaga/invariants/loader.h"

namespace tinysaga::invariants {

Result<Report> Check(const CheckOptions& options) {
  if (options.db_url_template.empty()) {
    return MakeError(Errc::kInvalidRequest,
                     "no databases given: pass --data DIR or --db URL-TEMPLATE");
  }
  if (options.saga_grace_ms < 0) {
    return MakeError(Errc::kInvalidRequest, "the saga grace must not be negative");
  }
  TS_ASSIGN_OR_RETURN(const Snapshot snapshot, LoadSnapshot(options.db_url_template));
  const Rules rules{
      .settled = options.settled,
      .saga_grace_ms = options.saga_grace_ms,
      .now_ms = SystemClock().NowMs(),
  };
  return Evaluate(snapshot, rules);
}

int RunCheck(const CheckOptions& options, std::ostream& out) {
  out << "databases: " << internal::RedactedUrl(options.db_url_template) << "\n";
  const Result<Report> report = Check(options);
  if (!report.ok()) {
    out << "tinysaga check: cannot read the databases: " << report.error().detail << "\n";
    return kCheckUnreadable;
  }
  PrintReport(*report, out);
  return report->ok() ? kCheckPassed : kCheckViolations;
}

}  // namespace tinysaga::invariants
