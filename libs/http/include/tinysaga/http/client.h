#pragma once
// An HTTP/1.1 client with keep-alive connection pools per endpoint, on Boost.Beast.
//
// Lifecycle: construct (starts `io_threads`), use from any thread, destroy (cancels pending
// requests with kUnavailable and joins). Thread-safe.
// Errors: kUnavailable when the request was certainly not processed (connect refused or
// timed out, pool exhausted); kTimeout when it was sent but no complete answer came in time,
// so the outcome is unknown; kInvalidRequest for a malformed endpoint. HTTP error statuses are
// responses, not errors.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "tinysaga/core/result.h"
#include "tinysaga/http/message.h"

namespace tinysaga::http {

struct Endpoint {
  std::string host;  // IP address or name
  uint16_t port = 0;

  // "http://127.0.0.1:8081" or "127.0.0.1:8081".
  static Result<Endpoint> Parse(std::string_view url);
  std::string ToString() const;  // "127.0.0.1:8081"
  auto operator<=>(const Endpoint&) const = default;
};

// Carries one request to its endpoint and returns the answer, in place of the network: the
// simulator's in-process transport (sim/). Runs on the caller's thread; `timeout` is the
// request's (never zero).
using Transport =
    std::function<Result<Response>(const Endpoint&, Request, std::chrono::milliseconds timeout)>;

struct ClientOptions {
  // Empty (the default): real connections. Set: every call goes through it, no I/O thread is
  // started and Stream() ends at once with kUnavailable.
  Transport transport;
  int io_threads = 1;
  // Beyond: requests wait for a free connection. Blocking calls are outside it: each calling
  // thread has one call at a time, on a connection of its own (see SendAndWait).
  size_t connections_per_endpoint_max = 256;
  size_t waiting_requests_max = 10'000;       // beyond: kUnavailable at once
  std::chrono::milliseconds connect_timeout{1'000};
  std::chrono::milliseconds request_timeout{10'000};  // default when a call gives none
  size_t response_body_bytes_max = 16 * 1024 * 1024;
};

// Streaming callbacks for a long response (server-sent events through the gateway).
struct StreamCallbacks {
  std::function<void(const Response& head)> on_head;   // status and headers, body empty
  std::function<bool(std::string_view chunk)> on_data; // return false to stop reading
  std::function<void(Result<void> end)> on_end;        // exactly once, last
};

class Client {
 public:
  explicit Client(ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends `request` (method, target, headers, body; Host and Content-Length are set here).
  // `done` runs exactly once, never inside Send, and must not block. Called on an I/O thread
  // of an http::Server (an async handler, such as the gateway's proxy), the exchange runs on
  // that thread, with keep-alive connections of its own, and `done` runs there too: no
  // hand-off to a client I/O thread and back. Called elsewhere, both run on a client I/O
  // thread. The connection limit applies to each such thread.
  void Send(const Endpoint& endpoint, Request request, std::function<void(Result<Response>)> done,
            std::chrono::milliseconds timeout = std::chrono::milliseconds::zero());

  // Blocking form of Send. Must not be called from a client I/O thread. The exchange runs on
  // the calling thread itself, which keeps its own keep-alive connections between calls (they
  // close when the thread exits or the client goes): no hand-off to an I/O thread and back.
  Result<Response> SendAndWait(const Endpoint& endpoint, Request request,
                               std::chrono::milliseconds timeout = std::chrono::milliseconds::zero());

  // A long-lived response: no overall timeout once the head has arrived; the connection is
  // not reused. Returns a cancel function (idempotent, thread-safe).
  std::function<void()> Stream(const Endpoint& endpoint, Request request, StreamCallbacks callbacks);

 private:
  class Impl;
  Transport transport_;  // set: calls go through it and impl_ is null
  std::chrono::milliseconds default_timeout_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tinysaga::http
