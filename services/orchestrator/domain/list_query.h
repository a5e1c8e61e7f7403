#pragma once
// The query of GET /api/sagas?state=&limit=&cursor=: validated strictly, every problem a
// kInvalidRequest naming the parameter (400). Pure.
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

struct SagaListQuery {
  std::optional<saga::SagaStatus> state;
  int64_t limit = kSagaListLimitDefault;
  std::optional<SagaCursor> after;  // only sagas strictly older than this
};

// Absent parameters take their defaults; an empty one ("?state=") counts as absent.
Result<SagaListQuery> ParseSagaListQuery(const std::optional<std::string>& state,
                                         const std::optional<std::string>& limit,
                                         const std::optional<std::string>& cursor);

}  // namespace tinysaga::orchestrator
