#include "tinysaga/http/client.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <array>
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <deque>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_set>
#include <vector>

#include "asio_common.h"
#include "tinysaga/core/thread_name.h"

namespace tinysaga::http {
namespace internal {
namespace {

constexpr uint32_t kResponseHeaderBytesMax = 64 * 1024;
constexpr std::chrono::milliseconds kShutdownWait{2'000};

std::shared_ptr<spdlog::logger> Log() {
  auto logger = spdlog::get("http");
  return logger ? logger : spdlog::default_logger();
}

using Message = bhttp::request<bhttp::string_body>;
using Done = std::function<void(Result<Response>)>;

// Counts calls that have not completed yet, so that the client's destructor can wait for them.
struct Outstanding {
  std::mutex mutex;
  std::condition_variable zero;
  size_t count = 0;

  void Add() {
    std::lock_guard lock(mutex);
    ++count;
  }
  void Remove() {
    {
      std::lock_guard lock(mutex);
      --count;
    }
    zero.notify_all();
  }
  bool WaitZero(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex);
    return zero.wait_for(lock, timeout, [this] { return count == 0; });
  }
};

// Calls `done` exactly once: explicitly, or with kUnavailable if the request is dropped
// unanswered (the client was destroyed while it waited). Move-only.
class DoneOnce {
 public:
  // Shares `outstanding`: a call on a hosted thread (HostedThreads) may end after its client.
  DoneOnce(Done done, std::shared_ptr<Outstanding> outstanding)
      : done_(std::move(done)), outstanding_(std::move(outstanding)) {
    outstanding_->Add();
  }
  DoneOnce(DoneOnce&& other) noexcept
      : done_(std::exchange(other.done_, nullptr)), outstanding_(std::move(other.outstanding_)) {}
  DoneOnce& operator=(DoneOnce&& other) noexcept {
    if (this != &other) {
      DropUnanswered();
      done_ = std::exchange(other.done_, nullptr);
      outstanding_ = std::move(other.outstanding_);
    }
    return *this;
  }
  ~DoneOnce() { DropUnanswered(); }

  void operator()(Result<Response> result) {
    Done done = std::exchange(done_, nullptr);
    try {
      done(std::move(result));
    } catch (const std::exception& error) {
      Log()->error("http client: completion callback threw: {}", error.what());
    } catch (...) {
      Log()->error("http client: completion callback threw");
    }
    outstanding_->Remove();
  }

 private:
  void DropUnanswered() {
    if (done_) (*this)(Error{Errc::kUnavailable, "client shut down"});
  }

  Done done_;
  std::shared_ptr<Outstanding> outstanding_;
};

struct PendingRequest {
  Message message;
  DoneOnce done;
  SteadyClock::time_point deadline;
  std::chrono::milliseconds timeout;
  bool safe_to_repeat = false;  // Request::SafeToRepeat
};

class Pool;
struct ClientThread;

// One TCP connection, pooled or carrying a stream. Lives on its thread; owned by the pool's
// idle list or by the coroutine using it, and by its deadline watchdog until closed.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  explicit Connection(ClientThread& thread);
  ~Connection();

  static std::shared_ptr<Connection> Create(ClientThread& thread);
  void OnDeadline() { Close(); }
  void Close();

  ClientThread& thread;
  tcp::socket socket;
  beast::flat_buffer buffer;  // reused across the connection's responses
  Deadline deadline;
  bool connected = false;
  bool used = false;  // completed an exchange: a failure may mean the server closed it idle
  bool keep_alive = false;
};

// The connections to one endpoint on one client thread, and the requests waiting for one.
// Used only on its thread.
class Pool {
 public:
  Pool(ClientThread& thread, Endpoint endpoint, const ClientOptions& options,
       size_t connections_max, size_t waiting_max);

  void Submit(PendingRequest request);
  void Shutdown();

 private:
  void Run(std::shared_ptr<Connection> connection, PendingRequest request);
  asio::awaitable<void> Execute(std::shared_ptr<Connection> connection, PendingRequest request);
  asio::awaitable<Result<Response>> Exchange(std::shared_ptr<Connection>& connection,
                                             PendingRequest& request);
  asio::awaitable<std::optional<Error>> Connect(Connection& connection,
                                                SteadyClock::time_point request_deadline);
  void Release(std::shared_ptr<Connection> connection);
  void ArmSweeper();
  asio::awaitable<void> Sweep();

