// GET /api/dead-letters across services (issue 15): the gateway's one fan-out. Each service
// serves its own database's dead letters (platform/dead_letter_api.h); the list asks every
// service (or the one named by ?service=) at once, on one instance each, and merges the pages
// (domain/dead_letter_pages.h). Bounded: one request per service, each page at most the
// services' limit (100). A service that does not answer makes the list 503 (an operator can
// still ask the others with ?service=); an error answer (a bad query) is passed on as it is.
#include <spdlog/spdlog.h>

#include <mutex>

#include "gateway/domain/dead_letter_pages.h"
#include "gateway/gateway.h"
#include "tinysaga/core/query.h"
#include "tinysaga/http/message.h"
#include "tinysaga/http/problem.h"

namespace tinysaga::gateway {
namespace {

struct FanOut {
  std::mutex mutex;
  size_t remaining = 0;
  std::vector<nlohmann::json> pages;
  std::optional<http::Response> failure;  // the first error answer, or 503
  size_t limit = 0;
  http::Respond respond;
};

void Finish(FanOut& fan_out) {
  if (fan_out.failure) return fan_out.respond(std::move(*fan_out.failure));
  fan_out.respond(http::Response::Json(200, MergeDeadLetterPages(fan_out.pages, fan_out.limit)));
}

}  // namespace

void Gateway::ListDeadLetters(const http::Request& request, const platform::Caller& caller,
                              http::Respond respond) {
  if (request.method != "GET") return respond(http::Problem(405, "method-not-allowed", "use GET"));
  if (caller.role != platform::CallerRole::kAdmin) {
    return respond(
        http::Problem(MakeError(Errc::kForbidden, "dead letters are for the admin role")));
  }
  // The services check the rest of the query; the limit is needed here for the merge.
  auto limit = ParseQueryInteger("limit", request.Query("limit"), 1, 100, 50);
  if (!limit.ok()) return respond(http::Problem(limit.error()));
  std::vector<std::shared_ptr<UpstreamPool>> pools;
  const std::optional<std::string> only = request.Query("service");
  for (const auto& [service, pool] : pools_) {
    if (only && !only->empty() && service != *only) continue;
    if (pool->size() > 0) pools.push_back(pool);
  }
  if (pools.empty()) {
    return respond(http::Problem(MakeError(
        Errc::kInvalidRequest, "query parameter 'service' names no service of this system")));
  }
  std::string target = "/api/dead-letters?limit=" + std::to_string(*limit);
  for (const char* name : {"state", "cursor"}) {
    if (auto value = request.Query(name))
      target += std::string("&") + name + "=" + http::PercentEncode(*value);
  }
  auto fan_out = std::make_shared<FanOut>();
  fan_out->remaining = pools.size();
  fan_out->limit = static_cast<size_t>(*limit);
  fan_out->respond = std::move(respond);
  for (const auto& pool : pools) {
    http::Request upstream{.method = "GET", .target = target};
    if (auto id = request.Header(platform::kRequestIdHeader))
      upstream.headers.emplace_back(std::string(platform::kRequestIdHeader), std::string(*id));
    platform::SetCallerHeaders(upstream.headers, config_.internal_secret, caller);
    client_.Send(
        pool->endpoint(pool->Order().front()), std::move(upstream),
        [fan_out, service = pool->service()](Result<http::Response> answer) {
          std::lock_guard lock(fan_out->mutex);
          if (!answer.ok()) {
            spdlog::warn("gateway: dead letters of {}: {}", service, answer.error().detail);
            if (!fan_out->failure) {
              fan_out->failure = http::Problem(
                  MakeError(Errc::kUnavailable, "the " + service + " service is unavailable"));
            }
          } else if (answer->status != 200) {
            if (!fan_out->failure) fan_out->failure = std::move(answer).value();
          } else {
            fan_out->pages.push_back(nlohmann::json::parse(answer->body, nullptr, false));
          }
          if (--fan_out->remaining == 0) Finish(*fan_out);
        },
        config_.health_timeout);
  }
}

}  // namespace tinysaga::gateway
