#include "tinysaga/platform/dead_letter_api.h"

#include <prometheus/counter.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <nlohmann/json.hpp>

#include "tinysaga/bus/dead_letters.h"
#include "tinysaga/core/json_reader.h"
#include "tinysaga/core/query.h"
#include "tinysaga/http/problem.h"
#include "tinysaga/platform/service.h"
#include "tinysaga/storage/db.h"

namespace tinysaga::platform {
namespace {

constexpr int64_t kListLimitDefault = 50;
constexpr int64_t kListLimitMax = 100;
constexpr size_t kReasonLengthMax = 500;

nlohmann::json Nullable(const std::string& text) {
  return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
}

nlohmann::json DeadLetterJson(const std::string& service, const bus::DeadLetter& row,
                              bool with_payload) {
  nlohmann::json json = {
      {"id", service + ":" + std::to_string(row.id)},
      {"service", service},
      {"consumer", row.consumer},
      {"topic", row.topic},
      {"partition", row.partition},
      {"offset", row.offset},
      {"key", row.key},
      {"messageId", Nullable(row.message_id)},
      {"type", Nullable(row.type)},
      {"reason", row.reason},
      {"deadLetteredAt", FormatRfc3339(row.dead_lettered_at_ms)},
      {"deadLetteredAtMs", row.dead_lettered_at_ms},
      {"state", std::string(bus::DeadLetterStateName(row.state))},
      {"actedBy", Nullable(row.acted_by)},
      {"actionReason", Nullable(row.action_reason)},
      {"actedAt",
       row.acted_at_ms ? nlohmann::json(FormatRfc3339(*row.acted_at_ms)) : nlohmann::json(nullptr)},
  };
  if (with_payload) json["payload"] = row.payload;
  return json;
}

// Anonymous callers never get here through the gateway; users may not see dead letters (their
// payloads are other users' orders).
std::optional<http::Response> RefuseUnlessAdmin(const Caller& caller) {
  if (!caller.authenticated())
    return http::Problem(MakeError(Errc::kUnauthorized, "dead letters need an admin token"));
  if (!caller.privileged())
    return http::Problem(MakeError(Errc::kForbidden, "dead letters are for the admin role"));
  return std::nullopt;
}

// "<service>:<row id>" of this service, else kNotFound (another service's id never reaches
// this one through the gateway).
Result<int64_t> RowIdOf(const std::string& service, const std::string& id) {
  const Error not_found = MakeError(Errc::kNotFound, "no dead letter '" + id + "'");
  if (!id.starts_with(service + ":")) return not_found;
  const std::string_view number = std::string_view(id).substr(service.size() + 1);
  int64_t row_id = 0;
  const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), row_id);
  if (number.empty() || error != std::errc() || end != number.data() + number.size() ||
      row_id < 1) {
    return not_found;
  }
  return row_id;
}

// Internal details go to the log, never to the client.
http::Response ProblemFor(const Error& error) {
  if (error.code != Errc::kInternal) return http::Problem(error);
  spdlog::error("dead letters: {}", error.detail);
  return http::Problem(500, "internal", "internal error");
}

}  // namespace

DeadLetterApi::DeadLetterApi(std::string service_name, storage::Db& db, const Clock& clock,
                             prometheus::Registry& registry, std::function<void()> notify_outbox)
    : service_name_(std::move(service_name)),
      db_(db),
      clock_(clock),
      notify_outbox_(std::move(notify_outbox)),
      redriven_(prometheus::BuildCounter()
                    .Name("tinysaga_dead_letter_actions_total")
                    .Help("Dead letters an operator redrove or discarded (replays not counted)")
                    .Register(registry)
                    .Add({{"action", "redrive"}})),
      discarded_(prometheus::BuildCounter()
                     .Name("tinysaga_dead_letter_actions_total")
                     .Help("Dead letters an operator redrove or discarded (replays not counted)")
                     .Register(registry)
                     .Add({{"action", "discard"}})) {}

void DeadLetterApi::Register(http::Server& server, const std::string& internal_secret) {
  RouteGuarded(server, internal_secret, "GET", "/api/dead-letters", this, &DeadLetterApi::List);
  RouteGuarded(server, internal_secret, "GET", "/api/dead-letters/{deadLetterId}", this,
               &DeadLetterApi::Show);
  RouteGuarded(server, internal_secret, "POST", "/api/dead-letters/{deadLetterId}/redrive", this,
               &DeadLetterApi::Redrive);
  RouteGuarded(server, internal_secret, "POST", "/api/dead-letters/{deadLetterId}/discard", this,
               &DeadLetterApi::Discard);
}

