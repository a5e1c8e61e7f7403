#include "tinysaga/http/server.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <boost/asio/executor_work_guard.hpp>
#include <cassert>
#include <future>
#include <mutex>
#include <optional>

#include "asio_common.h"
#include "percent.h"
#include "server_session.h"
#include "tinysaga/core/thread_name.h"
#include "tinysaga/http/problem.h"

namespace tinysaga::http {

using internal::Await;
using internal::IoThread;
using internal::RouteEntry;
using internal::RouteKind;
using internal::Session;
namespace asio = internal::asio;
using internal::error_code;
using internal::tcp;

// Owns the I/O threads, the acceptor (on the first I/O thread) and the worker pool; sessions
// reference the ServerState and their IoThread, both of which outlive every session because
// the contexts are destroyed first (see IoThread).
class Server::Impl {
 public:
  explicit Impl(ServerOptions options) : state_(std::move(options)) {}
  ~Impl() { Stop(); }

  void AddRoute(std::string_view method, std::string_view pattern, RouteEntry entry);
  void SetFallback(AsyncHandler handler) {
    assert(!started_ && "routes may not change after Start()");
    state_.fallback = std::move(handler);
  }
  void AddStoppingHook(std::function<void()> hook) {
    assert(!started_ && "hooks may not change after Start()");
    state_.stopping_hooks.push_back(std::move(hook));
  }
  Response HandleInProcess(Request request);
  void Start();
  void Stop();
  uint16_t port() const { return port_.load(); }

 private:
  void Listen();
  asio::awaitable<void> Accept();
  void Admit(IoThread& io, tcp::socket socket);
  // Runs `task` on `io`'s thread and waits for it. Not to be called from an I/O thread.
  void RunOn(IoThread& io, const std::function<void(IoThread&)>& task);
  void ForEachSession(void (Session::*action)());
  void WaitDrained(std::chrono::milliseconds timeout);

