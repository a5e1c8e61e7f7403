#include "tinysaga/http/client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "test_support.h"

namespace tinysaga::http {
namespace {

using std::chrono::milliseconds;
using testing::ClosedPort;
using testing::EndpointOf;
using testing::Get;
using testing::StartServer;

TEST(ClientTest, SetsHostAndContentLength) {
  auto server = StartServer({}, [](Server& s) {
    s.Route("POST", "/echo", [](const Request& request) {
      return Response::Text(200, std::string(request.Header("Host").value_or("")) + "|" +
                                     std::string(request.Header("Content-Length").value_or("")) +
                                     "|" + request.body);
    });
  });
  Client client;
  Request request = Get("/echo");
  request.method = "POST";
  request.body = "hello";
  request.headers.emplace_back("Content-Length", "999");  // wrong on purpose: the client sets it
  auto response = client.SendAndWait(EndpointOf(*server), request);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->body, "127.0.0.1:" + std::to_string(server->port()) + "|5|hello");
}

TEST(ClientTest, TimeoutWhileHandlerBlocksIsKTimeout) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  auto server = StartServer({}, [&](Server& s) {
    s.Route("GET", "/slow", [&](const Request&) {
      released.wait();
      return Response::Text(200, "late");
    });
  });
  Client client;
  auto response = client.SendAndWait(EndpointOf(*server), Get("/slow"), milliseconds(200));
  release.set_value();
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, Errc::kTimeout);
}