http::Response DeadLetterApi::List(const http::Request& request, const Caller& caller) {
  if (auto refused = RefuseUnlessAdmin(caller)) return *refused;
  bus::DeadLetterFilter filter{.service = service_name_};
  if (auto state = request.Query("state"); state && !state->empty()) {
    filter.state = bus::ParseDeadLetterState(*state);
    if (!filter.state) {
      return http::Problem(MakeError(
          Errc::kInvalidRequest, "query parameter 'state' must be open, redriven or discarded"));
    }
  }
  auto limit =
      ParseQueryInteger("limit", request.Query("limit"), 1, kListLimitMax, kListLimitDefault);
  if (!limit.ok()) return http::Problem(limit.error());
  if (auto cursor = request.Query("cursor"); cursor && !cursor->empty()) {
    auto parsed = bus::ParseDeadLetterCursor(*cursor);
    if (!parsed.ok()) return http::Problem(parsed.error());
    filter.after = *parsed;
  }
  filter.limit = *limit + 1;  // one more tells whether there is a next page
  auto rows = db_.Read<std::vector<bus::DeadLetter>>(
      [&](soci::session& session) -> Result<std::vector<bus::DeadLetter>> {
        return bus::ListDeadLetters(session, filter);
      });
  if (!rows.ok()) return ProblemFor(rows.error());
  nlohmann::json next_cursor = nullptr;
  if (rows->size() > static_cast<size_t>(*limit)) {
    rows->resize(static_cast<size_t>(*limit));
    next_cursor = bus::FormatDeadLetterCursor(
        {rows->back().dead_lettered_at_ms, service_name_, rows->back().id});
  }
  nlohmann::json items = nlohmann::json::array();
  for (const bus::DeadLetter& row : *rows)
    items.push_back(DeadLetterJson(service_name_, row, false));
  return http::Response::Json(
      200, {{"deadLetters", std::move(items)}, {"nextCursor", std::move(next_cursor)}});
}

http::Response DeadLetterApi::Show(const http::Request& request, const Caller& caller) {
  if (auto refused = RefuseUnlessAdmin(caller)) return *refused;
  auto id = RowIdOf(service_name_, request.PathParam("deadLetterId"));
  if (!id.ok()) return http::Problem(id.error());
  auto row = db_.Read<std::optional<bus::DeadLetter>>(
      [&](soci::session& session) -> Result<std::optional<bus::DeadLetter>> {
        return bus::FindDeadLetter(session, *id, /*with_payload=*/true);
      });
  if (!row.ok()) return ProblemFor(row.error());
  if (!*row) {
    return http::Problem(
        MakeError(Errc::kNotFound, "no dead letter '" + request.PathParam("deadLetterId") + "'"));
  }
  return http::Response::Json(200, DeadLetterJson(service_name_, **row, true));
}

http::Response DeadLetterApi::Redrive(const http::Request& request, const Caller& caller) {
  return Act(request, caller, /*redrive=*/true);
}

http::Response DeadLetterApi::Discard(const http::Request& request, const Caller& caller) {
  return Act(request, caller, /*redrive=*/false);
}

http::Response DeadLetterApi::Act(const http::Request& request, const Caller& caller,
                                  bool redrive) {
  if (auto refused = RefuseUnlessAdmin(caller)) return *refused;
  auto id = RowIdOf(service_name_, request.PathParam("deadLetterId"));
  if (!id.ok()) return http::Problem(id.error());
  auto body = JsonReader::ParseBody(request.body);
  if (!body.ok()) return http::Problem(body.error());
  const std::string reason = body->NonBlankString("reason", kReasonLengthMax);
  if (auto finished = body->Finish(); !finished.ok()) return http::Problem(finished.error());
  // Who acted: the admin's user id, or "service" for a service acting for the system.
  const std::string actor = caller.user_id.empty() ? "service" : caller.user_id;
  bool changed = false;
  auto row = db_.Write<bus::DeadLetter>([&](soci::session& session) -> Result<bus::DeadLetter> {
    auto before = bus::FindDeadLetter(session, *id, /*with_payload=*/false);
    changed = before && before->state == bus::DeadLetterState::kOpen;
    return redrive ? bus::RedriveDeadLetter(session, *id, actor, reason, clock_.NowMs())
                   : bus::DiscardDeadLetter(session, *id, actor, reason, clock_.NowMs());
  });
  if (!row.ok()) {
    if (row.error().code == Errc::kNotFound) {
      return http::Problem(
          MakeError(Errc::kNotFound, "no dead letter '" + request.PathParam("deadLetterId") + "'"));
    }
    return ProblemFor(row.error());
  }
  if (changed) {
    (redrive ? redriven_ : discarded_).Increment();
    spdlog::info("dead letter {}:{} {} by {}: {}", service_name_, *id,
                 redrive ? "redriven" : "discarded", actor, reason);
    if (redrive && notify_outbox_) notify_outbox_();
  }
  return http::Response::Json(200, DeadLetterJson(service_name_, *row, true));
}

}  // namespace tinysaga::platform