  ClientThread& thread_;
  const Endpoint endpoint_;
  const ClientOptions& options_;
  const size_t connections_max_;
  const size_t waiting_max_;
  std::vector<std::shared_ptr<Connection>> idle_;  // last in, first out: the warmest first
  size_t open_ = 0;                                // idle, busy and connecting
  std::deque<PendingRequest> waiting_;
  asio::steady_timer sweeper_;  // fails waiting requests whose deadline passed
  bool sweeping_ = false;
};

// One thread's share of a client: its pools and connections, on a context the thread runs.
// Members are used only on the thread, except `context`. The context is the client's own
// (a client I/O thread, or a caller's in SendAndWait) or a server's I/O thread's (`host`,
// see HostedThreads). The pools (and their timers) are destroyed before an own context; the
// connection set after it. `options` is a copy: a hosted thread may outlive its client.
struct ClientThread {
  explicit ClientThread(const ClientOptions& client_options, asio::io_context* host = nullptr)
      : options(client_options),
        own_context(host ? nullptr : std::make_unique<asio::io_context>(1)),
        context(host ? *host : *own_context) {}

  const ClientOptions options;
  std::unordered_set<Connection*> connections;
  bool stopping = false;
  std::thread thread;
  std::unique_ptr<asio::io_context> own_context;
  asio::io_context& context;
  std::map<Endpoint, std::unique_ptr<Pool>> pools;

  Pool& PoolFor(const Endpoint& endpoint, size_t connections_max, size_t waiting_max) {
    auto& pool = pools[endpoint];
    if (!pool)
      pool = std::make_unique<Pool>(*this, endpoint, options, connections_max, waiting_max);
    return *pool;
  }
};

// Closes what a client thread holds and lets its coroutines end. Call on the thread that runs
// its context, or when nothing runs it. Calling it again does nothing more.
void ShutDown(ClientThread& thread) {
  thread.stopping = true;
  for (auto& [endpoint, pool] : thread.pools) pool->Shutdown();
  std::vector<Connection*> connections(thread.connections.begin(), thread.connections.end());
  for (auto* connection : connections) connection->Close();
}

// The contexts on which blocking calls (SendAndWait) run on their caller's own thread: one per
// client and calling thread, with its keep-alive connections, run only while that thread waits
// for its answer. Handing each call to a client I/O thread and its answer back cost two thread
// switches per call (a service's calls to its peers are all blocking ones, on its HTTP
// workers). A caller's context goes when its thread exits or the client does, whichever comes
// first; whoever takes it out of `threads` shuts it down.
struct CallerThreads {
  std::mutex mutex;
  std::map<std::thread::id, std::unique_ptr<ClientThread>> threads;

  std::unique_ptr<ClientThread> Take(std::thread::id id) {
    std::lock_guard lock(mutex);
    auto found = threads.find(id);
    if (found == threads.end()) return nullptr;
    auto thread = std::move(found->second);
    threads.erase(found);
    return thread;
  }
};

void Discard(std::unique_ptr<ClientThread> thread) {
  if (!thread) return;
  ShutDown(*thread);
  thread->context.restart();
  thread->context.poll();  // the closed connections' coroutines end
}

// This thread's caller contexts, of every client it called; ends them with the thread.
class CallerSlots {
 public:
  ~CallerSlots() {
    for (auto& [owner, thread] : slots_) {
      if (auto alive = owner.lock()) Discard(alive->Take(std::this_thread::get_id()));
    }
  }

  ClientThread& For(const std::shared_ptr<CallerThreads>& owner, const ClientOptions& options) {
    for (auto it = slots_.begin(); it != slots_.end();) {
      auto alive = it->first.lock();
      if (!alive) {
        it = slots_.erase(it);  // a client that is gone
      } else if (alive == owner) {
        return *it->second;
      } else {
        ++it;
      }
    }
    auto thread = std::make_unique<ClientThread>(options);
    ClientThread& created = *thread;
    {
      std::lock_guard lock(owner->mutex);
      owner->threads.emplace(std::this_thread::get_id(), std::move(thread));
    }
    slots_.emplace_back(owner, &created);
    return created;
  }

