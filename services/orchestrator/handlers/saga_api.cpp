#include "orchestrator/handlers/saga_api.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "orchestrator/domain/list_query.h"
#include "orchestrator/log.h"
#include "orchestrator/saga_repository.h"
#include "tinysaga/http/problem.h"
#include "tinysaga/platform/service.h"
#include "tinysaga/saga/definition_json.h"
#include "tinysaga/saga/view.h"
#include "tinysaga/sagas/order_sagas.h"

namespace tinysaga::orchestrator {
namespace {

using platform::Caller;

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

// The view of API.md, plus who the saga acts for and when it started and last moved.
nlohmann::json SagaJson(const LoadedSaga& saga) {
  nlohmann::json json =
      saga::SagaViewToJson(saga::BuildView(*saga.definition, saga.state, kSagaMode));
  json["userId"] = SagaOwner(saga.state);
  json["startedAt"] = FormatRfc3339(saga.state.started_ms);
  json["updatedAt"] = FormatRfc3339(saga.state.updated_ms);
  return json;
}

// A list entry for a saga whose state cannot be read: what the columns say, so that an
// admin sees it rather than a failed list.
nlohmann::json UnreadableSagaJson(const SagaRow& row) {
  return {{"sagaId", row.saga_id.value()},
          {"type", row.saga_type},
          {"mode", kSagaMode},
          {"state", row.status},
          {"orderId", row.order_id.value()},
          {"steps", nlohmann::json::array()},
          {"startedAt", FormatRfc3339(row.created_at_ms)},
          {"updatedAt", FormatRfc3339(row.updated_at_ms)},
          {"unreadable", true}};
}

}  // namespace

SagaApi::SagaApi(storage::Db& db, const SagaCatalog& catalog)
    : db_(db),
      catalog_(catalog),
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

  std::vector<LoadedSaga> sagas;
  for (const SagaRow& row : *rows) {
    auto saga = ReadStoredSaga(catalog_, row.saga_id, row.state_json);
    if (!saga.ok()) return ProblemFor(saga.error());
    sagas.push_back(std::move(saga).value());
  }
  // The cancel saga, when there is one, is what the order is going through now (it can only
  // start after the order saga completed, so this matches creation order; the rule makes it
  // hold even for two sagas created within one millisecond).
  std::stable_partition(sagas.begin(), sagas.end(), [](const LoadedSaga& saga) {
    return saga.state.type != sagas::kCancelSagaType;
  });
  // Others' sagas are not found, like others' orders (API.md).
  const bool visible =
      !sagas.empty() && std::all_of(sagas.begin(), sagas.end(), [&](const auto& s) {
        return caller.CanAccess(SagaOwner(s.state));
      });
  if (!visible) {
    return ProblemFor(MakeError(Errc::kNotFound, "order '" + order_id->value() + "' has no saga"));
  }
  nlohmann::json body = SagaJson(sagas.back());
  nlohmann::json earlier = nlohmann::json::array();
  for (size_t i = 0; i + 1 < sagas.size(); ++i) earlier.push_back(SagaJson(sagas[i]));
  body["earlierSagas"] = std::move(earlier);
  return http::Response::Json(200, std::move(body));
}

http::Response SagaApi::GetSagas(const http::Request& request, const Caller& caller) {
  if (auto allowed = RequirePrivileged(caller); !allowed.ok()) return ProblemFor(allowed.error());
  auto query =
      ParseSagaListQuery(request.Query("state"), request.Query("limit"), request.Query("cursor"));
  if (!query.ok()) return ProblemFor(query.error());

  SagaFilter filter;
  if (query->state) filter.status = std::string(saga::SagaStatusName(*query->state));
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
      sagas.push_back(SagaJson(*saga));
    } else {
      Log()->error("listing sagas: {}", saga.error().detail);
      sagas.push_back(UnreadableSagaJson(row));
    }
  }
  return http::Response::Json(
      200, {{"sagas", std::move(sagas)}, {"nextCursor", std::move(next_cursor)}});
}

http::Response SagaApi::GetDefinitions(const http::Request&, const platform::Caller&) {
  return http::Response::Json(200, definitions_);
}

void SagaApi::Register(http::Server& server, const std::string& internal_secret) {
  platform::RouteGuarded(server, internal_secret, "GET", "/api/orders/{orderId}/saga", this,
                         &SagaApi::GetOrderSaga);
  platform::RouteGuarded(server, internal_secret, "GET", "/api/sagas", this, &SagaApi::GetSagas);
  platform::RouteGuarded(server, internal_secret, "GET", "/api/sagas/definitions", this,
                         &SagaApi::GetDefinitions, platform::RunsOn::kIoThread);
}

}  // namespace tinysaga::orchestrator
