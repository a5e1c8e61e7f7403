#include "gateway/gateway.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <spdlog/spdlog.h>

#include <array>
#include <nlohmann/json.hpp>

#include "gateway/domain/dead_letter_pages.h"
#include "gateway/domain/route_table.h"
#include "gateway/openapi.h"
#include "tinysaga/auth/token.h"
#include "tinysaga/core/ids.h"
#include "tinysaga/core/json_reader.h"
#include "tinysaga/core/thread_name.h"
#include "tinysaga/http/problem.h"

namespace tinysaga::gateway {
namespace {

// Headers a client must never pass through: hop-by-hop ones, and the ones that carry
// identity between the gateway and the services.
constexpr std::array kStrippedRequestHeaders = {
    "Connection", "Keep-Alive", "Transfer-Encoding", "TE", "Upgrade", "Proxy-Authorization", "Host",
    "Content-Length", "Authorization", "X-Internal-Token", "X-User-Id", "X-User-Role",
};
constexpr std::array kStrippedResponseHeaders = {"Connection", "Keep-Alive", "Transfer-Encoding",
                                                 "Content-Length"};


// From a service's /readyz body: its consumers are "joining", "joined", or "none" (no broker).
bool ConsumersJoined(const std::string& readyz_body) {
  const auto body = nlohmann::json::parse(readyz_body, nullptr, /*allow_exceptions=*/false);
  return !body.is_object() || body.value("consumers", "none") != "joining";
}

// Every API answer: never cached by a browser or a proxy (they carry one user's data), never
// content-sniffed.
void AddApiHeaders(http::Headers& headers) {
  http::SetHeader(headers, "Cache-Control", "no-store");
  http::SetHeader(headers, "X-Content-Type-Options", "nosniff");
}

// The web UI's answers: scripts and styles only from files of this origin (no inline script,
// no eval), no framing (clickjacking), no referrer sent to other sites.
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";
void AddWebHeaders(http::Headers& headers) {
  http::SetHeader(headers, "Content-Security-Policy", std::string(kContentSecurityPolicy));
  http::SetHeader(headers, "X-Content-Type-Options", "nosniff");
  http::SetHeader(headers, "Referrer-Policy", "no-referrer");
  http::SetHeader(headers, "X-Frame-Options", "DENY");
}

http::Response RateLimited(int64_t retry_after_seconds) {
  auto response = http::Problem(MakeError(Errc::kRateLimited, "too many requests; retry later"));
  response.headers.emplace_back("Retry-After", std::to_string(retry_after_seconds));
  return response;
}

constexpr std::string_view kOrderEventsPattern = "/api/orders/{orderId}/events";

// The request the gateway sends upstream on the caller's behalf.
http::Request UpstreamRequest(const http::Request& request, const std::string& internal_secret,
                              const platform::Caller& caller, std::string target) {
  http::Request upstream{.method = "GET", .target = std::move(target)};
  if (auto id = request.Header(platform::kRequestIdHeader))
    upstream.headers.emplace_back(std::string(platform::kRequestIdHeader), std::string(*id));
  platform::SetCallerHeaders(upstream.headers, internal_secret, caller);
  return upstream;
}

// GET /api/openapi.json: the OpenAPI document, public like the catalogue (HEAD arrives as GET).
http::Response ServeOpenApi(const http::Request& request) {
  if (request.method != "GET") return http::Problem(405, "method-not-allowed", "use GET");
  return http::Response::Text(200, std::string(OpenApiDocument()), "application/json");
}

}  // namespace

Gateway::Gateway(GatewayConfig config, http::Client& client, const Clock& clock,
                 prometheus::Registry& registry)
    : config_(std::move(config)),
      client_(client),
      clock_(clock),
      rate_limiter_(config_.rate_limit, clock),
      auth_failure_limiter_(config_.auth_failure_limit, clock),
      tokens_(config_.jwt_secret),
      static_files_(config_.web_dir),
      upstream_failures_(prometheus::BuildCounter()
                             .Name("gateway_upstream_failures_total")
                             .Help("Requests an upstream instance failed to answer, by service")
                             .Register(registry)),
      rate_limited_(prometheus::BuildCounter()
                        .Name("gateway_rate_limited_total")
                        .Help("Requests refused with 429")
                        .Register(registry)
                        .Add({})),
      upstream_healthy_(prometheus::BuildGauge()
                            .Name("gateway_upstream_healthy")
                            .Help("1 when the instance passed its last health check")
                            .Register(registry)) {
  for (const auto& [service, endpoints] : config_.upstreams) {
    pools_[service] = std::make_shared<UpstreamPool>(service, endpoints);
  }
}

Gateway::~Gateway() {
  {
    std::lock_guard lock(health_mutex_);
    stopping_ = true;
  }
  health_wakeup_.notify_all();
  if (health_thread_.joinable()) health_thread_.join();
}

void Gateway::Register(http::Server& server) {
  // Live events need a streamed response; every other /api request is one request, one answer.
  server.RouteStream(
      "GET", std::string(kOrderEventsPattern),
      [this](const http::Request& request) { return OpenEventStream(request); },
      [this](const http::Request& request, std::shared_ptr<http::Stream> stream) {
        RelayEventStream(request, std::move(stream));
      });
  server.Fallback([this](http::Request request, http::Respond respond) { Handle(std::move(request), std::move(respond)); });
}

bool Gateway::Ready() const {
  for (const auto& [service, pool] : pools_) {
    if (!pool->AnyHealthy()) return false;
  }
  return !pools_.empty();
}

bool Gateway::AllInstancesStarted() const {
  for (const auto& [service, pool] : pools_) {
    for (size_t index = 0; index < pool->size(); ++index)
      if (!pool->healthy(index) || !pool->consuming(index)) return false;
  }
  return !pools_.empty();
}

Result<platform::Caller> Gateway::Authenticate(const http::Request& request) const {
  auto authorization = request.Header("Authorization");
  if (!authorization) return platform::Caller{};
  constexpr std::string_view kBearer = "Bearer ";
  if (!authorization->starts_with(kBearer)) {
    return MakeError(Errc::kUnauthorized, "Authorization must be 'Bearer <token>'");
  }
  TS_ASSIGN_OR_RETURN(auto identity,
                      tokens_.Verify(authorization->substr(kBearer.size()), clock_.NowMs()));
  return platform::Caller{identity.admin() ? platform::CallerRole::kAdmin : platform::CallerRole::kUser,
                          identity.user_id};
}

http::Response Gateway::IssueDevToken(const http::Request& request) const {
  if (!config_.dev_mode) return http::Problem(MakeError(Errc::kNotFound, "no such route"));
  if (request.method != "POST") return http::Problem(405, "method-not-allowed", "use POST");
  auto body = JsonReader::ParseBody(request.body);
  if (!body.ok()) return http::Problem(body.error());
  const UserId user_id = body->ReadId<UserId>("userId");
  const std::string role = body->OptionalString("role", 0, 16).value_or("user");
  if (body->ok() && role != "user" && role != "admin")
    body->Fail("role", "must be 'user' or 'admin'");
  if (auto finished = body->Finish(); !finished.ok()) return http::Problem(finished.error());
  auth::Identity identity{user_id.value(),
                          role == "admin" ? auth::Role::kAdmin : auth::Role::kUser};
  const auto lifetime = std::chrono::hours(24);
  const TimestampMs now_ms = clock_.NowMs();
  return http::Response::Json(
      201, {{"token", auth::IssueToken(identity, config_.jwt_secret, now_ms, lifetime)},
            {"userId", identity.user_id},
            {"role", std::string(auth::RoleName(identity.role))},
            {"expiresAt", FormatRfc3339(now_ms + std::chrono::duration_cast<std::chrono::milliseconds>(lifetime).count())}});
}

std::variant<platform::Caller, http::Response> Gateway::Admit(const http::Request& request) {
  const std::string address = "addr:" + request.remote_address;
  if (request.Header("Authorization")) {
    // Before the token is even looked at: an address whose tokens keep failing gets 429, so
    // guessing tokens is as slow as the failure limit (its burst covers a user whose token
    // just expired).
    if (auto decision = auth_failure_limiter_.Peek(address); !decision.allowed) {
      rate_limited_.Increment();
      return RateLimited(decision.retry_after_seconds);
    }
  }
  auto caller = Authenticate(request);
  if (!caller.ok()) {
    (void)auth_failure_limiter_.Take(address);
    return http::Problem(caller.error());
  }
  const std::string client = caller->authenticated() ? "user:" + caller->user_id : address;
  if (auto decision = rate_limiter_.Take(client); !decision.allowed) {
    rate_limited_.Increment();
    return RateLimited(decision.retry_after_seconds);
  }
  return *std::move(caller);
}

http::Response Gateway::Metrics(const http::Request& request, prometheus::Registry& registry) {
  auto admitted = Admit(request);
  if (auto* refused = std::get_if<http::Response>(&admitted)) return std::move(*refused);
  const auto& caller = std::get<platform::Caller>(admitted);
  if (!caller.authenticated()) {
    return http::Problem(MakeError(Errc::kUnauthorized, "/metrics needs an admin token"));
  }
  if (caller.role != platform::CallerRole::kAdmin) {
    return http::Problem(MakeError(Errc::kForbidden, "/metrics is for the admin role"));
  }
  auto response = http::Response::Text(
      200, prometheus::TextSerializer().Serialize(registry.Collect()), "text/plain; version=0.0.4");
  AddApiHeaders(response.headers);
  return response;
}

void Gateway::Handle(http::Request request, http::Respond respond_plain) {
  if (!request.path.starts_with("/api/")) {
    auto file = (request.method == "GET" || request.method == "HEAD") ? static_files_.Get(request.path) : std::nullopt;
    http::Response response =
        file ? std::move(*file) : http::Problem(MakeError(Errc::kNotFound, "no such page"));
    AddWebHeaders(response.headers);
    respond_plain(std::move(response));
    return;
  }
  http::Respond respond = [respond_plain = std::move(respond_plain)](http::Response response) {
    AddApiHeaders(response.headers);
    respond_plain(std::move(response));
  };
  // HEAD is a GET whose body the server drops: upstream it is a GET, so that the client reads
  // the body the Content-Length announces.
  if (request.method == "HEAD") request.method = "GET";
  auto admitted = Admit(request);
  if (auto* refused = std::get_if<http::Response>(&admitted)) return respond(std::move(*refused));
  const auto caller = &std::get<platform::Caller>(admitted);

  if (request.path == kOpenApiPath) return respond(ServeOpenApi(request));
  if (request.path == "/api/auth/dev-token") return respond(IssueDevToken(request));
  const bool dead_letters =
      request.path == "/api/dead-letters" || request.path.starts_with("/api/dead-letters/");
  if (dead_letters && !caller->authenticated()) {
    return respond(http::Problem(
        MakeError(Errc::kUnauthorized, "this resource needs 'Authorization: Bearer <token>'")));
  }
  if (request.path == "/api/dead-letters")
    return ListDeadLetters(request, *caller, std::move(respond));
  // One dead letter is its service's: the prefix of its id ("payment:3") says which.
  std::optional<RouteTarget> target;
  if (dead_letters) {
    if (auto service = DeadLetterService(request.path); service && pools_.contains(*service))
      target = RouteTarget{*service, false};
  } else {
    target = ResolveRoute(
        request.method, request.path,
        pools_.contains("orchestrator") ? SagaViews::kOrchestrator : SagaViews::kOrder);
  }
  if (!target) return respond(http::Problem(MakeError(Errc::kNotFound, "no such API resource")));
  if (!target->is_public && !caller->authenticated()) {
    return respond(http::Problem(MakeError(Errc::kUnauthorized, "this resource needs 'Authorization: Bearer <token>'")));
  }
  auto pool = pools_.find(target->service);
  if (pool == pools_.end() || pool->second->size() == 0) {
    return respond(http::Problem(MakeError(Errc::kUnavailable, "no instance of the " + target->service + " service")));
  }

  for (const char* name : kStrippedRequestHeaders) http::RemoveHeader(request.headers, name);
  platform::SetCallerHeaders(request.headers, config_.internal_secret, *caller);
  auto shared_request = std::make_shared<http::Request>(std::move(request));
  Forward(pool->second, pool->second->Order(), 0, std::move(shared_request), std::move(respond));
}

void Gateway::Forward(std::shared_ptr<UpstreamPool> pool, std::vector<size_t> order, size_t attempt,
                      std::shared_ptr<http::Request> request, http::Respond respond) {
  const size_t index = order[attempt];
  client_.Send(
      pool->endpoint(index), *request,
      [this, pool, order = std::move(order), attempt, index, request, respond = std::move(respond)](
          Result<http::Response> result) mutable {
        if (result.ok()) {
          for (const char* name : kStrippedResponseHeaders) http::RemoveHeader(result->headers, name);
          // Which instance answered is for the logs (with the request id), never for the client.
          spdlog::debug("gateway: {} {} request_id={} -> {}@{}: {}", request->method, request->path,
                        request->Header(platform::kRequestIdHeader).value_or("-"), pool->service(),
                        pool->endpoint(index).ToString(), result->status);
          return respond(std::move(result).value());
        }
        upstream_failures_.Add({{"service", pool->service()}}).Increment();
        pool->MarkHealthy(index, false);
        // Not sent: safe to try the next instance. Sent but unanswered: only a read may be
        // repeated; a write's outcome is unknown, so the client decides (Idempotency-Key).
        const bool may_retry = result.error().code == Errc::kUnavailable || request->SafeToRepeat();
        if (may_retry && attempt + 1 < order.size()) {
          return Forward(std::move(pool), std::move(order), attempt + 1, std::move(request), std::move(respond));
        }
        spdlog::warn("gateway: {} {} request_id={} -> {}@{}: {}", request->method, request->path,
                     request->Header(platform::kRequestIdHeader).value_or("-"), pool->service(),
                     pool->endpoint(index).ToString(), result.error().detail);
        respond(http::Problem(MakeError(Errc::kUnavailable, "the " + pool->service() + " service is unavailable")));
      },
      config_.upstream_timeout);
}

http::Response Gateway::OpenEventStream(const http::Request& request) {
  auto admitted = Admit(request);
  if (auto* refused = std::get_if<http::Response>(&admitted)) return std::move(*refused);
  const auto& caller = std::get<platform::Caller>(admitted);
  if (!caller.authenticated()) {
    return http::Problem(
        MakeError(Errc::kUnauthorized, "this resource needs 'Authorization: Bearer <token>'"));
  }
  if (request.method == "HEAD") return OpenEventStreamHead(request, caller);
  // Counted from here; RelayEventStream, which the server calls right after a 200 head, gives
  // the slot back when the stream ends.
  if (!ReserveEventStream(request, caller.user_id)) {
    rate_limited_.Increment();
    auto response = http::Problem(MakeError(
        Errc::kRateLimited, "at most " + std::to_string(config_.event_streams_per_user_max) +
                                " open event streams per user"));
    response.headers.emplace_back("Retry-After", "1");
    return response;
  }
  auto head = OpenEventStreamHead(request, caller);
  if (head.status != 200) {
    {
      std::lock_guard lock(stream_counts_->mutex);
      stream_counts_->reserved.erase(&request);
    }
    ReleaseEventStream(stream_counts_, caller.user_id);
  }
  return head;
}

http::Response Gateway::OpenEventStreamHead(const http::Request& request,
                                            const platform::Caller& caller) {
  // The Order service decides who may watch: ask for the order itself first, so that a
  // stranger's or a missing order is a plain 404 rather than a stream that ends at once.
  const auto found = pools_.find("order");
  if (found == pools_.end() || found->second->size() == 0) {
    return http::Problem(MakeError(Errc::kUnavailable, "no instance of the order service"));
  }
  const std::shared_ptr<UpstreamPool>& pool = found->second;
  const std::string order_path = "/api/orders/" + request.path_params.at("orderId");
  auto answer = client_.SendAndWait(pool->endpoint(pool->Order().front()),
                                    UpstreamRequest(request, config_.internal_secret, caller, order_path),
                                    config_.health_timeout);
  if (!answer.ok()) {
    return http::Problem(MakeError(Errc::kUnavailable, "the order service is unavailable"));
  }
  if (answer->status != 200) {
    for (const char* name : kStrippedResponseHeaders) http::RemoveHeader(answer->headers, name);
    AddApiHeaders(answer->headers);
    return std::move(answer).value();
  }
  http::Response head{.status = 200};
  head.headers = {{"Content-Type", "text/event-stream"}};
  AddApiHeaders(head.headers);
  return head;
}

bool Gateway::ReserveEventStream(const http::Request& request, const std::string& user_id) {
  std::lock_guard lock(stream_counts_->mutex);
  size_t& open = stream_counts_->open_by_user[user_id];
  if (open >= config_.event_streams_per_user_max) {
    if (open == 0) stream_counts_->open_by_user.erase(user_id);  // a cap of 0: keep the map small
    return false;
  }
  ++open;
  stream_counts_->reserved[&request] = user_id;
  return true;
}

void Gateway::ReleaseEventStream(const std::shared_ptr<StreamCounts>& counts,
                                 const std::string& user_id) {
  std::lock_guard lock(counts->mutex);
  auto it = counts->open_by_user.find(user_id);
  if (it == counts->open_by_user.end()) return;
  if (--it->second == 0) counts->open_by_user.erase(it);
}

void Gateway::RelayEventStream(const http::Request& request, std::shared_ptr<http::Stream> stream) {
  // The slot OpenEventStream reserved goes back when the last callback holding it is gone,
  // i.e. when the upstream stream has ended (the client drops its callbacks then), or at once
  // when the stream cannot start.
  std::string user_id;
  {
    std::lock_guard lock(stream_counts_->mutex);
    if (auto reserved = stream_counts_->reserved.find(&request);
        reserved != stream_counts_->reserved.end()) {
      user_id = std::move(reserved->second);
      stream_counts_->reserved.erase(reserved);
    }
  }
  std::shared_ptr<void> slot(nullptr, [counts = stream_counts_, user_id](void*) {
    if (!user_id.empty()) ReleaseEventStream(counts, user_id);
  });
  auto caller = Authenticate(request);  // admitted by OpenEventStream a moment ago
  if (!caller.ok()) return stream->Close();  // the token expired in between
  const std::shared_ptr<UpstreamPool>& pool = pools_.at("order");
  http::Request upstream = UpstreamRequest(request, config_.internal_secret, *caller, request.target);
  upstream.headers.emplace_back("Accept", "text/event-stream");
  client_.Stream(
      pool->endpoint(pool->Order().front()), std::move(upstream),
      http::StreamCallbacks{
          .on_head =
              [stream](const http::Response& head) {
                if (head.status != 200) stream->Close();
              },
          // false once the client has gone: the upstream stream is dropped too.
          .on_data = [stream](std::string_view chunk) { return stream->Write(std::string(chunk)); },
          .on_end =
              [stream, slot](Result<void>) {
                (void)slot;  // held until the stream ends
                stream->Close();
              },
      });
}

void Gateway::StartHealthChecks() {
  health_thread_ = std::thread([this] {
    NameThisThread("health-check");
    CheckHealthForever();
  });
}

void Gateway::CheckHealthForever() {
  std::unique_lock lock(health_mutex_);
  while (!stopping_) {
    lock.unlock();
    for (const auto& [service, pool] : pools_) {
      for (size_t index = 0; index < pool->size(); ++index) {
        http::Request probe{.method = "GET", .target = "/readyz"};
        auto result = client_.SendAndWait(pool->endpoint(index), std::move(probe), config_.health_timeout);
        const bool healthy = result.ok() && result->status == 200;
        // "joining" while its consumers join their groups; "joined", or "none" without a broker.
        const bool consuming = healthy && ConsumersJoined(result->body);
        pool->MarkConsuming(index, consuming);
        if (healthy != pool->healthy(index)) {
          spdlog::info("gateway: {} instance {} is {}", service, pool->endpoint(index).ToString(),
                       healthy ? "healthy" : "DOWN");
        }
        pool->MarkHealthy(index, healthy);
        upstream_healthy_.Add({{"service", service}, {"instance", pool->endpoint(index).ToString()}})
            .Set(healthy ? 1 : 0);
      }
    }
    lock.lock();
    health_wakeup_.wait_for(lock, config_.health_interval, [this] { return stopping_; });
  }
}

}  // namespace tinysaga::gateway
