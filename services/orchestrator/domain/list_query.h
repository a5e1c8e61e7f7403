#pragma once
// The query of GET /api/sagas?state=&stuckForS=&limit=&cursor=: validated strictly, every
// problem a kInvalidRequest naming the parameter (400). Pure.
//
// `state` is a saga status, or OVERDUE: unfinished sagas whose deadline (a reply's, or the
// end of a backoff) has passed without the timer acting on it. `stuckForS=N` keeps unfinished
// sagas that have not moved for N seconds or more (1..31536000); it combines with `state`.
//
// Pages are newest first by (created_at_ms, saga_id). Creation times never change, so paging
// is stable while sagas move on: a saga is never listed twice or skipped because it was
// updated between two pages (it may leave a state filter, which is what the filter means).
// A cursor is "<createdAtMs>_<sagaId>" of the last saga of the previous page; clients treat it
// as opaque.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tinysaga/core/clock.h"
#include "tinysaga/core/ids.h"
#include "tinysaga/core/result.h"
#include "tinysaga/saga/state.h"

namespace tinysaga::orchestrator {

inline constexpr int64_t kSagaListLimitDefault = 50;
inline constexpr int64_t kSagaListLimitMax = 200;

struct SagaCursor {
  TimestampMs created_at_ms = 0;
  SagaId saga_id;
  bool operator==(const SagaCursor&) const = default;
};

std::string FormatSagaCursor(const SagaCursor& cursor);
Result<SagaCursor> ParseSagaCursor(std::string_view text);

// "RUNNING", "COMPENSATING", "COMPLETED", "FAILED" or "GAVE_UP" (exactly; SagaStatusName's names).
Result<saga::SagaStatus> ParseSagaStatus(std::string_view text);

inline constexpr std::string_view kOverdueState = "OVERDUE";
inline constexpr int64_t kStuckForSecondsMax = 365LL * 24 * 60 * 60;

struct SagaListQuery {
  std::optional<saga::SagaStatus> state;
  bool overdue = false;                // state=OVERDUE
  std::optional<int64_t> stuck_for_s;  // stuckForS
  int64_t limit = kSagaListLimitDefault;
  std::optional<SagaCursor> after;  // only sagas strictly older than this
};

// Absent parameters take their defaults; an empty one ("?state=") counts as absent.
Result<SagaListQuery> ParseSagaListQuery(const std::optional<std::string>& state,
                                         const std::optional<std::string>& limit,
                                         const std::optional<std::string>& cursor,
                                         const std::optional<std::string>& stuck_for_s = {});

}  // namespace tinysaga::orchestrator