TEST(ClientTest, ClosedPortIsKUnavailable) {
  Client client;
  auto response = client.SendAndWait(Endpoint{"127.0.0.1", ClosedPort()}, Get("/"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, Errc::kUnavailable);
}

TEST(ClientTest, MalformedEndpointIsKInvalidRequest) {
  Client client;
  auto response = client.SendAndWait(Endpoint{"", 0}, Get("/"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, Errc::kInvalidRequest);
}

TEST(ClientTest, StalePooledConnectionAfterServerRestartIsRetried) {
  auto routes = [](Server& s) {
    s.Route("GET", "/x", [](const Request&) { return Response::Text(200, "ok"); });
  };
  auto server = StartServer({}, routes);
  const uint16_t port = server->port();
  ClientOptions options;
  options.connections_per_endpoint_max = 1;
  Client client(options);
  ASSERT_TRUE(client.SendAndWait(EndpointOf(*server), Get("/x")).ok());
  server.reset();  // closes the pooled keep-alive connection from the server side

  ServerOptions same_port;
  same_port.port = port;
  server = StartServer(same_port, routes);
  for (int i = 0; i < 3; ++i) {
    auto response = client.SendAndWait(EndpointOf(*server), Get("/x"));
    ASSERT_TRUE(response.ok()) << response.error().detail;
    EXPECT_EQ(response->body, "ok");
  }
}

TEST(ClientTest, SequentialRequestsThroughAOneConnectionPool) {
  auto server = StartServer({}, [&](Server& s) {
    s.Route("GET", "/x", [&](const Request&) { return Response::Text(200, "ok"); });
  });
  ClientOptions options;
  options.connections_per_endpoint_max = 1;
  options.waiting_requests_max = 1;
  Client client(options);
  for (int i = 0; i < 500; ++i) {
    auto response = client.SendAndWait(EndpointOf(*server), Get("/x"));
    ASSERT_TRUE(response.ok()) << response.error().detail;
    EXPECT_NE(response->Header("Connection"), "close");
  }
}

TEST(ClientTest, ManyConcurrentRequestsFromSeveralThreadsAllSucceed) {
  ServerOptions server_options;
  server_options.io_threads = 2;
  auto server = StartServer(server_options, [](Server& s) {
    s.Route("GET", "/n/{n}",
            [](const Request& request) { return Response::Text(200, request.PathParam("n")); });
  });
  ClientOptions options;
  options.io_threads = 2;
  options.connections_per_endpoint_max = 8;  // fewer than callers: some requests queue
  Client client(options);
  constexpr int kThreads = 6;
  constexpr int kRequestsPerThread = 200;
  std::atomic<int> successes{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRequestsPerThread; ++i) {
        std::string n = std::to_string(t * 1000 + i);
        auto response = client.SendAndWait(EndpointOf(*server), Get("/n/" + n));
        if (response.ok() && response->status == 200 && response->body == n) ++successes;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(successes.load(), kThreads * kRequestsPerThread);
}

// Blocking calls run on their caller's thread, with connections of its own that end with the
// thread or with the client, whichever goes first (run under ASan in CI: nothing is used after
// it is freed, nothing leaks).
TEST(ClientTest, BlockingCallersConnectionsEndWithTheirThreadOrTheirClient) {
  auto server = StartServer({}, [](Server& s) {
    s.Route("GET", "/x", [](const Request&) { return Response::Text(200, "ok"); });
  });
  auto first = std::make_unique<Client>();
  std::thread short_lived([&] {
    for (int i = 0; i < 3; ++i)
      ASSERT_TRUE(first->SendAndWait(EndpointOf(*server), Get("/x")).ok());
  });
  short_lived.join();  // its connection goes with it
  ASSERT_TRUE(first->SendAndWait(EndpointOf(*server), Get("/x")).ok());
  first.reset();  // this thread's connection to it goes with the client

  Client second;  // this thread now calls another client (maybe at the first one's address)
  for (int i = 0; i < 3; ++i) {
    auto response = second.SendAndWait(EndpointOf(*server), Get("/x"));
    ASSERT_TRUE(response.ok()) << response.error().detail;
    EXPECT_EQ(response->body, "ok");
  }
}

TEST(ClientTest, AsyncSendsCompleteOnceEach) {
  auto server = StartServer({}, [](Server& s) {
    s.Route("GET", "/x", [](const Request&) { return Response::Text(200, "ok"); });
  });
  Client client;
  constexpr int kRequests = 300;
  std::atomic<int> remaining{kRequests};
  std::atomic<int> successes{0};
  std::promise<void> all_done;
  for (int i = 0; i < kRequests; ++i) {
    client.Send(EndpointOf(*server), Get("/x"), [&](Result<Response> response) {
      if (response.ok() && response->status == 200) ++successes;
      if (--remaining == 0) all_done.set_value();
    });
  }
  all_done.get_future().wait();
  EXPECT_EQ(successes.load(), kRequests);
}

TEST(ClientTest, FullWaitingQueueIsKUnavailable) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> entered;
  auto server = StartServer({}, [&](Server& s) {
    s.Route("GET", "/slow", [&](const Request&) {
      entered.set_value();
      released.wait();
      return Response::Text(200, "ok");
    });
    s.Route("GET", "/fast", [](const Request&) { return Response::Text(200, "ok"); });
  });
  ClientOptions options;
  options.connections_per_endpoint_max = 1;
  options.waiting_requests_max = 1;
  Client client(options);
  std::promise<Result<Response>> busy;
  std::promise<Result<Response>> waiting;
  client.Send(EndpointOf(*server), Get("/slow"),
              [&](Result<Response> r) { busy.set_value(std::move(r)); });
  entered.get_future().wait();  // the only connection is busy
  client.Send(EndpointOf(*server), Get("/fast"),
              [&](Result<Response> r) { waiting.set_value(std::move(r)); });
  std::promise<Result<Response>> third;
  client.Send(EndpointOf(*server), Get("/fast"),
              [&](Result<Response> r) { third.set_value(std::move(r)); });
  auto refused = third.get_future().get();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::kUnavailable);
  release.set_value();
  EXPECT_TRUE(busy.get_future().get().ok());
  EXPECT_TRUE(waiting.get_future().get().ok());
}

TEST(ClientTest, WaitingRequestTimesOutAsKUnavailable) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> entered;
  auto server = StartServer({}, [&](Server& s) {
    s.Route("GET", "/slow", [&](const Request&) {
      entered.set_value();
      released.wait();
      return Response::Text(200, "ok");
    });
  });
  ClientOptions options;
  options.connections_per_endpoint_max = 1;
  Client client(options);
  std::promise<Result<Response>> busy;
  client.Send(EndpointOf(*server), Get("/slow"),
              [&](Result<Response> r) { busy.set_value(std::move(r)); });
  entered.get_future().wait();
  // Never sent (it waited for the busy connection): safe to retry elsewhere, so kUnavailable.
  std::promise<Result<Response>> second;
  client.Send(
      EndpointOf(*server), Get("/slow"),
      [&](Result<Response> r) { second.set_value(std::move(r)); }, milliseconds(200));
  auto waited = second.get_future().get();
  ASSERT_FALSE(waited.ok());
  EXPECT_EQ(waited.error().code, Errc::kUnavailable);
  release.set_value();
  EXPECT_TRUE(busy.get_future().get().ok());
}