  internal::ServerState state_;
  std::vector<std::unique_ptr<IoThread>> io_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> work_guards_;
  std::unique_ptr<tcp::acceptor> acceptor_;
  std::atomic<uint16_t> port_{0};
  size_t next_io_ = 0;  // accept coroutine only
  std::mutex lifecycle_mutex_;
  bool started_ = false;
  bool stopped_ = false;
};

namespace {

std::shared_ptr<spdlog::logger> Log() {
  auto logger = spdlog::get("http");
  return logger ? logger : spdlog::default_logger();
}

void RunContext(asio::io_context& context) {
  for (;;) {
    try {
      context.run();
      return;
    } catch (const std::exception& error) {
      // Handlers catch their own exceptions; this is a last guard that keeps the thread alive.
      Log()->error("http: I/O thread caught: {}", error.what());
    }
  }
}

}  // namespace

void Server::Impl::AddRoute(std::string_view method, std::string_view pattern, RouteEntry entry) {
  assert(!started_ && "routes may not change after Start()");
  entry.pattern = std::string(pattern);
  size_t index = state_.router.Add(method, pattern);
  assert(index == state_.routes.size());
  (void)index;
  state_.routes.push_back(std::move(entry));
}

// The routing part of Session::Dispatch, for blocking and inline routes, on this thread.
Response Server::Impl::HandleInProcess(Request request) {
  const std::string target = request.target;
  if (target.empty() || target.front() != '/')
    return Problem(400, "invalid-request", "malformed request target");
  auto parsed = ParseTarget(target);
  if (!parsed) return Problem(parsed.error());
  request.path = std::move(parsed->path);
  request.query = std::move(parsed->query);
  const std::string_view raw_path = std::string_view(target).substr(0, target.find('?'));
  Router::Miss miss = Router::Miss::kNotFound;
  auto match = state_.router.Find(request.method, raw_path, &miss);
  if (!match) {
    return miss == Router::Miss::kMethodNotAllowed
               ? Problem(405, "method-not-allowed",
                         request.method + " is not allowed on " + request.path)
               : Problem(404, "not-found", "no route for " + request.path);
  }
  const RouteEntry& entry = state_.routes[match->route_index];
  if (entry.kind == RouteKind::kStream)
    return Problem(501, "not-implemented", "not callable in process: " + entry.pattern);
  request.route = std::move(match->pattern);
  for (auto& [name, value] : match->params) {
    auto decoded = internal::PercentDecode(value, false);
    request.path_params.emplace(name, decoded ? std::move(*decoded) : std::move(value));
  }
  try {
    if (entry.kind != RouteKind::kAsync) return entry.handler(request);
    auto answer = std::make_shared<std::promise<Response>>();
    auto answered = std::make_shared<std::atomic<bool>>(false);
    std::future<Response> response = answer->get_future();
    entry.async_handler(std::move(request), [answer, answered](Response response) {
      if (!answered->exchange(true)) answer->set_value(std::move(response));  // exactly once
    });
    return response.get();
  } catch (const std::exception& error) {
    Log()->error("http: handler for {} {} threw: {}", request.method, request.route, error.what());
  } catch (...) {
    Log()->error("http: handler for {} {} threw a non-exception", request.method, request.route);
  }
  return Problem(500, "internal", "internal error");
}

void Server::Impl::Start() {
  std::lock_guard lock(lifecycle_mutex_);
  assert(!started_ && "Start() called twice");
  const ServerOptions& options = state_.options;
  for (int i = 0; i < std::max(1, options.io_threads); ++i)
    io_.push_back(std::make_unique<IoThread>(state_.metrics));
  acceptor_ = std::make_unique<tcp::acceptor>(io_[0]->context);
  try {
    Listen();
  } catch (...) {
    acceptor_.reset();
    io_.clear();
    throw;
  }
  port_ = acceptor_->local_endpoint().port();
  state_.workers =
      std::make_unique<internal::WorkerPool>(options.worker_threads, options.worker_queue_max);
  asio::co_spawn(io_[0]->context, Accept(), asio::detached);
  for (auto& io : io_) {
    work_guards_.push_back(asio::make_work_guard(io->context));
    io->thread = std::thread([&io = *io] {
      NameThisThread("http-io");
      io.host.context = &io.context;
      internal::t_io_thread_host = &io.host;
      RunContext(io.context);
      internal::t_io_thread_host = nullptr;
      try {
        io.host.Dismiss();
      } catch (const std::exception& error) {
        Log()->error("http: I/O thread caught while its clients left: {}", error.what());
      }
    });
  }
  started_ = true;
  Log()->info("http: {} listening on port {}", options.name, port_.load());
}

void Server::Impl::Listen() {
  const ServerOptions& options = state_.options;
  if (options.listen_fd >= 0) {
    // Inherited from `tinysaga up`, already bound and listening; the acceptor now owns it.
    sockaddr_storage address{};
    socklen_t length = sizeof(address);
    if (getsockname(options.listen_fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      throw std::system_error(errno, std::generic_category(), "getsockname on inherited listen fd");
    }
    acceptor_->assign(address.ss_family == AF_INET6 ? tcp::v6() : tcp::v4(), options.listen_fd);
    return;
  }
  tcp::resolver resolver(io_[0]->context);
  tcp::endpoint endpoint = *resolver.resolve(options.address, std::to_string(options.port)).begin();
  acceptor_->open(endpoint.protocol());
  acceptor_->set_option(asio::socket_base::reuse_address(true));
  acceptor_->bind(endpoint);
  acceptor_->listen(asio::socket_base::max_listen_connections);
}

asio::awaitable<void> Server::Impl::Accept() {
  for (;;) {
    IoThread& io = *io_[next_io_++ % io_.size()];
    tcp::socket socket(io.context);
    error_code ec;
    co_await acceptor_->async_accept(socket, Await(ec));
    if (ec) {
      if (state_.stopping || !acceptor_->is_open()) co_return;
      // Out of descriptors and the like: pause instead of spinning on the same error.
      Log()->warn("http: accept failed: {}", ec.message());
      asio::steady_timer pause(acceptor_->get_executor(), std::chrono::milliseconds(100));
      co_await pause.async_wait(Await(ec));
      continue;
    }
    Admit(io, std::move(socket));
  }
}

void Server::Impl::Admit(IoThread& io, tcp::socket socket) {
  {
    std::lock_guard lock(state_.connections_mutex);
    if (state_.connections >= state_.options.connections_max) {
      uint64_t rejected = ++state_.rejected_count;
      if (rejected % 1000 == 1)
        Log()->warn("http: connections_max reached; {} refused so far", rejected);
      state_.metrics.CountRejected("connections-max");
      return;  // `socket` closes as it goes out of scope
    }
    ++state_.connections;
  }
  error_code ec;
  socket.set_option(tcp::no_delay(true), ec);  // small request/response pairs: no Nagle delay
  auto session = std::make_shared<Session>(state_, io, std::move(socket));
  asio::post(io.context, [session] { Session::Start(session); });
}

void Server::Impl::Stop() {
  {
    std::lock_guard lock(lifecycle_mutex_);
    if (!started_ || stopped_) return;
    stopped_ = true;
  }
  // 1. Stop accepting. 2. Close idle keep-alive connections and end streams; requests in
  // flight finish (their responses say Connection: close) for up to shutdown_grace.
  // 3. Close what is left. 4. Stop the workers (queued requests are dropped, running ones
  // finish). 5. Stop and join the I/O threads.
  state_.stopping = true;
  for (const auto& hook : state_.stopping_hooks) hook();
  RunOn(*io_[0], [this](IoThread&) {
    error_code ec;
    acceptor_->close(ec);
  });
  ForEachSession(&Session::CloseIfIdle);
  WaitDrained(state_.options.shutdown_grace);
  ForEachSession(&Session::Close);
  state_.workers->Stop();
  work_guards_.clear();
  for (auto& io : io_) {
    io->context.stop();
    io->thread.join();
  }
  Log()->info("http: {} stopped", state_.options.name);
}

void Server::Impl::RunOn(IoThread& io, const std::function<void(IoThread&)>& task) {
  std::promise<void> done;
  asio::post(io.context, [&] {
    task(io);
    done.set_value();
  });
  done.get_future().wait();
}

void Server::Impl::ForEachSession(void (Session::*action)()) {
  for (auto& io : io_) {
    RunOn(*io, [action](IoThread& thread) {
      std::vector<Session*> sessions(thread.sessions.begin(), thread.sessions.end());
      for (Session* session : sessions) (session->*action)();
    });
  }
}

void Server::Impl::WaitDrained(std::chrono::milliseconds timeout) {
  std::unique_lock lock(state_.connections_mutex);
  state_.drained.wait_for(lock, timeout, [this] { return state_.connections == 0; });
}

// --- Server -------------------------------------------------------------------------------

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Server::~Server() = default;

void Server::Route(std::string method, std::string pattern, Handler handler) {
  impl_->AddRoute(method, pattern,
                  RouteEntry{.kind = RouteKind::kBlocking, .handler = std::move(handler)});
}

void Server::RouteInline(std::string method, std::string pattern, Handler handler) {
  impl_->AddRoute(method, pattern,
                  RouteEntry{.kind = RouteKind::kInline, .handler = std::move(handler)});
}

void Server::RouteAsync(std::string method, std::string pattern, AsyncHandler handler) {
  impl_->AddRoute(method, pattern,
                  RouteEntry{.kind = RouteKind::kAsync, .async_handler = std::move(handler)});
}

void Server::RouteStream(std::string method, std::string pattern,
                         std::function<Response(const Request&)> head, StreamHandler handler) {
  impl_->AddRoute(method, pattern,
                  RouteEntry{.kind = RouteKind::kStream,
                             .head = std::move(head),
                             .stream_handler = std::move(handler)});
}

void Server::Fallback(AsyncHandler handler) { impl_->SetFallback(std::move(handler)); }
void Server::OnStopping(std::function<void()> hook) { impl_->AddStoppingHook(std::move(hook)); }
Response Server::HandleInProcess(Request request) {
  return impl_->HandleInProcess(std::move(request));
}
void Server::Start() { impl_->Start(); }
void Server::Stop() { impl_->Stop(); }
uint16_t Server::port() const { return impl_->port(); }

}  // namespace tinysaga::http
