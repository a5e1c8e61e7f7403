// Evaluate: index the snapshot, then run every group of checks in a fixed order.

#include "checks.h"
#include "tinysaga/invariants/invariants.h"

namespace tinysaga::invariants {
namespace internal {

void CheckOutboxes(const Snapshot& snapshot, const Rules& rules, Findings& findings) {
  if (!rules.settled) return;
  for (const OutboxBacklog& outbox : snapshot.outboxes) {
    if (outbox.unsent == 0) continue;
    std::string message = std::to_string(outbox.unsent) + " messages not published yet";
    if (outbox.oldest_unsent_created_at_ms) {
      message += ", the oldest written at " + FormatRfc3339(*outbox.oldest_unsent_created_at_ms);
    }
    findings.Add(ViolationKind::kOutboxNotDrained, "outbox " + outbox.service, message);
  }
}

}  // namespace internal

Report Evaluate(const Snapshot& snapshot, const Rules& rules) {
  using namespace internal;
  Report report{.rules = rules};
  Summary& summary = report.summary;
  Findings findings;
  const Index index = IndexSnapshot(snapshot, findings);
  CheckWallets(snapshot, index, findings, summary);
  CheckProducts(snapshot, index, findings, summary);
  for (const auto& [order_id, facts] : index.orders) {
    CheckOrphans(facts, findings);
    CheckInFlight(facts, rules, findings);
    CheckOrderMoney(facts, findings);
    CheckOrderStock(facts, findings);
    CheckOrderStatus(facts, findings);
    if (snapshot.sagas) CheckOrderSagas(facts, rules, findings);
    if (facts.order) {
      ++summary.orders_by_status[facts.order->status];
      if (facts.InFlight()) ++summary.orders_in_flight;
    }
  }
  CheckVoidedDebits(snapshot, findings, summary);
  CheckRefusedRefunds(snapshot, findings);
  CheckMoneyConserved(index, findings, summary);
  summary.sagas_checked = snapshot.sagas.has_value();
  summary.sagas_absent_reason = snapshot.sagas_absent_reason;
  if (snapshot.sagas) CheckSagaDeadlines(*snapshot.sagas, rules, findings, summary);
  CheckOutboxes(snapshot, rules, findings);
  summary.outboxes = snapshot.outboxes;
  report.violations = findings.Take();
  return report;
}

}  // namespace tinysaga::invariants
