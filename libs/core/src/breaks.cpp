#include "tinysaga/core/breaks.h"

namespace tinysaga {

void BreakForSimulation(Break which) {
  breaks_detail::broken_mask.fetch_or(breaks_detail::Bit(which), std::memory_order_relaxed);
}

void ClearBreaksForSimulation() { breaks_detail::broken_mask.store(0, std::memory_order_relaxed); }

ScopedBreakForSimulation::ScopedBreakForSimulation(std::optional<Break> which) {
  ClearBreaksForSimulation();  // nothing left over from an earlier run
  if (which) BreakForSimulation(*which);
}

ScopedBreakForSimulation::~ScopedBreakForSimulation() { ClearBreaksForSimulation(); }

std::string_view BreakName(Break which) {
  switch (which) {
    case Break::kInboxDedupOff:
      return "inbox-dedup-off";
    case Break::kOutboxOutsideTransaction:
      return "outbox-outside-tx";
    case Break::kStaleReplyCheckOff:
      return "stale-reply-check-off";
    case Break::kVoidOfUnseenDebitSkipped:
      return "void-of-unseen-debit-skipped";
  }
  return "?";
}

const std::vector<Break>& AllBreaks() {
  static const std::vector<Break> all = {Break::kInboxDedupOff, Break::kOutboxOutsideTransaction,
                                         Break::kStaleReplyCheckOff,
                                         Break::kVoidOfUnseenDebitSkipped};
  return all;
}

std::optional<Break> BreakNamed(std::string_view name) {
  for (Break which : AllBreaks()) {
    if (BreakName(which) == name) return which;
  }
  return std::nullopt;
}

}  // namespace tinysaga
