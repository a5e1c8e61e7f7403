#include "tinysaga/saga/state_json.h"

#include <initializer_list>
#include <optional>

#include "tinysaga/core/json_reader.h"

namespace tinysaga::saga {
namespace {

using nlohmann::json;

// Generous bounds on stored numbers: they only catch corruption.
constexpr int64_t kTimeMsMax = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z
constexpr int64_t kCountMax = 1'000'000;
constexpr size_t kTextLengthMax = 4096;

template <typename Enum>
std::optional<Enum> ReadEnum(JsonReader& reader, std::string_view key,
                             std::string_view (*name)(Enum), std::initializer_list<Enum> values) {
  std::string text = reader.String(key, 1, 32);
  for (Enum value : values) {
    if (name(value) == text) return value;
  }
  reader.Fail(key, "has an unknown value");
  return std::nullopt;
}

json EventToJson(const StepEvent& event) {
  json out = {{"timeMs", event.time_ms},
              {"step", event.step_index},
              {"kind", ActionKindName(event.kind)},
              {"attempt", event.attempt},
              {"type", StepEventTypeName(event.type)}};
  if (!event.reply_type.empty()) out["replyType"] = event.reply_type;
  if (!event.error.empty()) out["error"] = event.error;
  if (!event.message_id.empty()) out["messageId"] = event.message_id;
  if (!event.actor.empty()) out["actor"] = event.actor;
  if (!event.reason.empty()) out["reason"] = event.reason;
  return out;
}

Result<StepEvent> EventFromJson(const json& wire) {
  JsonReader reader(wire, "saga history event");
  StepEvent event;
  event.time_ms = reader.Integer("timeMs", 0, kTimeMsMax);
  event.step_index = static_cast<int>(reader.Integer("step", 0, kCountMax));
  auto kind =
      ReadEnum(reader, "kind", &ActionKindName, {ActionKind::kForward, ActionKind::kCompensation});
  event.attempt = static_cast<int>(reader.Integer("attempt", 0, kCountMax));
  auto type = ReadEnum(reader, "type", &StepEventTypeName,
                       {StepEventType::kSent, StepEventType::kSucceeded, StepEventType::kFailed,
                        StepEventType::kRetrying, StepEventType::kTimedOut, StepEventType::kGaveUp,
                        StepEventType::kRetried, StepEventType::kAborted});
  event.reply_type = reader.OptionalString("replyType", 1, 64).value_or("");
  event.error = reader.OptionalString("error", 1, kTextLengthMax).value_or("");
  event.message_id = reader.OptionalString("messageId", 1, 128).value_or("");
  event.actor = reader.OptionalString("actor", 1, 128).value_or("");
  event.reason = reader.OptionalString("reason", 1, kTextLengthMax).value_or("");
  TS_RETURN_IF_ERROR(reader.Finish());
  event.kind = *kind;
  event.type = *type;
  return event;
}

Result<std::vector<StepEvent>> HistoryFromJson(const json* history) {
  std::vector<StepEvent> events;
  if (history == nullptr) return events;  // the reader already holds the error
  events.reserve(history->size());
  for (const json& item : *history) {
    TS_ASSIGN_OR_RETURN(StepEvent event, EventFromJson(item));
    events.push_back(std::move(event));
  }
  return events;
}

json BranchToJson(const Branch& branch) {
  return {{"step", branch.step_index},
          {"attempt", branch.attempt},
          {"phase", StepPhaseName(branch.phase)},
          {"deadlineMs", branch.deadline_ms}};
}

Result<Branch> BranchFromJson(const json& wire) {
  JsonReader reader(wire, "saga branch");
  Branch branch;
  branch.step_index = static_cast<int>(reader.Integer("step", 0, kCountMax));
  branch.attempt = static_cast<int>(reader.Integer("attempt", 1, kCountMax));
  auto phase = ReadEnum(reader, "phase", &StepPhaseName,
                        {StepPhase::kAwaitingReply, StepPhase::kBackingOff, StepPhase::kNone});
  branch.deadline_ms = reader.Integer("deadlineMs", 0, kTimeMsMax);
  TS_RETURN_IF_ERROR(reader.Finish());
  branch.phase = *phase;
  return branch;
}

// Stored only while a parallel group runs, so states written before groups existed load too.
Result<std::vector<Branch>> BranchesFromJson(const json* branches) {
  std::vector<Branch> result;
  if (branches == nullptr) return result;
  for (const json& item : *branches) {
    TS_ASSIGN_OR_RETURN(Branch branch, BranchFromJson(item));
    result.push_back(branch);
  }
  return result;
}

}  // namespace

nlohmann::json SagaStateToJson(const SagaState& state) {
  json history = json::array();
  for (const StepEvent& event : state.history) history.push_back(EventToJson(event));
  json out = {{"schemaVersion", kStateSchemaVersion},
              {"sagaId", state.saga_id.value()},
              {"type", state.type},
              {"orderId", state.order_id.value()},
              {"data", state.data},
              {"status", SagaStatusName(state.status)},
              {"stepIndex", state.step_index},
              {"attempt", state.attempt},
              {"phase", StepPhaseName(state.phase)},
              {"deadlineMs", state.deadline_ms},
              {"startedMs", state.started_ms},
              {"updatedMs", state.updated_ms},
              {"history", std::move(history)}};
  if (!state.traceparent.empty()) out["traceparent"] = state.traceparent;
  if (!state.failure_reason.empty()) out["failureReason"] = state.failure_reason;
  if (!state.branches.empty()) {
    json branches = json::array();
    for (const Branch& branch : state.branches) branches.push_back(BranchToJson(branch));
    out["branches"] = std::move(branches);
  }
  if (state.compensation_skip_step >= 0) out["compensationSkipStep"] = state.compensation_skip_step;
  if (!state.start_message_id.empty()) {
    out["startedBy"] = {{"messageId", state.start_message_id}, {"type", state.start_message_type}};
  }
  if (state.retries > 0) out["retries"] = state.retries;
  return out;
}

Result<SagaState> SagaStateFromJson(const nlohmann::json& json) {
  JsonReader reader(json, "saga state");
  SagaState state;
  reader.Integer("schemaVersion", kStateSchemaVersion, kStateSchemaVersion);
  state.saga_id = reader.ReadId<SagaId>("sagaId");
  state.type = reader.String("type", 1, 64);
  state.order_id = reader.ReadId<OrderId>("orderId");
  const nlohmann::json* data = reader.Object("data");
  auto status = ReadEnum(reader, "status", &SagaStatusName,
                         {SagaStatus::kRunning, SagaStatus::kCompensating, SagaStatus::kCompleted,
                          SagaStatus::kFailed, SagaStatus::kGaveUp});
  state.step_index = static_cast<int>(reader.Integer("stepIndex", -1, kCountMax));
  state.attempt = static_cast<int>(reader.Integer("attempt", 0, kCountMax));
  auto phase = ReadEnum(reader, "phase", &StepPhaseName,
                        {StepPhase::kAwaitingReply, StepPhase::kBackingOff, StepPhase::kNone});
  state.deadline_ms = reader.Integer("deadlineMs", 0, kTimeMsMax);
  state.started_ms = reader.Integer("startedMs", 0, kTimeMsMax);
  state.updated_ms = reader.Integer("updatedMs", 0, kTimeMsMax);
  const nlohmann::json* history = reader.Array("history");
  state.traceparent = reader.OptionalString("traceparent", 1, 256).value_or("");
  state.failure_reason = reader.OptionalString("failureReason", 1, kTextLengthMax).value_or("");
  const nlohmann::json* branches = json.contains("branches") ? reader.Array("branches") : nullptr;
  if (json.contains("compensationSkipStep")) {
    state.compensation_skip_step =
        static_cast<int>(reader.Integer("compensationSkipStep", 0, kCountMax));
  }
  if (json.contains("startedBy")) {
    if (const nlohmann::json* started_by = reader.Object("startedBy")) {
      JsonReader start(*started_by, "saga startedBy");
      state.start_message_id = start.String("messageId", 1, 128);
      state.start_message_type = start.String("type", 1, 64);
      TS_RETURN_IF_ERROR(start.Finish());
    }
  }
  if (json.contains("retries"))
    state.retries = static_cast<int>(reader.Integer("retries", 1, kCountMax));
  TS_RETURN_IF_ERROR(reader.Finish());
  TS_ASSIGN_OR_RETURN(state.branches, BranchesFromJson(branches));
  state.data = *data;
  state.status = *status;
  state.phase = *phase;
  TS_ASSIGN_OR_RETURN(state.history, HistoryFromJson(history));
  return state;
}

}  // namespace tinysaga::saga
