// Client::Send called on a server's I/O thread (an async handler, as in the gateway's proxy):
// the exchange and its `done` run on that thread, and either side may go first at shutdown.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "test_support.h"
#include "tinysaga/http/client.h"
#include "tinysaga/http/server.h"

namespace tinysaga::http {
namespace {

using testing::EndpointOf;
using testing::Get;
using testing::StartServer;

// An upstream whose /slow answers only once `released` is ready, and says when it is called.
struct SlowUpstream {
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::unique_ptr<Server> server = StartServer({}, [this](Server& s) {
    s.Route("GET", "/slow", [this](const Request&) {
      entered.set_value();
      released.wait();
      return Response::Text(200, "late");
    });
    s.Route("GET", "/hello", [](const Request&) { return Response::Text(200, "hello"); });
  });
};

// A proxy whose every request is sent on to `upstream` through `client`, from its I/O thread.
// `done_threads` receives, per request, whether `done` ran on the handler's own thread.
std::unique_ptr<Server> StartProxy(Client& client, const Endpoint& upstream,
                                   std::function<void(bool same_thread)> done_threads = {}) {
  return StartServer({.io_threads = 2}, [&client, upstream, done_threads](Server& s) {
    s.Fallback([&client, upstream, done_threads](Request request, Respond respond) {
      Request forwarded = Get(request.target);
      const auto handler_thread = std::this_thread::get_id();
      client.Send(upstream, std::move(forwarded),
                  [respond, handler_thread, done_threads](Result<Response> result) {
                    if (done_threads) done_threads(std::this_thread::get_id() == handler_thread);
                    respond(result.ok() ? std::move(result).value()
                                        : Response::Text(502, result.error().detail));
                  });
    });
  });
}

TEST(ClientOnServerThreadTest, TheExchangeAndItsAnswerStayOnTheServersThread) {
  SlowUpstream upstream;
  Client client;
  std::atomic<int> same{0}, other{0};
  auto proxy = StartProxy(client, EndpointOf(*upstream.server),
                          [&](bool same_thread) { ++(same_thread ? same : other); });
  Client caller;
  for (int i = 0; i < 20; ++i) {
    auto response = caller.SendAndWait(EndpointOf(*proxy), Get("/hello"));
    ASSERT_TRUE(response.ok()) << response.error().detail;
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, "hello");
  }
  EXPECT_EQ(same.load(), 20);
  EXPECT_EQ(other.load(), 0);
}

TEST(ClientOnServerThreadTest, StoppingTheServerFailsTheExchangeItCarries) {
  SlowUpstream upstream;
  Client client;
  std::promise<std::string> answered;
  // No grace: the request in flight would be waited for, and its upstream never answers.
  auto proxy = StartServer({.shutdown_grace = std::chrono::milliseconds(0)}, [&](Server& s) {
    s.Fallback([&](Request, Respond respond) {
      client.Send(EndpointOf(*upstream.server), Get("/slow"), [&, respond](Result<Response> r) {
        answered.set_value(r.ok() ? "answered" : r.error().detail);
        respond(Response::Text(200, "done"));
      });
    });
  });
  Client caller;
  std::promise<Result<Response>> proxied;
  caller.Send(EndpointOf(*proxy), Get("/anything"),
              [&](Result<Response> r) { proxied.set_value(std::move(r)); });
  upstream.entered.get_future().wait();
  proxy->Stop();  // its I/O thread closes the exchange it carries before its context goes
  EXPECT_EQ(answered.get_future().get(), "client shut down");
  EXPECT_FALSE(proxied.get_future().get().ok());
  upstream.release.set_value();
  // The client goes on, on its own I/O thread, after the server's threads are gone.
  std::promise<Result<Response>> after;
  client.Send(EndpointOf(*upstream.server), Get("/hello"),
              [&](Result<Response> r) { after.set_value(std::move(r)); });
  auto response = after.get_future().get();
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->body, "hello");
}

TEST(ClientOnServerThreadTest, DestroyingTheClientFailsTheExchangeOnTheServersThread) {
  SlowUpstream upstream;
  auto client = std::make_unique<Client>();
  std::promise<std::string> answered;
  auto proxy = StartServer({}, [&](Server& s) {
    s.Fallback([&](Request, Respond respond) {
      client->Send(EndpointOf(*upstream.server), Get("/slow"), [&, respond](Result<Response> r) {
        answered.set_value(r.ok() ? "answered" : r.error().detail);
        respond(Response::Text(r.ok() ? 200 : 502, "done"));
      });
    });
  });
  Client caller;
  std::promise<Result<Response>> proxied;
  caller.Send(EndpointOf(*proxy), Get("/anything"),
              [&](Result<Response> r) { proxied.set_value(std::move(r)); });
  upstream.entered.get_future().wait();
  client.reset();  // waits until the server's thread has failed the call
  EXPECT_EQ(answered.get_future().get(), "client shut down");
  auto response = proxied.get_future().get();
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 502);
  upstream.release.set_value();
  proxy->Stop();  // the server's thread then clears what the gone client left on it
}

}  // namespace
}  // namespace tinysaga::http
