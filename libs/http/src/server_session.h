#pragma once
// Internal to libs/http: one server connection (Session), the state it shares with the
// server (ServerState, IoThread) and the server-sent-events stream it may carry (StreamImpl).
//
// Threads: each connection lives on one I/O thread's io_context (one context per thread, so a
// session needs no strand); everything in Session runs there. Handlers hand results back by
// posting to that context.
// Ownership: a Session is owned by the coroutines running it (its request loop, its deadline
// watchdog, a stream's reader); it ends when they return. IoThread::sessions lists the live
// ones, unowned, for Stop().

#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "asio_common.h"
#include "server_metrics.h"
#include "tinysaga/http/router.h"
#include "tinysaga/http/server.h"
#include "worker_pool.h"

namespace tinysaga::http::internal {

enum class RouteKind { kBlocking, kInline, kAsync, kStream };

struct RouteEntry {
  RouteKind kind = RouteKind::kBlocking;
  std::string pattern;
  Handler handler;
  AsyncHandler async_handler;
  std::function<Response(const Request&)> head;
  StreamHandler stream_handler;
};

// What the server's threads share. Written before Start(); afterwards only the atomics and
// the drain counter change.
struct ServerState {
  explicit ServerState(ServerOptions server_options)
      : options(std::move(server_options)), metrics(options.registry, options.name) {}

  ServerOptions options;
  ServerMetrics metrics;
  Router router;
  std::vector<RouteEntry> routes;
  AsyncHandler fallback;  // empty: the default 404/405 problem
  std::vector<std::function<void()>> stopping_hooks;
  std::unique_ptr<WorkerPool> workers;
  std::atomic<bool> stopping{false};
  std::atomic<uint64_t> rejected_count{0};

  // Live connections; Stop() waits on `drained` until it reaches zero.
  std::mutex connections_mutex;
  std::condition_variable drained;
  size_t connections = 0;
};

class Session;

// One I/O thread and its io_context. `sessions`, `rng` and `metrics_cache` are touched only on
// that thread (or after it has been joined). The context is declared last so that it is
// destroyed first, while the sessions it still holds can unregister.
struct IoThread {
  explicit IoThread(const ServerMetrics& metrics)
      : rng(std::random_device()()), metrics_cache(metrics) {}

  std::unordered_set<Session*> sessions;
  std::mt19937_64 rng;
  MetricsCache metrics_cache;
  std::thread thread;
  IoThreadHost host;  // declared before the context, so its guests outlive it
  asio::io_context context{1};
};

// A server-sent-events stream. Handler threads call Write/Close; the session's writer drains
// the queue. Holds no Asio object, so a handler may keep it after the server is gone: once the
// session detaches it, Write returns false and nothing is posted any more.
class StreamImpl final : public Stream {
 public:
  StreamImpl(asio::any_io_executor executor, std::weak_ptr<Session> session, size_t queue_bytes_max)
      : executor_(std::move(executor)),
        session_(std::move(session)),
        queue_bytes_max_(queue_bytes_max) {}

  bool Write(std::string chunk) override;
  void Close() override;
  bool closed() const override { return closed_.load(); }

  // Session side (I/O thread).
  enum class TakeResult { kData, kIdle, kFinished, kAborted };
  // Moves everything queued into `out` (kData); otherwise says whether to wait (kIdle), end the
  // body (kFinished: closed and drained) or drop the connection (kAborted).
  TakeResult Take(std::string& out);
  // The connection is gone or the peer too slow: drops the queue; from now on Write returns
  // false and nothing is posted to the session's executor any more.
  void Abort();
  bool aborted();

 private:
  void NotifyLocked();

  std::mutex mutex_;
  asio::any_io_executor executor_;
  std::weak_ptr<Session> session_;
  const size_t queue_bytes_max_;
  std::string queue_;  // chunks are concatenated: chunk boundaries mean nothing in HTTP
  std::atomic<bool> closed_{false};
  bool aborted_ = false;
  bool detached_ = false;
  bool notify_pending_ = false;
};

struct DispatchResult {
  Response response;
  std::shared_ptr<StreamImpl> stream;  // set when a stream route accepted the request
  bool close = false;                  // close the connection after the response
};

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(ServerState& state, IoThread& io, tcp::socket socket);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Registers with the I/O thread and starts the coroutines; call on the session's thread.
  static void Start(const std::shared_ptr<Session>& session);
  // Stop(): a connection waiting for its next request is closed, a stream is ended politely;
  // a connection in the middle of a request is left to finish it.
  void CloseIfIdle();
  // Stop() after the grace period: closes whatever is left.
  void Close();
  void OnDeadline() { CloseSocket(); }
  void OnStreamNotified();

 private:
  struct ReadOutcome {
    bool close = false;  // close without a response (peer gone, timeout)
    int error_status = 0;
    std::string error_detail;
  };
  using Completion = std::function<void(DispatchResult)>;

  static asio::awaitable<void> Run(std::shared_ptr<Session> self);
  static asio::awaitable<void> ReadUntilClosed(std::shared_ptr<Session> self);
  asio::awaitable<void> Serve();
  asio::awaitable<ReadOutcome> ReadRequest();
  ReadOutcome OutcomeOf(const error_code& ec) const;
  asio::awaitable<bool> HandleRequest();
  Request MakeRequest(bhttp::request<bhttp::string_body>& message);
  std::string EnsureRequestId(Request& request);
  asio::awaitable<DispatchResult> Dispatch(Request request, std::string_view& route_label);
  // Suspends until `start`'s Completion is called, from any thread.
  asio::awaitable<DispatchResult> AwaitDispatch(std::function<void(Completion)> start);
  void StartBlocking(const RouteEntry& entry, Request request, Completion done);
  void StartAsync(const AsyncHandler& handler, Request request, Completion done);
  void StartStream(const RouteEntry& entry, Request request, Completion done);
  asio::awaitable<bool> WriteResponse(Response response, bool keep_alive, unsigned version,
                                      const std::string& request_id, bool head_only = false);
  asio::awaitable<void> RunStream(Response head, std::shared_ptr<StreamImpl> stream,
                                  unsigned version, const std::string& request_id);
  asio::awaitable<void> WriteProblemAndLinger(int status, std::string detail);
  asio::awaitable<void> LingerAndClose();
  void CloseSocket();

  ServerState& state_;
  IoThread& io_;
  tcp::socket socket_;
  Deadline deadline_;
  asio::steady_timer stream_wake_;  // cancelled to wake the stream writer
  beast::flat_buffer buffer_;       // reused across the connection's requests
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::string remote_address_;
  std::shared_ptr<StreamImpl> stream_;
  SteadyClock::time_point request_started_;
  bool idle_ = true;
  bool registered_ = false;
};

}  // namespace tinysaga::http::internal