TEST(ClientTest, DestroyingTheClientFailsPendingCallsWithKUnavailable) {
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::promise<void> entered;
  auto server = StartServer({}, [&](Server& s) {
    s.Route("GET", "/slow", [&](const Request&) {
      entered.set_value();
      released.wait();
      return Response::Text(200, "ok");
    });
  });
  std::promise<Result<Response>> pending;
  {
    Client client;
    client.Send(EndpointOf(*server), Get("/slow"),
                [&](Result<Response> r) { pending.set_value(std::move(r)); });
    entered.get_future().wait();
  }
  auto result = pending.get_future().get();
  release.set_value();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::kUnavailable);
}

TEST(ClientTest, StreamCancelEndsTheStream) {
  std::promise<std::shared_ptr<Stream>> stream_promise;
  auto server = StartServer({}, [&](Server& s) {
    s.RouteStream(
        "GET", "/events", [](const Request&) { return Response{}; },
        [&](const Request&, std::shared_ptr<Stream> stream) { stream_promise.set_value(stream); });
  });
  Client client;
  std::promise<void> got_data;
  std::promise<Result<void>> end;
  auto cancel = client.Stream(
      EndpointOf(*server), Get("/events"),
      StreamCallbacks{.on_head = [](const Response&) {},
                      .on_data =
                          [&](std::string_view) {
                            got_data.set_value();
                            return true;
                          },
                      .on_end = [&](Result<void> r) { end.set_value(std::move(r)); }});
  auto stream = stream_promise.get_future().get();
  EXPECT_TRUE(stream->Write("data: 1\n\n"));
  got_data.get_future().wait();
  cancel();
  cancel();  // idempotent
  EXPECT_TRUE(end.get_future().get().ok());
}

// A keep-alive HTTP server on a raw socket that answers or drops each request as the test
// says: `answer(n, request)` for the n-th request (0-based, counted over all connections)
// returns true to answer 200 "ok", false to close the connection having read the request.
// One connection at a time, which is all a one-connection client pool needs.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::function<bool(int, const std::string&)> answer)
      : answer_(std::move(answer)), listener_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    socklen_t length = sizeof(address);
    getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    listen(listener_, 8);
    thread_ = std::thread([this] { Serve(); });
  }
  ~ScriptedServer() {
    shutdown(listener_, SHUT_RDWR);
    close(listener_);
    thread_.join();
  }

  Endpoint endpoint() const { return Endpoint{"127.0.0.1", port_}; }
  std::vector<std::string> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }
  // Closes the connection it is serving once its current answer is out.
  void CloseAfterNextAnswer() { close_after_answer_ = true; }
  // Blocks until the server has closed a connection `count` times in all.
  void WaitForCloses(int count) {
    std::unique_lock lock(mutex_);
    closed_.wait(lock, [&] { return closes_ >= count; });
  }

 private:
  void Serve() {
    for (;;) {
      int fd = accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      std::string buffer;
      while (ReadRequest(fd, buffer)) {
        size_t end = buffer.find("\r\n\r\n") + 4;
        std::string request = buffer.substr(0, end);  // these tests send no bodies
        buffer.erase(0, end);
        int index;
        {
          std::lock_guard lock(mutex_);
          index = static_cast<int>(requests_.size());
          requests_.push_back(request.substr(0, request.find("\r\n")));
        }
        if (!answer_(index, request)) break;
        std::string response = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        send(fd, response.data(), response.size(), MSG_NOSIGNAL);
        if (close_after_answer_.exchange(false)) break;
      }
      close(fd);
      {
        std::lock_guard lock(mutex_);
        ++closes_;
      }
      closed_.notify_all();
    }
  }
  static bool ReadRequest(int fd, std::string& buffer) {
    char chunk[4096];
    while (buffer.find("\r\n\r\n") == std::string::npos) {
      ssize_t received = recv(fd, chunk, sizeof(chunk), 0);
      if (received <= 0) return false;
      buffer.append(chunk, static_cast<size_t>(received));
    }
    return true;
  }

  std::function<bool(int, const std::string&)> answer_;
  int listener_;
  uint16_t port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable closed_;
  std::vector<std::string> requests_;
  int closes_ = 0;
  std::atomic<bool> close_after_answer_{false};
};

