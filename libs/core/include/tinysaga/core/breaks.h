#pragma once
// Breaks: safety mechanisms that the deterministic simulator switches off on purpose, one at a
// time (`tinysaga sim --break NAME`, docs/simulation.md), to prove that it finds the violation
// each one prevents. The code of each mechanism asks IsBroken() at the point the mechanism
// acts, with a comment that says what the break removes.
//
// Production never sets one: no flag, setting or environment variable of any service reaches
// BreakForSimulation(), so IsBroken() is always false there and costs one relaxed load.
//
// Thread safety: IsBroken() from any thread. The breaks are process-wide: the simulator sets
// one for a run and clears it after (ScopedBreakForSimulation), and runs with a break must not
// overlap other runs in the same process.

#include <atomic>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace tinysaga {

enum class Break : uint8_t {
  kInboxDedupOff,             // the inbox no longer recognises a message it already applied
  kOutboxOutsideTransaction,  // outbox rows written after the state's commit, separately
  kStaleReplyCheckOff,        // a saga takes a reply to an earlier command as the current one's
  kVoidOfUnseenDebitSkipped,  // Payment does not void a debit it never saw answered
};

namespace breaks_detail {
inline std::atomic<uint32_t> broken_mask{0};
constexpr uint32_t Bit(Break which) { return uint32_t{1} << static_cast<unsigned>(which); }
}  // namespace breaks_detail

// True only while the simulator has switched `which` off.
inline bool IsBroken(Break which) {
  return (breaks_detail::broken_mask.load(std::memory_order_relaxed) & breaks_detail::Bit(which)) !=
         0;
}

// For the simulator only: switches `which` off in the whole process until
// ClearBreaksForSimulation().
void BreakForSimulation(Break which);
// Every mechanism back on.
void ClearBreaksForSimulation();

// Switches `which` off for its lifetime; every mechanism is back on after it.
class ScopedBreakForSimulation {
 public:
  explicit ScopedBreakForSimulation(std::optional<Break> which);
  ~ScopedBreakForSimulation();
  ScopedBreakForSimulation(const ScopedBreakForSimulation&) = delete;
  ScopedBreakForSimulation& operator=(const ScopedBreakForSimulation&) = delete;
};

// The --break names: "inbox-dedup-off", "outbox-outside-tx", "stale-reply-check-off",
// "void-of-unseen-debit-skipped".
std::string_view BreakName(Break which);
std::optional<Break> BreakNamed(std::string_view name);
const std::vector<Break>& AllBreaks();

}  // namespace tinysaga
