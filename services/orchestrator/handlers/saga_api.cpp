#include "orchestrator/handlers/saga_api.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "orchestrator/domain/list_query.h"
#include "orchestrator/log.h"
#include "orchestrator/saga_repository.h"
#include "tinysaga/core/json_reader.h"
#include "tinysaga/http/problem.h"
#include "tinysaga/platform/messaging.h"
#include "tinysaga/platform/service.h"
#include "tinysaga/saga/definition_json.h"
#include "tinysaga/saga/engine.h"
#include "tinysaga/saga/view.h"
#include "tinysaga/sagas/order_sagas.h"

namespace tinysaga::orchestrator {
namespace {

using platform::Caller;

// An operator's reason, as the dead letters' verbs take it.
constexpr size_t kReasonLengthMax = 500;

// The problem for an error. Internal details (SQL text, corrupt documents) go to the log,
// never to the client.
http::Response ProblemFor(const Error& error) {
  if (error.code != Errc::kInternal && error.code != Errc::kUnprocessable) {
    return http::Problem(error);
  }
  Log()->error("internal error: {}", error.detail);
  return http::Problem(500, "internal", "internal error");
}

Result<void> RequireAuthenticated(const Caller& caller) {
  if (!caller.authenticated()) return MakeError(Errc::kUnauthorized, "authentication required");
  return Ok();
}

Result<void> RequirePrivileged(const Caller& caller) {
  TS_RETURN_IF_ERROR(RequireAuthenticated(caller));
  if (!caller.privileged()) return MakeError(Errc::kForbidden, "admin role required");
  return Ok();
}

// An id in the path that cannot exist is simply not found.
Result<OrderId> PathOrderId(const http::Request& request) {
  auto it = request.path_params.find("orderId");
  if (it == request.path_params.end() || !IsValidId(it->second)) {
    return MakeError(Errc::kNotFound, "order not found");
  }
  return OrderId(it->second);
}

// The view of API.md, plus who the saga acts for, when it started and last moved, and where
// it is; with `detail` (one order's sagas) also its history and the messages it sent and
// received.
nlohmann::json SagaJson(const LoadedSaga& saga, bool detail) {
  nlohmann::json json =
      saga::SagaViewToJson(saga::BuildView(*saga.definition, saga.state, kSagaMode));
  json["userId"] = SagaOwner(saga.state);
  json["startedAt"] = FormatRfc3339(saga.state.started_ms);
  json["updatedAt"] = FormatRfc3339(saga.state.updated_ms);
  json.update(saga::SagaProgressJson(*saga.definition, saga.state));
  if (detail) {
    json["history"] = saga::SagaHistoryJson(*saga.definition, saga.state.history);
    json["messages"] = saga::OrchestratedMessagesJson(*saga.definition, saga.state);
  }
  return json;
}

// The order's sagas, read and checked, the one it is going through now last: the cancel saga,
// when there is one (it can only start after the order saga completed, so this matches
// creation order; the rule makes it hold even for two sagas created within one millisecond).
Result<std::vector<LoadedSaga>> LoadOrderSagas(const SagaCatalog& catalog,
                                               const std::vector<SagaRow>& rows) {
  std::vector<LoadedSaga> sagas;
  for (const SagaRow& row : rows) {
    TS_ASSIGN_OR_RETURN(LoadedSaga saga, ReadStoredSaga(catalog, row.saga_id, row.state_json));
    sagas.push_back(std::move(saga));
  }
  std::stable_partition(sagas.begin(), sagas.end(), [](const LoadedSaga& saga) {
    return saga.state.type != sagas::kCancelSagaType;
  });
  return sagas;
}

// The body of GET /api/orders/{orderId}/saga: the latest saga, the others under
// "earlierSagas", oldest first.
nlohmann::json OrderSagaBody(const std::vector<LoadedSaga>& sagas) {
  nlohmann::json body = SagaJson(sagas.back(), /*detail=*/true);
  nlohmann::json earlier = nlohmann::json::array();
  for (size_t i = 0; i + 1 < sagas.size(); ++i) earlier.push_back(SagaJson(sagas[i], true));
  body["earlierSagas"] = std::move(earlier);
  return body;
}

// The body of a verb: {"reason"}, a non-blank string; nothing else.
Result<std::string> ParseReason(const std::string& text) {
  TS_ASSIGN_OR_RETURN(JsonReader body, JsonReader::ParseBody(text));
  std::string reason = body.NonBlankString("reason", kReasonLengthMax);
  TS_RETURN_IF_ERROR(body.Finish());
  return reason;
}

// A list entry for a saga whose state cannot be read: what the columns say, so that an
// admin sees it rather than a failed list.
nlohmann::json UnreadableSagaJson(const SagaRow& row) {
  return {{"sagaId", row.saga_id.value()},
          {"type", row.saga_type},
          {"mode", SagaModeName(kSagaMode)},
          {"state", row.status},
          {"orderId", row.order_id.value()},
          {"steps", nlohmann::json::array()},
          {"startedAt", FormatRfc3339(row.created_at_ms)},
          {"updatedAt", FormatRfc3339(row.updated_at_ms)},
          {"unreadable", true}};
}

}  // namespace

SagaApi::SagaApi(storage::Db& db, const SagaCatalog& catalog, const Clock& clock,
                 SagaApiHooks hooks)
    : db_(db),
      catalog_(catalog),
      clock_(clock),
      hooks_(std::move(hooks)),
      definitions_(saga::DefinitionsJson(catalog.definitions(), kSagaMode)) {}

http::Response SagaApi::GetOrderSaga(const http::Request& request, const Caller& caller) {
  if (auto allowed = RequireAuthenticated(caller); !allowed.ok()) {
    return ProblemFor(allowed.error());
  }
  auto order_id = PathOrderId(request);
  if (!order_id.ok()) return ProblemFor(order_id.error());
  auto rows = db_.Read<std::vector<SagaRow>>(
      [&](soci::session& session) { return FindSagasOfOrder(session, *order_id); });
  if (!rows.ok()) return ProblemFor(rows.error());
  auto loaded = LoadOrderSagas(catalog_, *rows);
  if (!loaded.ok()) return ProblemFor(loaded.error());
  const std::vector<LoadedSaga>& sagas = *loaded;
  // Others' sagas are not found, like others' orders (API.md).
  const bool visible =
      !sagas.empty() && std::all_of(sagas.begin(), sagas.end(), [&](const auto& s) {
        return caller.CanAccess(SagaOwner(s.state));
      });
  if (!visible) {
    return ProblemFor(MakeError(Errc::kNotFound, "order '" + order_id->value() + "' has no saga"));
  }
  return http::Response::Json(200, OrderSagaBody(sagas));
}

http::Response SagaApi::GetSagas(const http::Request& request, const Caller& caller) {
  if (auto allowed = RequirePrivileged(caller); !allowed.ok()) return ProblemFor(allowed.error());
  auto query = ParseSagaListQuery(request.Query("state"), request.Query("limit"),
                                  request.Query("cursor"), request.Query("stuckForS"));
  if (!query.ok()) return ProblemFor(query.error());

  SagaFilter filter;
  if (query->state) filter.status = std::string(saga::SagaStatusName(*query->state));
  const TimestampMs now_ms = clock_.NowMs();
  if (query->overdue) filter.deadline_before_ms = now_ms;
  if (query->stuck_for_s) filter.updated_at_or_before_ms = now_ms - *query->stuck_for_s * 1000;
  filter.after = query->after;
  filter.limit = query->limit + 1;  // one more tells whether there is a next page
  auto rows = db_.Read<std::vector<SagaRow>>(
      [&](soci::session& session) { return ListSagas(session, filter); });
  if (!rows.ok()) return ProblemFor(rows.error());

  nlohmann::json next_cursor = nullptr;
  if (rows->size() > static_cast<size_t>(query->limit)) {
    rows->resize(static_cast<size_t>(query->limit));
    next_cursor = FormatSagaCursor(SagaCursor{rows->back().created_at_ms, rows->back().saga_id});
  }
  nlohmann::json sagas = nlohmann::json::array();
  for (const SagaRow& row : *rows) {
    auto saga = ReadStoredSaga(catalog_, row.saga_id, row.state_json);
    if (saga.ok()) {
      sagas.push_back(SagaJson(*saga, /*detail=*/false));
    } else {
      Log()->error("listing sagas: {}", saga.error().detail);
      sagas.push_back(UnreadableSagaJson(row));
    }
  }
  return http::Response::Json(
      200, {{"sagas", std::move(sagas)}, {"nextCursor", std::move(next_cursor)}});
}

http::Response SagaApi::PostRetry(const http::Request& request, const Caller& caller) {
  return Operate(request, caller, Verb::kRetry);
}

http::Response SagaApi::PostAbort(const http::Request& request, const Caller& caller) {
  return Operate(request, caller, Verb::kAbort);
}

http::Response SagaApi::Operate(const http::Request& request, const Caller& caller, Verb verb) {
  if (auto allowed = RequirePrivileged(caller); !allowed.ok()) return ProblemFor(allowed.error());
  auto order_id = PathOrderId(request);
  if (!order_id.ok()) return ProblemFor(order_id.error());
  auto reason = ParseReason(request.body);
  if (!reason.ok()) return ProblemFor(reason.error());
  // Who acted: the admin's user id, or "service" for a service acting for the system.
  const saga::OperatorRequest operator_request{caller.user_id.empty() ? "service" : caller.user_id,
                                               *reason};
  const std::string_view verb_name = verb == Verb::kRetry ? "retry" : "abort";
  const TimestampMs now_ms = clock_.NowMs();
  struct Outcome {
    nlohmann::json body;
    saga::Decision decision;
  };
  auto outcome = db_.Write<Outcome>([&](soci::session& session) -> Result<Outcome> {
    TS_ASSIGN_OR_RETURN(std::vector<SagaRow> rows, FindSagasOfOrder(session, *order_id));
    TS_ASSIGN_OR_RETURN(std::vector<LoadedSaga> sagas, LoadOrderSagas(catalog_, rows));
    if (sagas.empty()) {
      return MakeError(Errc::kNotFound, "order '" + order_id->value() + "' has no saga");
    }
    // The saga the order is going through now, locked and read again as it is now.
    TS_ASSIGN_OR_RETURN(std::optional<SagaRow> row,
                        FindSaga(session, sagas.back().state.saga_id, RowLock::kForUpdate));
    if (!row) return MakeError(Errc::kConflict, "the saga changed meanwhile; try again");
    TS_ASSIGN_OR_RETURN(LoadedSaga current,
                        ReadStoredSaga(catalog_, row->saga_id, row->state_json));
    auto decided = verb == Verb::kRetry
                       ? saga::Retry(*current.definition, current.state, operator_request, now_ms)
                       : saga::Abort(*current.definition, current.state, operator_request, now_ms);
    if (!decided.ok()) return decided.error();
    saga::Decision decision = std::move(decided).value();
    if (decision.disposition == saga::Disposition::kApplied) {
      TS_ASSIGN_OR_RETURN(bool updated, UpdateSaga(session, decision.state,
                                                   StateDocument(decision.state), row->version));
      if (!updated) return MakeError(Errc::kConflict, "the saga changed meanwhile; try again");
      for (const saga::OutgoingCommand& command : decision.commands) {
        platform::AppendMessage(session, command.topic, command.message, now_ms);
      }
    }
    sagas.back().state = decision.state;
    nlohmann::json body = OrderSagaBody(sagas);
    return Outcome{std::move(body), std::move(decision)};
  });
  const platform::OperatorVerb counted_verb =
      verb == Verb::kRetry ? platform::OperatorVerb::kRetry : platform::OperatorVerb::kAbort;
  if (!outcome.ok()) {
    if (outcome.error().code == Errc::kConflict) {
      Log()->info("order={} {} refused: {}", order_id->value(), verb_name, outcome.error().detail);
    }
    // A failing database is not the operator's refusal: the verb may be asked again.
    if (!outcome.error().Retryable() && hooks_.operator_acted) {
      hooks_.operator_acted(counted_verb, platform::OperatorOutcome::kRefused);
    }
    return ProblemFor(outcome.error());
  }
  const saga::SagaState& state = outcome->decision.state;
  const bool applied = outcome->decision.disposition == saga::Disposition::kApplied;
  if (hooks_.operator_acted) {
    hooks_.operator_acted(counted_verb, applied ? platform::OperatorOutcome::kApplied
                                                : platform::OperatorOutcome::kUnchanged);
  }
  if (applied) {
    Log()->warn("saga={} type={} order={} {} by {} ({}): now {}, {} commands",
                state.saga_id.value(), state.type, state.order_id.value(), verb_name,
                operator_request.actor, operator_request.reason, saga::SagaStatusName(state.status),
                outcome->decision.commands.size());
    if (!outcome->decision.commands.empty() && hooks_.notify_outbox) hooks_.notify_outbox();
    if (!state.terminal() && hooks_.deadline_set) hooks_.deadline_set(state.deadline_ms);
  }
  return http::Response::Json(200, std::move(outcome->body));
}

http::Response SagaApi::GetDefinitions(const http::Request&, const platform::Caller&) {
  return http::Response::Json(200, definitions_);
}

void SagaApi::Register(http::Server& server, const std::string& internal_secret) {
  platform::RouteGuarded(server, internal_secret, "GET", "/api/orders/{orderId}/saga", this,
                         &SagaApi::GetOrderSaga);
  platform::RouteGuarded(server, internal_secret, "GET", "/api/sagas", this, &SagaApi::GetSagas);
  platform::RouteGuarded(server, internal_secret, "POST", "/api/orders/{orderId}/saga/retry", this,
                         &SagaApi::PostRetry);
  platform::RouteGuarded(server, internal_secret, "POST", "/api/orders/{orderId}/saga/abort", this,
                         &SagaApi::PostAbort);
  platform::RouteGuarded(server, internal_secret, "GET", "/api/sagas/definitions", this,
                         &SagaApi::GetDefinitions, platform::RunsOn::kIoThread);
}

}  // namespace tinysaga::orchestrator