ClientOptions OneConnection() {
  ClientOptions options;
  options.connections_per_endpoint_max = 1;
  return options;
}

// The second request is read, then its connection drops unanswered (as when the server is
// killed while it handles it); every other request is answered.
bool DropTheSecond(int index, const std::string&) { return index != 1; }

Request Post(std::string target) {
  Request request = Get(std::move(target));
  request.method = "POST";
  return request;
}

TEST(ClientTest, PostLostAfterTheServerReadItIsNotSentAgain) {
  ScriptedServer server(DropTheSecond);
  Client client(OneConnection());
  ASSERT_TRUE(client.SendAndWait(server.endpoint(), Get("/warm")).ok());
  auto lost = client.SendAndWait(server.endpoint(), Post("/pay"));
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.error().code, Errc::kTimeout) << "outcome unknown, for the caller to resolve";
  auto next = client.SendAndWait(server.endpoint(), Get("/after"));
  ASSERT_TRUE(next.ok()) << next.error().detail;
  EXPECT_EQ(server.requests(), (std::vector<std::string>{"GET /warm HTTP/1.1", "POST /pay HTTP/1.1",
                                                         "GET /after HTTP/1.1"}));
}

TEST(ClientTest, ReadLostAfterTheServerReadItIsSentOnceMore) {
  ScriptedServer server(DropTheSecond);
  Client client(OneConnection());
  ASSERT_TRUE(client.SendAndWait(server.endpoint(), Get("/warm")).ok());
  auto response = client.SendAndWait(server.endpoint(), Get("/read"));
  ASSERT_TRUE(response.ok()) << response.error().detail;
  EXPECT_EQ(response->body, "ok");
  EXPECT_EQ(server.requests(), (std::vector<std::string>{"GET /warm HTTP/1.1", "GET /read HTTP/1.1",
                                                         "GET /read HTTP/1.1"}));
}

TEST(ClientTest, PostWithAnIdempotencyKeyLostAfterTheServerReadItIsSentOnceMore) {
  ScriptedServer server(DropTheSecond);
  Client client(OneConnection());
  ASSERT_TRUE(client.SendAndWait(server.endpoint(), Get("/warm")).ok());
  Request keyed = Post("/orders");
  keyed.headers.emplace_back("Idempotency-Key", "k-1");
  auto response = client.SendAndWait(server.endpoint(), keyed);
  ASSERT_TRUE(response.ok()) << response.error().detail;
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(ClientTest, IdleConnectionTheServerClosedIsNotUsedForAPost) {
  ScriptedServer server([](int, const std::string&) { return true; });
  Client client(OneConnection());
  server.CloseAfterNextAnswer();
  ASSERT_TRUE(client.SendAndWait(server.endpoint(), Get("/warm")).ok());
  server.WaitForCloses(1);  // the pooled connection is now closed from the server's side
  auto response = client.SendAndWait(server.endpoint(), Post("/pay"));
  ASSERT_TRUE(response.ok()) << response.error().detail;
  EXPECT_EQ(server.requests(),
            (std::vector<std::string>{"GET /warm HTTP/1.1", "POST /pay HTTP/1.1"}));
}

TEST(ClientTest, StreamToClosedPortEndsWithKUnavailable) {
  Client client;
  std::promise<Result<void>> end;
  client.Stream(Endpoint{"127.0.0.1", ClosedPort()}, Get("/events"),
                StreamCallbacks{.on_end = [&](Result<void> r) { end.set_value(std::move(r)); }});
  auto result = end.get_future().get();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::kUnavailable);
}

}  // namespace
}  // namespace tinysaga::http