 private:
  std::vector<std::pair<std::weak_ptr<CallerThreads>, ClientThread*>> slots_;
};

thread_local CallerSlots t_caller_slots;

// The client's threads that live on servers' I/O threads: a Send made on one runs its exchange
// there, and its `done` runs there too. A gateway proxies each request from its I/O thread;
// handing the exchange to a client thread and the answer back cost two thread switches per
// request. Each is a guest of its host (IoThreadHost), which owns it; `threads` finds it.
// The host's Leave and the client's destructor both take `mutex` and remove the entry, so the
// destructor posts to a host's context only while that context exists.
struct HostedThreads {
  std::mutex mutex;
  std::map<IoThreadHost*, std::shared_ptr<ClientThread>> threads;
};

class HostedGuest final : public IoThreadGuest {
 public:
  HostedGuest(std::shared_ptr<ClientThread> thread, std::weak_ptr<HostedThreads> owner,
              IoThreadHost* host)
      : thread_(std::move(thread)), owner_(std::move(owner)), host_(host) {}

  void Leave() override {
    if (auto owner = owner_.lock()) {
      std::lock_guard lock(owner->mutex);
      owner->threads.erase(host_);
    }
    ShutDown(*thread_);
  }
  void Clear() override { thread_->pools.clear(); }

