#include "orchestrator/domain/list_query.h"

#include <array>

#include "tinysaga/core/query.h"

namespace tinysaga::orchestrator {
namespace {

constexpr std::array kStatuses = {saga::SagaStatus::kRunning, saga::SagaStatus::kCompensating,
                                  saga::SagaStatus::kCompleted, saga::SagaStatus::kFailed,
                                  saga::SagaStatus::kGaveUp};

// Digits only, at most 18 of them (fits int64); nullopt otherwise.
std::optional<int64_t> ParseDecimal(std::string_view text) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

std::optional<std::string> NonEmpty(const std::optional<std::string>& text) {
  if (!text || text->empty()) return std::nullopt;
  return text;
}

}  // namespace

std::string FormatSagaCursor(const SagaCursor& cursor) {
  return std::to_string(cursor.created_at_ms) + "_" + cursor.saga_id.value();
}

Result<SagaCursor> ParseSagaCursor(std::string_view text) {
  const Error malformed = MakeError(Errc::kInvalidRequest, "query parameter 'cursor' is malformed");
  // Saga ids contain '_' themselves, so split at the first one only.
  const size_t separator = text.find('_');
  if (separator == std::string_view::npos) return malformed;
  const std::optional<int64_t> created_at_ms = ParseDecimal(text.substr(0, separator));
  const std::string_view saga_id = text.substr(separator + 1);
  if (!created_at_ms || !IsValidId(saga_id)) return malformed;
  return SagaCursor{*created_at_ms, SagaId(std::string(saga_id))};
}

Result<saga::SagaStatus> ParseSagaStatus(std::string_view text) {
  for (saga::SagaStatus status : kStatuses) {
    if (text == saga::SagaStatusName(status)) return status;
  }
  return MakeError(Errc::kInvalidRequest,
                   "query parameter 'state' must be RUNNING, COMPENSATING, COMPLETED, FAILED, "
                   "GAVE_UP or OVERDUE");
}

Result<SagaListQuery> ParseSagaListQuery(const std::optional<std::string>& state,
                                         const std::optional<std::string>& limit,
                                         const std::optional<std::string>& cursor,
                                         const std::optional<std::string>& stuck_for_s) {
  SagaListQuery query;
  if (auto text = NonEmpty(state); text && *text == kOverdueState) {
    query.overdue = true;
  } else if (text) {
    TS_ASSIGN_OR_RETURN(query.state, ParseSagaStatus(*text));
  }
  if (auto text = NonEmpty(stuck_for_s)) {
    TS_ASSIGN_OR_RETURN(query.stuck_for_s,
                        ParseQueryInteger("stuckForS", text, 1, kStuckForSecondsMax, 1));
  }
  TS_ASSIGN_OR_RETURN(query.limit, ParseQueryInteger("limit", NonEmpty(limit), 1, kSagaListLimitMax,
                                                     kSagaListLimitDefault));
  if (auto text = NonEmpty(cursor)) {
    TS_ASSIGN_OR_RETURN(query.after, ParseSagaCursor(*text));
  }
  return query;
}

}  // namespace tinysaga::orchestrator
