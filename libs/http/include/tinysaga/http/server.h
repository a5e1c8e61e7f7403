#pragma once
// An HTTP/1.1 server on Boost.Beast with C++20 coroutines (the one place, with client.cpp,
// that includes Beast/Asio).
//
// Lifecycle: construct, add routes, Start() (binds and starts threads), Stop() or the
// destructor (stops accepting, lets in-flight requests finish up to a grace period, closes
// connections, joins threads). Routes may not be added after Start().
// Threads: `io_threads` run the sockets; blocking handlers run on a bounded pool of
// `worker_threads` so that database work never stalls the I/O threads.
// Every response gets an X-Request-Id (the request's, or a new one); every request is
// counted and timed in the Prometheus registry given in the options.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "tinysaga/http/message.h"

namespace prometheus {
class Registry;
}

namespace tinysaga::http {

struct ServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;   // 0: any free port; see Server::port()
  int listen_fd = -1;  // an already listening socket inherited from `tinysaga up`; wins over address/port
  int io_threads = 1;
  int worker_threads = 4;
  size_t worker_queue_max = 10'000;        // beyond: 503 service-unavailable, counted
  size_t connections_max = 10'000;         // beyond: new connections are closed at once, counted
  size_t header_bytes_max = 16 * 1024;  // beyond: 431 (414 when the request line alone is longer)
  size_t target_bytes_max = 8 * 1024;   // request target (path and query); beyond: 414
  size_t body_bytes_max = 64 * 1024;       // beyond: 413
  std::chrono::milliseconds header_timeout{10'000};  // slowloris guard: whole header must arrive in time
  std::chrono::milliseconds body_timeout{30'000};
  std::chrono::milliseconds idle_timeout{60'000};    // keep-alive connection with no request
  std::chrono::milliseconds shutdown_grace{5'000};
  size_t stream_queue_bytes_max = 1024 * 1024;  // per stream; beyond: the slow peer is disconnected
  std::string name = "tinysaga";  // metrics label `service`
  std::shared_ptr<prometheus::Registry> registry;  // optional; where request metrics go
};

// Blocking handler: runs on a worker thread; may do database and blocking client calls.
using Handler = std::function<Response(const Request&)>;

// Completes an async request; call exactly once, from any thread.
using Respond = std::function<void(Response)>;
// Non-blocking handler: runs on an I/O thread and must not block; answers through `respond`.
using AsyncHandler = std::function<void(Request, Respond)>;

// A long-lived streamed response (server-sent events). Thread-safe.
class Stream {
 public:
  virtual ~Stream() = default;
  // Queues bytes to send; false once the peer has gone or Close() was called. The queue is
  // bounded: a peer that does not read is disconnected rather than buffered forever.
  virtual bool Write(std::string chunk) = 0;
  virtual void Close() = 0;
  virtual bool closed() const = 0;
};
// Starts a stream: the server has already sent `status` and headers from `head` (with
// Transfer-Encoding: chunked); the handler keeps `stream` as long as it wants to write.
using StreamHandler = std::function<void(const Request&, std::shared_ptr<Stream> stream)>;

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  void Route(std::string method, std::string pattern, Handler handler);
  // A handler short enough to run on the I/O thread itself: a read from a local database, no
  // call to another service, no lock held long. It saves the hand-off to a worker and back
  // (two thread switches, which cost more than such a read); the connection's other requests
  // and the thread's other connections wait while it runs.
  void RouteInline(std::string method, std::string pattern, Handler handler);
  void RouteAsync(std::string method, std::string pattern, AsyncHandler handler);
  // `head` gives the status and headers to send first (e.g. content-type text/event-stream);
  // if head.status is not 200 the head is sent as a plain response and the handler is not called.
  void RouteStream(std::string method, std::string pattern, std::function<Response(const Request&)> head,
                   StreamHandler handler);
  // Handles every request no route matches (the gateway's proxy); default: 404/405 problem.
  void Fallback(AsyncHandler handler);
  // Runs when Stop() begins, before it waits for the requests in flight: an async route that
  // holds requests (a long poll) answers them here, so that stopping does not wait them out.
  // Before Start().
  void OnStopping(std::function<void()> hook);

  // Answers `request` on the calling thread without any socket, as a connection would: parses
  // the target, routes, fills path, query and path parameters, and calls the route's handler.
  // Blocking, inline and async routes (an async handler that does not answer at once is waited
  // for); streams answer 501. Works before Start() too. For the simulator's in-process
  // transport (sim/), which calls a service's routes as its peers do.
  Response HandleInProcess(Request request);

  void Start();
  void Stop();
  uint16_t port() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tinysaga::http
