#include "server_session.h"

#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/write.hpp>

#include "percent.h"
#include "request_checks.h"
#include "tinysaga/core/hex.h"
#include "tinysaga/http/problem.h"

namespace tinysaga::http::internal {
namespace {

constexpr size_t kFirstReadBytes = 4096;
// After an error response the server reads and discards what the client is still sending
// before it closes, so that the client sees the response and not a reset.
constexpr std::chrono::milliseconds kLingerTime{1'000};
constexpr size_t kLingerBytesMax = 1024 * 1024;
constexpr std::string_view kRequestIdHeader = "X-Request-Id";

std::shared_ptr<spdlog::logger> Log() {
  auto logger = spdlog::get("http");
  return logger ? logger : spdlog::default_logger();
}

std::string NewRequestId(std::mt19937_64& rng) {
  std::string id;
  id.reserve(32);
  AppendHex(id, rng());
  AppendHex(id, rng());
  return id;
}

// Headers the server writes itself; a handler's (or a proxied response's) copies are dropped.
bool IsManagedHeader(std::string_view name) {
  return beast::iequals(name, "Content-Length") || beast::iequals(name, "Transfer-Encoding") ||
         beast::iequals(name, "Connection") || beast::iequals(name, "Keep-Alive") ||
         beast::iequals(name, kRequestIdHeader);
}

// A CR or LF in a header would let a handler (or an upstream) split the response.
bool IsSafeHeader(std::string_view name, std::string_view value) {
  return name.find_first_of("\r\n") == std::string_view::npos &&
         value.find_first_of("\r\n") == std::string_view::npos;
}

template <typename Message>
void CopyHeaders(const Headers& headers, Message& message) {
  for (const auto& [name, value] : headers) {
    if (IsManagedHeader(name)) continue;
    if (!IsSafeHeader(name, value)) {
      Log()->warn("http: dropped response header {} with a line break", name);
      continue;
    }
    message.insert(name, value);
  }
}

Response CallBlocking(const std::function<Response(const Request&)>& handler,
                      const Request& request) {
  try {
    return handler(request);
  } catch (const std::exception& error) {
    Log()->error("http: handler for {} {} threw: {}", request.method, request.route, error.what());
  } catch (...) {
    Log()->error("http: handler for {} {} threw a non-exception", request.method, request.route);
  }
  return Problem(500, "internal", "internal error");
}

bool IsHttpParseError(const error_code& ec) {
  return &ec.category() == &bhttp::make_error_code(bhttp::error::bad_target).category();
}

}  // namespace

// --- StreamImpl ---------------------------------------------------------------------------

bool StreamImpl::Write(std::string chunk) {
  std::lock_guard lock(mutex_);
  if (closed_.load()) return false;
  if (queue_.size() + chunk.size() > queue_bytes_max_) {
    Log()->warn("http: stream peer is not reading ({} bytes queued); disconnecting it",
                queue_.size());
    aborted_ = true;
    closed_ = true;
    queue_.clear();
    NotifyLocked();
    return false;
  }
  queue_.append(chunk);
  NotifyLocked();
  return true;
}

void StreamImpl::Close() {
  std::lock_guard lock(mutex_);
  if (closed_.exchange(true)) return;
  NotifyLocked();
}

StreamImpl::TakeResult StreamImpl::Take(std::string& out) {
  std::lock_guard lock(mutex_);
  notify_pending_ = false;
  if (aborted_) return TakeResult::kAborted;
  if (!queue_.empty()) {
    out.swap(queue_);
    queue_.clear();
    return TakeResult::kData;
  }
  return closed_.load() ? TakeResult::kFinished : TakeResult::kIdle;
}

void StreamImpl::Abort() {
  std::lock_guard lock(mutex_);
  aborted_ = true;
  closed_ = true;
  detached_ = true;
  queue_.clear();
}

bool StreamImpl::aborted() {
  std::lock_guard lock(mutex_);
  return aborted_;
}

void StreamImpl::NotifyLocked() {
  // One wake-up in flight is enough: the writer takes everything queued when it runs. While
  // not detached the session, hence its io_context, is alive, so posting is safe.
  if (detached_ || notify_pending_) return;
  notify_pending_ = true;
  asio::post(executor_, [session = session_] {
    if (auto alive = session.lock()) alive->OnStreamNotified();
  });
}

// --- Session: lifecycle -------------------------------------------------------------------

Session::Session(ServerState& state, IoThread& io, tcp::socket socket)
    : state_(state),
      io_(io),
      socket_(std::move(socket)),
      deadline_(socket_.get_executor()),
      stream_wake_(socket_.get_executor(), SteadyClock::time_point::max()) {
  error_code ec;
  auto endpoint = socket_.remote_endpoint(ec);
  if (!ec) remote_address_ = endpoint.address().to_string();
}

Session::~Session() {
  if (stream_) stream_->Abort();
  if (registered_) io_.sessions.erase(this);
  {
    std::lock_guard lock(state_.connections_mutex);
    --state_.connections;
  }
  state_.drained.notify_all();
}

void Session::Start(const std::shared_ptr<Session>& session) {
  if (session->state_.stopping) return;  // accepted while stopping: dropping it closes it
  session->io_.sessions.insert(session.get());
  session->registered_ = true;
  auto executor = session->socket_.get_executor();
  auto on_exit = [](std::exception_ptr error) {
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      Log()->error("http: connection coroutine failed: {}", e.what());
    } catch (...) {
      Log()->error("http: connection coroutine failed");
    }
  };
  asio::co_spawn(executor, Deadline::Watch(session, session->deadline_), on_exit);
  asio::co_spawn(executor, Run(session), on_exit);
}

void Session::CloseIfIdle() {
  if (stream_) {
    stream_->Close();  // the writer flushes the queue, ends the chunked body and closes
  } else if (idle_) {
    CloseSocket();
  }
}

void Session::Close() { CloseSocket(); }

void Session::CloseSocket() {
  error_code ec;
  if (socket_.is_open()) {
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }
  deadline_.Cancel();
  stream_wake_.cancel();
  if (stream_) stream_->Abort();
}

void Session::OnStreamNotified() {
  if (!stream_) return;  // the writer has not started; it takes the queue when it does
  if (stream_->aborted()) {
    CloseSocket();  // also ends a write blocked on a peer that does not read
  } else {
    stream_wake_.cancel();
  }
}

asio::awaitable<void> Session::Run(std::shared_ptr<Session> self) {
  co_await self->Serve();
  self->CloseSocket();
}

asio::awaitable<void> Session::Serve() {
  while (!state_.stopping) {
    ReadOutcome outcome = co_await ReadRequest();
    if (outcome.close) co_return;
    if (outcome.error_status != 0) {
      co_await WriteProblemAndLinger(outcome.error_status, std::move(outcome.error_detail));
      co_return;
    }
    if (!co_await HandleRequest()) co_return;
  }
}

// --- Session: reading ---------------------------------------------------------------------

asio::awaitable<Session::ReadOutcome> Session::ReadRequest() {
  const ServerOptions& options = state_.options;
  parser_.emplace();
  parser_->header_limit(
      static_cast<uint32_t>(std::min<size_t>(options.header_bytes_max, UINT32_MAX)));
  parser_->body_limit(options.body_bytes_max);
  error_code ec;

  idle_ = true;
  if (buffer_.size() == 0) {
    // Keep-alive wait: the idle timeout runs until the first byte of the next request.
    deadline_.SetAfter(options.idle_timeout);
    size_t bytes = co_await socket_.async_read_some(buffer_.prepare(kFirstReadBytes), Await(ec));
    if (ec) co_return ReadOutcome{.close = true};
    buffer_.commit(bytes);
  }
  idle_ = false;
  request_started_ = SteadyClock::now();

  // From the first byte, the whole header must arrive within header_timeout (slowloris).
  deadline_.SetAfter(options.header_timeout);
  co_await bhttp::async_read_header(socket_, buffer_, *parser_, Await(ec));
  if (ec) co_return OutcomeOf(ec);
  if (std::string problem = FramingProblem(parser_->get()); !problem.empty()) {
    co_return ReadOutcome{.error_status = 400, .error_detail = "malformed request: " + problem};
  }
  if (parser_->get().target().size() > options.target_bytes_max) {
    co_return ReadOutcome{.error_status = 414,
                          .error_detail = "request target longer than " +
                                          std::to_string(options.target_bytes_max) + " bytes"};
  }

  if (!parser_->is_done()) {
    auto expect = parser_->get()[bhttp::field::expect];
    if (beast::iequals(expect, "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      co_await asio::async_write(socket_, asio::buffer(kContinue.data(), kContinue.size()),
                                 Await(ec));
      if (ec) co_return ReadOutcome{.close = true};
    }
    deadline_.SetAfter(options.body_timeout);
    co_await bhttp::async_read(socket_, buffer_, *parser_, Await(ec));
    if (ec) co_return OutcomeOf(ec);
  }
  deadline_.Clear();
  co_return ReadOutcome{};
}

Session::ReadOutcome Session::OutcomeOf(const error_code& ec) const {
  if (deadline_.expired() || !socket_.is_open() || IsConnectionLost(ec))
    return ReadOutcome{.close = true};
  if (ec == bhttp::error::header_limit && parser_->get().target().empty()) {
    // The request line alone did not fit: that is an over-long URL, not too many headers.
    return ReadOutcome{.error_status = 414,
                       .error_detail = "request line longer than " +
                                       std::to_string(state_.options.header_bytes_max) + " bytes"};
  }
  if (ec == bhttp::error::header_limit) {
    return ReadOutcome{.error_status = 431,
                       .error_detail = "request header larger than " +
                                       std::to_string(state_.options.header_bytes_max) + " bytes"};
  }
  if (ec == bhttp::error::body_limit) {
    return ReadOutcome{.error_status = 413,
                       .error_detail = "request body larger than " +
                                       std::to_string(state_.options.body_bytes_max) + " bytes"};
  }
  if (IsHttpParseError(ec)) {
    return ReadOutcome{.error_status = 400, .error_detail = "malformed request: " + ec.message()};
  }
  return ReadOutcome{.close = true};
}

// --- Session: handling --------------------------------------------------------------------

asio::awaitable<bool> Session::HandleRequest() {
  auto& message = parser_->get();
  const bool keep_alive = message.keep_alive();
  const unsigned version = message.version();
  // HEAD is answered by the GET route; the response keeps its headers and loses its body.
  const bool head_only = message.method() == bhttp::verb::head;
  // Unknown methods share one label so that clients cannot grow the metric set.
  const std::string_view method_label =
      message.method() == bhttp::verb::unknown ? "OTHER" : message.method_string();

  Request request = MakeRequest(message);
  std::string request_id = EnsureRequestId(request);
  std::string_view route_label = "unmatched";
  DispatchResult result = co_await Dispatch(std::move(request), route_label);
  const int status = result.response.status;

  bool keep = keep_alive && !result.close && !state_.stopping;
  if (result.stream) {
    co_await RunStream(std::move(result.response), std::move(result.stream), version, request_id);
    keep = false;
  } else if (!co_await WriteResponse(std::move(result.response), keep, version, request_id,
                                     head_only)) {
    keep = false;
  }
  std::chrono::duration<double> elapsed = SteadyClock::now() - request_started_;
  io_.metrics_cache.Record(route_label, method_label, status, elapsed.count());
  co_return keep;
}

Request Session::MakeRequest(bhttp::request<bhttp::string_body>& message) {
  Request request;
  request.method.assign(message.method_string());
  request.target.assign(message.target());
  for (const auto& field : message) {
    request.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  request.body = std::move(message.body());
  request.remote_address = remote_address_;
  return request;
}

std::string Session::EnsureRequestId(Request& request) {
  auto id = request.Header(kRequestIdHeader);
  std::string chosen = id && IsValidRequestId(*id) ? std::string(*id) : NewRequestId(io_.rng);
  // The handler sees exactly one id, the one the response will carry, so that its logs and
  // calls match (a second copy sent by the client is dropped with the first).
  SetHeader(request.headers, kRequestIdHeader, chosen);
  return chosen;
}

asio::awaitable<DispatchResult> Session::Dispatch(Request request, std::string_view& route_label) {
  std::string_view target = request.target;
  if (target.empty() || target.front() != '/')
    co_return DispatchResult{Problem(400, "invalid-request", "malformed request target"), nullptr,
                             true};
  auto parsed = ParseTarget(target);
  if (!parsed) co_return DispatchResult{Problem(parsed.error()), nullptr, true};
  request.path = std::move(parsed->path);
  request.query = std::move(parsed->query);

  // Routing runs on the raw path so that an escaped '/' inside an id stays inside its segment;
  // the parameters are decoded afterwards (ParseTarget has validated every escape).
  std::string_view raw_path = target.substr(0, target.find('?'));
  Router::Miss miss = Router::Miss::kNotFound;
  auto match = state_.router.Find(request.method, raw_path, &miss);
  if (!match && request.method == "HEAD") match = state_.router.Find("GET", raw_path, &miss);
  if (!match) {
    if (!state_.fallback) {
      co_return miss == Router::Miss::kMethodNotAllowed
          ? DispatchResult{Problem(405, "method-not-allowed",
                                   request.method + " is not allowed on " + request.path)}
          : DispatchResult{Problem(404, "not-found", "no route for " + request.path)};
    }
    co_return co_await AwaitDispatch(
        [&](Completion done) { StartAsync(state_.fallback, std::move(request), std::move(done)); });
  }

  const RouteEntry& entry = state_.routes[match->route_index];
  route_label = entry.pattern;
  request.route = std::move(match->pattern);
  for (auto& [name, value] : match->params) {
    auto decoded = PercentDecode(value, false);
    request.path_params.emplace(name, decoded ? std::move(*decoded) : std::move(value));
  }
  if (entry.kind == RouteKind::kInline)
    co_return DispatchResult{CallBlocking(entry.handler, request)};
  co_return co_await AwaitDispatch([&](Completion done) {
    switch (entry.kind) {
      case RouteKind::kInline:  // answered above
      case RouteKind::kBlocking:
        return StartBlocking(entry, std::move(request), std::move(done));
      case RouteKind::kAsync:
        return StartAsync(entry.async_handler, std::move(request), std::move(done));
      case RouteKind::kStream:
        return StartStream(entry, std::move(request), std::move(done));
    }
  });
}

asio::awaitable<DispatchResult> Session::AwaitDispatch(std::function<void(Completion)> start) {
  auto executor = socket_.get_executor();
  co_return co_await asio::async_initiate<const asio::use_awaitable_t<>&, void(DispatchResult)>(
      [executor, &start](auto handler) {
        // The coroutine's handler is move-only; Completion must be copyable (it becomes a
        // Respond), so the handler lives in a shared slot that the first call consumes.
        using Resume = decltype(handler);
        struct Slot {
          explicit Slot(Resume&& handler_to_own) : resume(std::move(handler_to_own)) {}
          Resume resume;
          std::atomic<bool> called{false};
        };
        auto slot = std::make_shared<Slot>(std::move(handler));
        start([executor, slot](DispatchResult result) {
          if (slot->called.exchange(true)) return;  // "exactly once"; later calls are ignored
          asio::post(executor, [slot, result = std::move(result)]() mutable {
            slot->resume(std::move(result));
          });
        });
      },
      asio::use_awaitable);
}

void Session::StartBlocking(const RouteEntry& entry, Request request, Completion done) {
  const Handler* handler = &entry.handler;
  bool queued = state_.workers->TryPost([handler, request = std::move(request), done] {
    done(DispatchResult{CallBlocking(*handler, request)});
  });
  if (queued) return;
  uint64_t rejected = ++state_.rejected_count;
  if (rejected % 1000 == 1)
    Log()->warn("http: worker queue full; {} requests refused so far", rejected);
  state_.metrics.CountRejected("worker-queue-full");
  done(DispatchResult{Problem(503, "service-unavailable", "server overloaded, try again later")});
}

void Session::StartAsync(const AsyncHandler& handler, Request request, Completion done) {
  Respond respond = [done](Response response) { done(DispatchResult{std::move(response)}); };
  std::string method = request.method;
  std::string route = request.route;
  try {
    handler(std::move(request), respond);
  } catch (const std::exception& error) {
    Log()->error("http: async handler for {} {} threw: {}", method, route, error.what());
    respond(Problem(500, "internal", "internal error"));
  } catch (...) {
    Log()->error("http: async handler for {} {} threw a non-exception", method, route);
    respond(Problem(500, "internal", "internal error"));
  }
}

void Session::StartStream(const RouteEntry& entry, Request request, Completion done) {
  auto task = [entry = &entry, request = std::move(request), done,
               executor = socket_.get_executor(), session = weak_from_this(),
               queue_max = state_.options.stream_queue_bytes_max] {
    Response head = CallBlocking(entry->head, request);
    // HEAD: the answer a GET would start with, and no stream.
    if (head.status != 200 || request.method == "HEAD")
      return done(DispatchResult{std::move(head)});
    auto stream = std::make_shared<StreamImpl>(executor, session, queue_max);
    done(DispatchResult{std::move(head), stream});
    try {
      entry->stream_handler(request, stream);
    } catch (const std::exception& error) {
      Log()->error("http: stream handler for {} threw: {}", request.route, error.what());
      stream->Close();
    } catch (...) {
      Log()->error("http: stream handler for {} threw a non-exception", request.route);
      stream->Close();
    }
  };
  if (state_.workers->TryPost(std::move(task))) return;
  state_.metrics.CountRejected("worker-queue-full");
  done(DispatchResult{Problem(503, "service-unavailable", "server overloaded, try again later")});
}

// --- Session: writing ---------------------------------------------------------------------

asio::awaitable<bool> Session::WriteResponse(Response response, bool keep_alive, unsigned version,
                                             const std::string& request_id, bool head_only) {
  int status = response.status;
  if (status < 100 || status > 999) {
    Log()->error("http: handler returned status {}; sending 500", status);
    response = Problem(500, "internal", "internal error");
    status = 500;
  }
  // 1xx, 204 and 304 carry no body (RFC 9110); Beast refuses to frame one.
  const bool has_body = status >= 200 && status != 204 && status != 304;
  error_code ec;
  deadline_.SetAfter(state_.options.body_timeout);
  if (head_only) {
    // The Content-Length a GET would have, and no body (RFC 9110 section 9.3.2).
    bhttp::response<bhttp::empty_body> message;
    message.version(version);
    message.result(static_cast<unsigned>(status));
    CopyHeaders(response.headers, message);
    message.set(kRequestIdHeader, request_id);
    if (has_body) message.content_length(response.body.size());
    message.keep_alive(keep_alive);
    co_await bhttp::async_write(socket_, message, Await(ec));
  } else {
    bhttp::response<bhttp::string_body> message;
    message.version(version);
    message.result(static_cast<unsigned>(status));
    CopyHeaders(response.headers, message);
    message.set(kRequestIdHeader, request_id);
    if (has_body) message.body() = std::move(response.body);
    message.keep_alive(keep_alive);
    message.prepare_payload();
    co_await bhttp::async_write(socket_, message, Await(ec));
  }
  deadline_.Clear();
  co_return !ec;
}

asio::awaitable<void> Session::RunStream(Response head, std::shared_ptr<StreamImpl> stream,
                                         unsigned version, const std::string& request_id) {
  stream_ = stream;
  bhttp::response<bhttp::empty_body> message{bhttp::status::ok, version};
  CopyHeaders(head.headers, message);
  message.set(kRequestIdHeader, request_id);
  message.keep_alive(false);  // the stream ends with the connection
  message.chunked(true);
  bhttp::response_serializer<bhttp::empty_body> serializer{message};
  error_code ec;
  deadline_.SetAfter(state_.options.body_timeout);
  co_await bhttp::async_write_header(socket_, serializer, Await(ec));
  deadline_.Clear();
  if (ec) co_return;
  if (!head.body.empty()) stream->Write(std::move(head.body));
  if (state_.stopping) stream->Close();
  // A reader notices the peer going away while the writer waits for data.
  asio::co_spawn(socket_.get_executor(), ReadUntilClosed(shared_from_this()), asio::detached);

  std::string batch;
  for (;;) {
    batch.clear();
    switch (stream->Take(batch)) {
      case StreamImpl::TakeResult::kAborted:
        co_return;
      case StreamImpl::TakeResult::kIdle:
        stream_wake_.expires_at(SteadyClock::time_point::max());
        co_await stream_wake_.async_wait(Await(ec));
        if (!socket_.is_open()) co_return;
        break;
      case StreamImpl::TakeResult::kData:
        deadline_.SetAfter(state_.options.body_timeout);
        co_await asio::async_write(socket_, bhttp::make_chunk(asio::buffer(batch)), Await(ec));
        deadline_.Clear();
        if (ec) co_return;
        break;
      case StreamImpl::TakeResult::kFinished:
        deadline_.SetAfter(state_.options.body_timeout);
        co_await asio::async_write(socket_, bhttp::make_chunk_last(), Await(ec));
        co_return;
    }
  }
}

asio::awaitable<void> Session::ReadUntilClosed(std::shared_ptr<Session> self) {
  std::array<char, 512> scratch;
  error_code ec;
  while (!ec) co_await self->socket_.async_read_some(asio::buffer(scratch), Await(ec));
  if (self->stream_) self->stream_->Abort();
  self->stream_wake_.cancel();
}

asio::awaitable<void> Session::WriteProblemAndLinger(int status, std::string detail) {
  std::string_view slug = status == 431   ? "header-too-large"
                          : status == 413 ? "payload-too-large"
                          : status == 414 ? "uri-too-long"
                                          : "invalid-request";
  co_await WriteResponse(Problem(status, std::string(slug), std::move(detail)), false, 11,
                         NewRequestId(io_.rng));
  std::chrono::duration<double> elapsed = SteadyClock::now() - request_started_;
  io_.metrics_cache.Record("invalid", "OTHER", status, elapsed.count());
  co_await LingerAndClose();
}

asio::awaitable<void> Session::LingerAndClose() {
  error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  deadline_.SetAfter(kLingerTime);
  std::array<char, 4096> scratch;
  size_t discarded = 0;
  while (!ec && discarded < kLingerBytesMax) {
    discarded += co_await socket_.async_read_some(asio::buffer(scratch), Await(ec));
  }
  CloseSocket();
}

}  // namespace tinysaga::http::internal