 private:
  std::shared_ptr<ClientThread> thread_;
  std::weak_ptr<HostedThreads> owner_;
  IoThreadHost* host_;
};

Error Unavailable(std::string detail) { return Error{Errc::kUnavailable, std::move(detail)}; }

Response ToResponse(bhttp::response<bhttp::string_body>& message) {
  Response response;
  response.status = static_cast<int>(message.result_int());
  for (const auto& field : message) {
    response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  response.body = std::move(message.body());
  return response;
}

template <typename Fields>
Response HeadOf(const Fields& message, int status) {
  Response response;
  response.status = status;
  for (const auto& field : message) {
    response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  return response;
}

// Framing and connection headers are the client's business, never the caller's.
bool IsManagedRequestHeader(std::string_view name) {
  return beast::iequals(name, "Host") || beast::iequals(name, "Content-Length") ||
         beast::iequals(name, "Transfer-Encoding") || beast::iequals(name, "Connection") ||
         beast::iequals(name, "Keep-Alive");
}

Message BuildMessage(const Endpoint& endpoint, Request request) {
  Message message;
  bhttp::verb verb = bhttp::string_to_verb(request.method);
  if (verb == bhttp::verb::unknown) {
    message.method_string(request.method);
  } else {
    message.method(verb);
  }
  message.target(request.target.empty() ? std::string_view("/") : std::string_view(request.target));
  message.version(11);
  for (const auto& [name, value] : request.headers) {
    if (!IsManagedRequestHeader(name)) message.insert(name, value);
  }
  message.set(bhttp::field::host, endpoint.ToString());
  message.body() = std::move(request.body);
  message.prepare_payload();
  return message;
}

// --- Connection ---------------------------------------------------------------------------

Connection::Connection(ClientThread& owner)
    : thread(owner), socket(owner.context), deadline(owner.context.get_executor()) {}

Connection::~Connection() { thread.connections.erase(this); }

std::shared_ptr<Connection> Connection::Create(ClientThread& thread) {
  auto connection = std::make_shared<Connection>(thread);
  thread.connections.insert(connection.get());
  asio::co_spawn(thread.context, Deadline::Watch(connection, connection->deadline), asio::detached);
  return connection;
}

void Connection::Close() {
  error_code ec;
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
  deadline.Cancel();
}

asio::awaitable<std::optional<Error>> ConnectTo(Connection& connection, const Endpoint& endpoint,
                                                SteadyClock::time_point deadline) {
  connection.deadline.Set(deadline);
  error_code ec;
  std::vector<tcp::endpoint> addresses;
  auto address = asio::ip::make_address(endpoint.host, ec);
  if (!ec) {
    addresses.emplace_back(address, endpoint.port);
  } else {
    tcp::resolver resolver(connection.thread.context);
    auto results =
        co_await resolver.async_resolve(endpoint.host, std::to_string(endpoint.port), Await(ec));
    if (ec) co_return Unavailable("cannot resolve " + endpoint.host + ": " + ec.message());
    for (const auto& entry : results) addresses.push_back(entry.endpoint());
  }
  co_await asio::async_connect(connection.socket, addresses, Await(ec));
  if (ec || !connection.socket.is_open()) {
    bool timed_out = connection.deadline.expired();
    connection.Close();
    co_return Unavailable((timed_out
                               ? "connect to " + endpoint.ToString() + " timed out"
                               : "connect to " + endpoint.ToString() + " failed: " + ec.message()));
  }
  connection.socket.set_option(tcp::no_delay(true), ec);
  connection.connected = true;
  connection.deadline.Clear();
  co_return std::nullopt;
}

// Whether an idle keep-alive connection can still carry a request. A server that closed it
// (idle timeout, restart) has sent a FIN, which reads as end of file; an idle connection has
// nothing else to read. Checked before reuse, because once a request is written to it, a lost
// connection no longer tells whether the server acted on the request.
bool StillOpen(Connection& connection) {
  char byte;
  ssize_t received = ::recv(connection.socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return received < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

// --- Pool ---------------------------------------------------------------------------------

Pool::Pool(ClientThread& thread, Endpoint endpoint, const ClientOptions& options,
           size_t connections_max, size_t waiting_max)
    : thread_(thread),
      endpoint_(std::move(endpoint)),
      options_(options),
      connections_max_(connections_max),
      waiting_max_(waiting_max),
      sweeper_(thread.context) {}

void Pool::Submit(PendingRequest request) {
  if (thread_.stopping) return request.done(Unavailable("client shut down"));
  while (!idle_.empty()) {
    auto connection = std::move(idle_.back());
    idle_.pop_back();
    if (StillOpen(*connection)) return Run(std::move(connection), std::move(request));
    connection->Close();
    --open_;
  }
  if (open_ < connections_max_) {
    ++open_;
    return Run(Connection::Create(thread_), std::move(request));
  }
  if (waiting_.size() >= waiting_max_) {
    Log()->warn("http client: {} requests already wait for a connection to {}", waiting_.size(),
                endpoint_.ToString());
    return request.done(
        Unavailable("too many requests waiting for a connection to " + endpoint_.ToString()));
  }
  waiting_.push_back(std::move(request));
  ArmSweeper();
}

void Pool::Shutdown() {
  std::deque<PendingRequest> waiting;
  waiting.swap(waiting_);
  for (auto& request : waiting) request.done(Unavailable("client shut down"));
  for (auto& connection : idle_) connection->Close();
  idle_.clear();
  sweeper_.cancel();
}

void Pool::Run(std::shared_ptr<Connection> connection, PendingRequest request) {
  asio::co_spawn(thread_.context, Execute(std::move(connection), std::move(request)),
                 asio::detached);
}

asio::awaitable<void> Pool::Execute(std::shared_ptr<Connection> connection,
                                    PendingRequest request) {
  Result<Response> result = co_await Exchange(connection, request);
  bool reusable =
      result.ok() && connection->keep_alive && connection->socket.is_open() && !thread_.stopping;
  if (!reusable) connection->Close();
  request.done(std::move(result));
  Release(reusable ? std::move(connection) : nullptr);
}

asio::awaitable<Result<Response>> Pool::Exchange(std::shared_ptr<Connection>& connection,
                                                 PendingRequest& request) {
  for (int attempt = 0;; ++attempt) {
    // A reused connection may still have been closed by the server just as the request went
    // out (StillOpen saw it open). If writing fails, the server has not read the whole
    // request, so a fresh connection may carry it again, once. If the connection is lost
    // after the request went out with nothing answered, the server may have acted on it (or
    // crashed doing so): only a request that is safe to repeat goes again; any other ends as
    // kTimeout, outcome unknown, for the caller to resolve (idempotent retry, reconciliation).
    const bool may_retry = connection->used && attempt == 0;
    if (!connection->connected) {
      auto connect_deadline =
          std::min(request.deadline, SteadyClock::now() + options_.connect_timeout);
      if (auto error = co_await ConnectTo(*connection, endpoint_, connect_deadline))
        co_return *error;
    }
    connection->deadline.Set(request.deadline);
    error_code ec;
    co_await bhttp::async_write(connection->socket, request.message, Await(ec));
    if (ec) {
      connection->Close();
      if (may_retry && IsConnectionLost(ec)) {
        connection = Connection::Create(thread_);
        continue;
      }
      if (thread_.stopping) co_return Unavailable("client shut down");
      co_return Unavailable("sending to " + endpoint_.ToString() + " failed: " + ec.message());
    }

    bhttp::response_parser<bhttp::string_body> parser;
    parser.header_limit(kResponseHeaderBytesMax);
    parser.body_limit(options_.response_body_bytes_max);
    co_await bhttp::async_read(connection->socket, connection->buffer, parser, Await(ec));
    if (ec) {
      const bool nothing_received = !parser.got_some() && connection->buffer.size() == 0;
      const bool timed_out = connection->deadline.expired();
      connection->Close();
      if (may_retry && request.safe_to_repeat && nothing_received && IsConnectionLost(ec)) {
        connection = Connection::Create(thread_);
        continue;
      }
      if (thread_.stopping) co_return Unavailable("client shut down");
      if (ec == bhttp::error::body_limit) {
        co_return Error{Errc::kInternal, "response from " + endpoint_.ToString() + " is too large"};
      }
      // The request went out: whether it took effect is unknown.
      co_return Error{Errc::kTimeout,
                      timed_out ? "no response from " + endpoint_.ToString() + " within " +
                                      std::to_string(request.timeout.count()) + " ms"
                                : "connection to " + endpoint_.ToString() +
                                      " lost before the response: " + ec.message()};
    }
    connection->deadline.Clear();
    connection->used = true;
    connection->keep_alive = parser.get().keep_alive();
    co_return ToResponse(parser.get());
  }
}

void Pool::Release(std::shared_ptr<Connection> connection) {
  if (!connection) --open_;
  while (!waiting_.empty()) {
    if (waiting_.front().deadline <= SteadyClock::now()) {
      // Never sent: the caller may safely try elsewhere.
      waiting_.front().done(
          Unavailable("no free connection to " + endpoint_.ToString() + " in time"));
      waiting_.pop_front();
      continue;
    }
    if (!connection) {
      if (open_ >= connections_max_ || thread_.stopping) break;
      ++open_;
      connection = Connection::Create(thread_);
    }
    PendingRequest next = std::move(waiting_.front());
    waiting_.pop_front();
    return Run(std::move(connection), std::move(next));
  }
  if (connection) idle_.push_back(std::move(connection));
}

void Pool::ArmSweeper() {
  if (sweeping_) return;
  sweeping_ = true;
  asio::co_spawn(thread_.context, Sweep(), asio::detached);
}

asio::awaitable<void> Pool::Sweep() {
  while (!waiting_.empty() && !thread_.stopping) {
    auto earliest = waiting_.front().deadline;
    for (const auto& request : waiting_) earliest = std::min(earliest, request.deadline);
    sweeper_.expires_at(earliest);
    error_code ec;
    co_await sweeper_.async_wait(Await(ec));
    auto now = SteadyClock::now();
    for (auto it = waiting_.begin(); it != waiting_.end();) {
      if (it->deadline > now) {
        ++it;
        continue;
      }
      it->done(Unavailable("no free connection to " + endpoint_.ToString() + " in time"));
      it = waiting_.erase(it);
    }
  }
  sweeping_ = false;
}

// --- Streams ------------------------------------------------------------------------------

struct StreamState {
  std::atomic<bool> cancelled{false};
  std::shared_ptr<Connection> connection;  // client thread only
};

class StreamCall {
 public:
  StreamCall(ClientThread& thread, Endpoint endpoint, Message message, StreamCallbacks callbacks,
             std::shared_ptr<StreamState> state, const ClientOptions& options,
             Outstanding& outstanding)
      : thread_(thread),
        endpoint_(std::move(endpoint)),
        message_(std::move(message)),
        callbacks_(std::move(callbacks)),
        state_(std::move(state)),
        options_(options),
        outstanding_(outstanding) {}

  static asio::awaitable<void> Run(std::unique_ptr<StreamCall> call) {
    Result<void> end = co_await call->Exchange();
    if (call->state_->connection) call->state_->connection->Close();
    call->state_->connection.reset();
    if (call->callbacks_.on_end) call->callbacks_.on_end(std::move(end));
    call->outstanding_.Remove();
  }

 private:
  asio::awaitable<Result<void>> Exchange();
  asio::awaitable<Result<void>> ReadBody(Connection& connection,
                                         bhttp::response_parser<bhttp::buffer_body>& parser);

  ClientThread& thread_;
  Endpoint endpoint_;
  Message message_;
  StreamCallbacks callbacks_;
  std::shared_ptr<StreamState> state_;
  const ClientOptions& options_;
  Outstanding& outstanding_;
};

asio::awaitable<Result<void>> StreamCall::Exchange() {
  if (thread_.stopping || state_->cancelled) co_return Ok();
  auto connection = Connection::Create(thread_);
  state_->connection = connection;
  auto deadline = SteadyClock::now() + options_.request_timeout;
  if (auto error =
          co_await ConnectTo(*connection, endpoint_,
                             std::min(deadline, SteadyClock::now() + options_.connect_timeout))) {
    co_return state_->cancelled ? Ok() : Result<void>(*error);
  }
  connection->deadline.Set(deadline);
  error_code ec;
  co_await bhttp::async_write(connection->socket, message_, Await(ec));
  if (ec)
    co_return state_->cancelled
        ? Ok()
        : Result<void>(Unavailable("sending the stream request failed: " + ec.message()));

  bhttp::response_parser<bhttp::buffer_body> parser;
  parser.header_limit(kResponseHeaderBytesMax);
  parser.body_limit(std::numeric_limits<uint64_t>::max());
  co_await bhttp::async_read_header(connection->socket, connection->buffer, parser, Await(ec));
  if (ec) {
    if (state_->cancelled) co_return Ok();
    co_return Error{Errc::kTimeout,
                    "no stream head from " + endpoint_.ToString() + ": " + ec.message()};
  }
  connection->deadline.Clear();  // a stream has no overall timeout once its head has arrived
  if (callbacks_.on_head)
    callbacks_.on_head(HeadOf(parser.get(), static_cast<int>(parser.get().result_int())));
  co_return co_await ReadBody(*connection, parser);
}

asio::awaitable<Result<void>> StreamCall::ReadBody(
    Connection& connection, bhttp::response_parser<bhttp::buffer_body>& parser) {
  std::array<char, 16 * 1024> chunk;
  while (!parser.is_done()) {
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    error_code ec;
    co_await bhttp::async_read_some(connection.socket, connection.buffer, parser, Await(ec));
    if (ec == bhttp::error::need_buffer) ec = {};
    size_t received = chunk.size() - parser.get().body().size;
    if (received > 0 && callbacks_.on_data &&
        !callbacks_.on_data(std::string_view(chunk.data(), received))) {
      co_return Ok();  // the consumer stopped reading
    }
    if (ec) {
      if (state_->cancelled || thread_.stopping) co_return Ok();
      co_return Unavailable("stream from " + endpoint_.ToString() + " broken: " + ec.message());
    }
  }
  co_return Ok();
}

}  // namespace
}  // namespace internal

// --- Endpoint -----------------------------------------------------------------------------

Result<Endpoint> Endpoint::Parse(std::string_view url) {
  std::string_view rest = url;
  if (rest.starts_with("http://")) rest.remove_prefix(7);
  if (size_t slash = rest.find('/'); slash != std::string_view::npos) {
    if (rest.substr(slash) != "/")
      return Error{Errc::kInvalidRequest, "endpoint with a path: " + std::string(url)};
    rest = rest.substr(0, slash);
  }
  size_t colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Error{Errc::kInvalidRequest, "endpoint needs host:port: " + std::string(url)};
  }
  std::string_view host = rest.substr(0, colon);
  std::string_view port_text = rest.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
      port > 65535) {
    return Error{Errc::kInvalidRequest, "endpoint with a bad port: " + std::string(url)};
  }
  return Endpoint{std::string(host), static_cast<uint16_t>(port)};
}

std::string Endpoint::ToString() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

// --- Client -------------------------------------------------------------------------------

// Requests go round-robin to the client threads; each thread has its own pools, so the
// per-endpoint bounds are split evenly between threads.
class Client::Impl {
 public:
  explicit Impl(ClientOptions options);
  ~Impl();

