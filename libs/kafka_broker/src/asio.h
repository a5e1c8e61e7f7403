#pragma once
// Internal to libs/kafka_broker: the Asio vocabulary of its network thread.

// clang-format off
#include <utility>  // first: Asio 1.74's awaitable.hpp uses std::exchange without including it
// clang-format on

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace tinysaga::kafka_broker {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;
template <typename T>
using Awaitable = asio::awaitable<T>;

// Completion token for coroutines that report errors as values.
inline auto Await(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

// Wakes one suspended coroutine early: it waits on the timer until its deadline, and Wake()
// cancels the wait. Used only on the network thread, so a wake cannot fall between the
// waiter's last look at its condition and its wait.
class Wakeup {
 public:
  explicit Wakeup(asio::any_io_executor executor) : timer_(std::move(executor)) {}
  Awaitable<void> WaitUntil(std::chrono::steady_clock::time_point deadline) {
    error_code ignored;  // cancelled (woken) or expired: the caller looks at its condition
    timer_.expires_at(deadline);
    co_await timer_.async_wait(Await(ignored));
  }
  void Wake() { timer_.cancel(); }

 private:
  asio::steady_timer timer_;
};

}  // namespace tinysaga::kafka_broker
