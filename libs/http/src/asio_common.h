#pragma once
// Internal to libs/http: the Asio/Beast vocabulary shared by server.cpp and client.cpp.
// Nothing outside src/ includes this file. The library is compiled with
// BOOST_BEAST_USE_STD_STRING_VIEW, so Beast's string_view is std::string_view.

// clang-format off
#include <utility>  // first: Asio 1.74's awaitable.hpp uses std::exchange without including it
// clang-format on

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <memory>
#include <vector>

namespace tinysaga::http::internal {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using SteadyClock = std::chrono::steady_clock;

// Completion token for coroutines that report errors as values: exceptions would cost a
// throw per closed connection.
inline auto Await(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

// A server's I/O thread, lent to the clients called on it: Client::Send made on the thread runs
// its exchange there, with no hand-off to a client thread and back (see client.h). The server
// sets `t_io_thread_host` while the thread runs its context, then calls Dismiss() on the
// thread. The guests are destroyed with the host, after the context (IoThread declares the host
// before it), so that a coroutine the context drops unfinished may still reach them.
class IoThreadGuest {
 public:
  virtual ~IoThreadGuest() = default;
  // The context has stopped: close what the guest holds on the thread.
  virtual void Leave() = 0;
  // After the poll that let what it closed end: destroy its I/O objects (timers) while the
  // context still exists.
  virtual void Clear() = 0;
};

struct IoThreadHost {
  asio::io_context* context = nullptr;
  std::vector<std::shared_ptr<IoThreadGuest>> guests;

  // Called once t_io_thread_host no longer points here: a handler the poll runs that calls a
  // client gets the client's own thread, not a new guest.
  void Dismiss() {
    if (guests.empty()) return;
    for (auto& guest : guests) guest->Leave();
    context->restart();
    context->poll();
    for (auto& guest : guests) guest->Clear();
  }
};

inline thread_local IoThreadHost* t_io_thread_host = nullptr;

// A connection's single deadline. The owner moves the deadline before each phase (idle,
// header, body, write); a watchdog coroutine closes the connection once the deadline passes.
// Moving the deadline later costs nothing (the watchdog re-arms when it wakes), moving it
// earlier re-arms the timer at once. Used only on the owner's executor thread.
class Deadline {
 public:
  explicit Deadline(const asio::any_io_executor& executor)
      : timer_(executor, SteadyClock::time_point::max()) {}

  void Set(SteadyClock::time_point when) {
    deadline_ = when;
    if (when < timer_.expiry()) timer_.expires_at(when);
  }
  void SetAfter(std::chrono::milliseconds delay) { Set(SteadyClock::now() + delay); }
  void Clear() { deadline_ = SteadyClock::time_point::max(); }
  // Ends the watchdog; the owner calls it when the connection closes.
  void Cancel() {
    cancelled_ = true;
    timer_.cancel();
  }
  bool expired() const { return expired_; }

  // Runs until Cancel() or expiry; on expiry calls owner->OnDeadline() once. Holding the owner
  // keeps it alive as long as the watchdog runs, so the owner must Cancel() when it closes.
  template <typename Owner>
  static asio::awaitable<void> Watch(std::shared_ptr<Owner> owner, Deadline& deadline) {
    while (!deadline.cancelled_) {
      error_code ec;
      co_await deadline.timer_.async_wait(Await(ec));
      if (deadline.cancelled_) break;
      if (SteadyClock::now() >= deadline.deadline_) {
        deadline.expired_ = true;
        owner->OnDeadline();
        break;
      }
      deadline.timer_.expires_at(deadline.deadline_);
    }
  }

 private:
  asio::steady_timer timer_;
  SteadyClock::time_point deadline_ = SteadyClock::time_point::max();
  bool cancelled_ = false;
  bool expired_ = false;
};

// Errors that mean the peer closed or reset the connection.
inline bool IsConnectionLost(const error_code& ec) {
  return ec == asio::error::eof || ec == bhttp::error::end_of_stream ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted || ec == bhttp::error::partial_message;
}

}  // namespace tinysaga::http::internal