  void Send(const Endpoint& endpoint, Request request, internal::Done done,
            std::chrono::milliseconds timeout);
  Result<Response> SendAndWait(const Endpoint& endpoint, Request request,
                               std::chrono::milliseconds timeout);
  std::function<void()> Stream(const Endpoint& endpoint, Request request,
                               StreamCallbacks callbacks);

 private:
  internal::ClientThread& NextThread() { return *threads_[next_.fetch_add(1) % threads_.size()]; }
  // This thread's share of the client when it is a server's I/O thread; else null.
  internal::ClientThread* HostedThread();
  bool OnClientThread() const;

  const ClientOptions options_;
  size_t connections_max_per_thread_;
  size_t waiting_max_per_thread_;
  std::shared_ptr<internal::Outstanding> outstanding_ = std::make_shared<internal::Outstanding>();
  std::vector<std::unique_ptr<internal::ClientThread>> threads_;
  // What a stream's cancel function posts to; emptied before the threads go, so a cancel that
  // outlives the client does nothing.
  struct CancelTarget {
    std::mutex mutex;
    internal::asio::io_context* context = nullptr;
  };
  std::vector<std::shared_ptr<CancelTarget>> cancel_targets_;
  std::vector<internal::asio::executor_work_guard<internal::asio::io_context::executor_type>>
      work_guards_;
  std::atomic<size_t> next_{0};
  std::shared_ptr<internal::CallerThreads> caller_threads_ =
      std::make_shared<internal::CallerThreads>();
  std::shared_ptr<internal::HostedThreads> hosted_threads_ =
      std::make_shared<internal::HostedThreads>();
};

Client::Impl::Impl(ClientOptions options) : options_(std::move(options)) {
  size_t count = static_cast<size_t>(std::max(1, options_.io_threads));
  connections_max_per_thread_ =
      std::max<size_t>(1, (options_.connections_per_endpoint_max + count - 1) / count);
  waiting_max_per_thread_ = (options_.waiting_requests_max + count - 1) / count;
  for (size_t i = 0; i < count; ++i) {
    auto thread = std::make_unique<internal::ClientThread>(options_);
    work_guards_.push_back(internal::asio::make_work_guard(thread->context));
    thread->thread = std::thread([&context = thread->context] {
      NameThisThread("http-client");
      context.run();
    });
    cancel_targets_.push_back(std::make_shared<CancelTarget>());
    cancel_targets_.back()->context = &thread->context;
    threads_.push_back(std::move(thread));
  }
}

Client::Impl::~Impl() {
  for (auto& target : cancel_targets_) {
    std::lock_guard lock(target->mutex);
    target->context = nullptr;
  }
  // Fail what waits, close every connection (in-flight calls end with kUnavailable), give the
  // callbacks a moment to run on their threads, then stop and join.
  for (auto& thread : threads_) {
    internal::asio::post(thread->context, [&thread = *thread] { internal::ShutDown(thread); });
  }
  {
    std::lock_guard lock(hosted_threads_->mutex);
    for (auto& [host, thread] : hosted_threads_->threads) {
      internal::asio::post(*host->context, [thread] { internal::ShutDown(*thread); });
    }
    hosted_threads_->threads.clear();
  }
  if (!outstanding_->WaitZero(internal::kShutdownWait)) {
    internal::Log()->warn("http client: calls still pending at shutdown; dropping them");
  }
  std::map<std::thread::id, std::unique_ptr<internal::ClientThread>> callers;
  {
    std::lock_guard lock(caller_threads_->mutex);
    callers.swap(caller_threads_->threads);
  }
  for (auto& [id, thread] : callers) internal::Discard(std::move(thread));
  work_guards_.clear();
  for (auto& thread : threads_) {
    thread->context.stop();
    thread->thread.join();
  }
}

bool Client::Impl::OnClientThread() const {
  for (const auto& thread : threads_) {
    if (thread->thread.get_id() == std::this_thread::get_id()) return true;
  }
  return false;
}

internal::ClientThread* Client::Impl::HostedThread() {
  using namespace internal;
  IoThreadHost* host = t_io_thread_host;
  if (host == nullptr) return nullptr;
  std::lock_guard lock(hosted_threads_->mutex);
  auto& thread = hosted_threads_->threads[host];
  if (!thread) {
    thread = std::make_shared<ClientThread>(options_, host->context);
    host->guests.push_back(std::make_shared<HostedGuest>(thread, hosted_threads_, host));
  }
  return thread.get();
}

void Client::Impl::Send(const Endpoint& endpoint, Request request, internal::Done done,
                        std::chrono::milliseconds timeout) {
  using namespace internal;
  if (endpoint.host.empty() || endpoint.port == 0) {
    DoneOnce once(std::move(done), outstanding_);
    auto& thread = NextThread();
    asio::post(thread.context, [once = std::move(once), endpoint]() mutable {
      once(Error{Errc::kInvalidRequest, "malformed endpoint " + endpoint.ToString()});
    });
    return;
  }
  if (timeout <= std::chrono::milliseconds::zero()) timeout = options_.request_timeout;
  const bool safe_to_repeat = request.SafeToRepeat();
  PendingRequest pending{BuildMessage(endpoint, std::move(request)),
                         DoneOnce(std::move(done), outstanding_), SteadyClock::now() + timeout,
                         timeout, safe_to_repeat};
  // Posted even to this thread's own hosted share: `done` never runs inside Send.
  ClientThread* hosted = HostedThread();
  ClientThread& thread = hosted ? *hosted : NextThread();
  asio::post(thread.context,
             [&thread, endpoint, connections_max = connections_max_per_thread_,
              waiting_max = waiting_max_per_thread_, pending = std::move(pending)]() mutable {
               thread.PoolFor(endpoint, connections_max, waiting_max).Submit(std::move(pending));
             });
}

Result<Response> Client::Impl::SendAndWait(const Endpoint& endpoint, Request request,
                                           std::chrono::milliseconds timeout) {
  using namespace internal;
  if (OnClientThread()) {
    return Error{Errc::kInternal, "SendAndWait called on a client I/O thread (it would deadlock)"};
  }
  if (endpoint.host.empty() || endpoint.port == 0)
    return Error{Errc::kInvalidRequest, "malformed endpoint " + endpoint.ToString()};
  if (timeout <= std::chrono::milliseconds::zero()) timeout = options_.request_timeout;
  // The exchange runs here, on this thread's own context (CallerThreads).
  ClientThread& own = t_caller_slots.For(caller_threads_, options_);
  std::optional<Result<Response>> result;
  const bool safe_to_repeat = request.SafeToRepeat();
  PendingRequest pending{
      BuildMessage(endpoint, std::move(request)),
      DoneOnce([&result](Result<Response> answer) { result = std::move(answer); }, outstanding_),
      SteadyClock::now() + timeout, timeout, safe_to_repeat};
  own.context.restart();
  own.PoolFor(endpoint, connections_max_per_thread_, waiting_max_per_thread_)
      .Submit(std::move(pending));
  while (!result) {
    if (own.context.run_one() == 0) return Error{Errc::kInternal, "http client: call lost"};
  }
  return std::move(*result);
}

std::function<void()> Client::Impl::Stream(const Endpoint& endpoint, Request request,
                                           StreamCallbacks callbacks) {
  using namespace internal;
  auto state = std::make_shared<StreamState>();
  size_t index = next_.fetch_add(1) % threads_.size();
  ClientThread& thread = *threads_[index];
  outstanding_->Add();
  auto call =
      std::make_unique<StreamCall>(thread, endpoint, BuildMessage(endpoint, std::move(request)),
                                   std::move(callbacks), state, options_, *outstanding_);
  asio::post(thread.context, [&thread, call = std::move(call)]() mutable {
    asio::co_spawn(thread.context, StreamCall::Run(std::move(call)), asio::detached);
  });
  return [state, target = cancel_targets_[index]] {
    if (state->cancelled.exchange(true)) return;
    std::lock_guard lock(target->mutex);
    if (target->context == nullptr) return;  // the client is gone
    asio::post(*target->context, [state] {
      if (state->connection) state->connection->Close();
    });
  };
}

Client::Client(ClientOptions options)
    : transport_(std::move(options.transport)),
      default_timeout_(options.request_timeout),
      impl_(transport_ ? nullptr : std::make_unique<Impl>(std::move(options))) {}
Client::~Client() = default;

void Client::Send(const Endpoint& endpoint, Request request,
                  std::function<void(Result<Response>)> done, std::chrono::milliseconds timeout) {
  if (transport_) {
    done(SendAndWait(endpoint, std::move(request), timeout));
    return;
  }
  impl_->Send(endpoint, std::move(request), std::move(done), timeout);
}

Result<Response> Client::SendAndWait(const Endpoint& endpoint, Request request,
                                     std::chrono::milliseconds timeout) {
  if (transport_) {
    return transport_(endpoint, std::move(request),
                      timeout > std::chrono::milliseconds::zero() ? timeout : default_timeout_);
  }
  return impl_->SendAndWait(endpoint, std::move(request), timeout);
}

std::function<void()> Client::Stream(const Endpoint& endpoint, Request request,
                                     StreamCallbacks callbacks) {
  if (transport_) {
    if (callbacks.on_end) callbacks.on_end(Error{Errc::kUnavailable, "no streams in process"});
    return [] {};
  }
  return impl_->Stream(endpoint, std::move(request), std::move(callbacks));
}

}  // namespace tinysaga::http
