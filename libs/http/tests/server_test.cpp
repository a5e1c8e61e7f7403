#include "tinysaga/http/server.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <atomic>
#include <chrono>
#include <future>
#include <latch>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "test_support.h"
#include "tinysaga/http/problem.h"

namespace tinysaga::http {
namespace {

using std::chrono::milliseconds;
using testing::EndpointOf;
using testing::Get;
using testing::RawSocket;
using testing::StartServer;

std::string ProblemType(const Response& response) {
  return nlohmann::json::parse(response.body).at("type").get<std::string>();
}

TEST(ServerTest, RoundTripSetsRequestIdAndContentLength) {
  auto server = StartServer({}, [](Server& s) {
    s.Route("GET", "/hello", [](const Request& request) {
      EXPECT_TRUE(request.Header("X-Request-Id"));  // the handler sees the id it will answer with
      EXPECT_EQ(request.remote_address, "127.0.0.1");
      return Response::Text(200, "hi");
    });
  });
  Client client;
  auto response = client.SendAndWait(EndpointOf(*server), Get("/hello"));
  ASSERT_TRUE(response.ok()) << response.error().detail;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "hi");
  EXPECT_EQ(response->Header("Content-Length"), "2");
  auto id = response->Header("X-Request-Id");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->size(), 32u);
}

TEST(ServerTest, EchoesAValidRequestIdAndReplacesAnInvalidOne) {
  auto server = StartServer({}, [](Server& s) {
    s.Route("GET", "/id", [](const Request& request) {
      return Response::Text(200, std::string(*request.Header("X-Request-Id")));
    });
  });
  Client client;
  Request request = Get("/id");
  request.headers.emplace_back("X-Request-Id", "req-123");
  auto echoed = client.SendAndWait(EndpointOf(*server), request);
  ASSERT_TRUE(echoed.ok());
  EXPECT_EQ(echoed->Header("X-Request-Id"), "req-123");
  EXPECT_EQ(echoed->body, "req-123");

  request.headers = {{"X-Request-Id", "trace:4f.a_b-9"}};
  auto token = client.SendAndWait(EndpointOf(*server), request);
  ASSERT_TRUE(token.ok());
  EXPECT_EQ(token->Header("X-Request-Id"), "trace:4f.a_b-9");

  // Too long, or anything outside [A-Za-z0-9._:-] (spaces, quotes, markup): a fresh id.
  for (const std::string& bad : {std::string(129, 'a'), std::string("a b"), std::string("<script>"),
                                 std::string("id\"x"), std::string("caf\xC3\xA9")}) {
    SCOPED_TRACE(bad);
    request.headers = {{"X-Request-Id", bad}};
    auto replaced = client.SendAndWait(EndpointOf(*server), request);
    ASSERT_TRUE(replaced.ok());
    EXPECT_EQ(replaced->Header("X-Request-Id")->size(), 32u);
    EXPECT_EQ(replaced->body, *replaced->Header("X-Request-Id"));
  }
}

TEST(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  auto server = StartServer({}, [](Server& s) {
    s.Route("GET", "/n/{n}",
            [](const Request& request) { return Response::Text(200, request.PathParam("n")); });
  });
  RawSocket socket(server->port());
  ASSERT_TRUE(socket.connected());
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(socket.Send("GET /n/" + std::to_string(i) + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    std::string response = socket.ReadResponse();
    ASSERT_TRUE(response.starts_with("HTTP/1.1 200")) << response;
    EXPECT_TRUE(response.ends_with("\r\n\r\n" + std::to_string(i))) << response;
  }
}

TEST(ServerTest, PathParametersAndQueryAreDecoded) {
  auto server = StartServer({}, [](Server& s) {
    s.Route("GET", "/api/orders/{orderId}", [](const Request& request) {
      return Response::Json(200, {{"id", request.PathParam("orderId")},
                                  {"route", request.route},
                                  {"path", request.path},
                                  {"limit", request.Query("limit").value_or("")},
                                  {"q", request.Query("q").value_or("")}});
    });
    s.Route("GET", "/api/orders/special",
            [](const Request&) { return Response::Text(200, "special"); });
  });
  Client client;
  auto response =
      client.SendAndWait(EndpointOf(*server), Get("/api/orders/a%20b%2Fc?limit=5&q=x+y"));
  ASSERT_TRUE(response.ok());
  auto body = nlohmann::json::parse(response->body);
  EXPECT_EQ(body["id"], "a b/c");
  EXPECT_EQ(body["route"], "/api/orders/{orderId}");
  EXPECT_EQ(body["path"], "/api/orders/a b/c");
  EXPECT_EQ(body["limit"], "5");
  EXPECT_EQ(body["q"], "x y");
  auto special = client.SendAndWait(EndpointOf(*server), Get("/api/orders/special"));
  ASSERT_TRUE(special.ok());
  EXPECT_EQ(special->body, "special");
}

TEST(ServerTest, UnmatchedRoutesGet404Or405Problems) {
  auto server = StartServer({}, [](Server& s) {
    s.Route("GET", "/only-get", [](const Request&) { return Response::Text(200, ""); });
  });
  Client client;
  auto missing = client.SendAndWait(EndpointOf(*server), Get("/nope"));
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->Header("Content-Type"), "application/problem+json");
  EXPECT_EQ(ProblemType(*missing), "https://tinysaga.dev/problems/not-found");
  Request post = Get("/only-get");
  post.method = "POST";
  auto not_allowed = client.SendAndWait(EndpointOf(*server), post);
  ASSERT_TRUE(not_allowed.ok());
  EXPECT_EQ(not_allowed->status, 405);
}

TEST(ServerTest, MalformedTargetIs400) {
  auto server = StartServer({}, [](Server& s) {
    s.Route("GET", "/x", [](const Request&) { return Response::Text(200, ""); });
  });
  Client client;
  auto response = client.SendAndWait(EndpointOf(*server), Get("/x%zz"));
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 400);
  EXPECT_EQ(ProblemType(*response), "https://tinysaga.dev/problems/invalid-request");
}

TEST(ServerTest, FallbackHandlesUnmatchedRequests) {
  auto server = StartServer({}, [](Server& s) {
    s.Route("GET", "/local", [](const Request&) { return Response::Text(200, "local"); });
    s.Fallback([](Request request, Respond respond) {
      respond(Response::Text(200, "proxied " + request.target));
    });
  });
  Client client;
  auto response = client.SendAndWait(EndpointOf(*server), Get("/api/whatever?x=1"));
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->body, "proxied /api/whatever?x=1");
}

TEST(ServerTest, OversizedBodyIs413) {
  ServerOptions options;
  options.body_bytes_max = 1024;
  auto server = StartServer(options, [](Server& s) {
    s.Route("POST", "/upload", [](const Request&) { return Response::Text(200, ""); });
  });
  Client client;
  Request request = Get("/upload");
  request.method = "POST";
  request.body = std::string(70 * 1024, 'x');
  auto response = client.SendAndWait(EndpointOf(*server), request);
  ASSERT_TRUE(response.ok()) << response.error().detail;
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(response->Header("Content-Type"), "application/problem+json");
  // The connection was closed; the client's next request opens a new one.
  request.body = "small";
  auto small = client.SendAndWait(EndpointOf(*server), request);
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(small->status, 200);
}

TEST(ServerTest, OversizedHeaderIs431) {
  ServerOptions options;
  options.header_bytes_max = 1024;
  auto server = StartServer(options, [](Server& s) {
    s.Route("GET", "/x", [](const Request&) { return Response::Text(200, ""); });
  });
  Client client;
  Request request = Get("/x");
  request.headers.emplace_back("X-Big", std::string(4096, 'b'));
  auto response = client.SendAndWait(EndpointOf(*server), request);
  ASSERT_TRUE(response.ok()) << response.error().detail;
  EXPECT_EQ(response->status, 431);
  EXPECT_EQ(response->Header("Content-Type"), "application/problem+json");
}

TEST(ServerTest, GarbageRequestLineIs400ThenClose) {
  auto server = StartServer({}, [](Server& s) {
    s.Route("GET", "/x", [](const Request&) { return Response::Text(200, ""); });
  });
  RawSocket socket(server->port());
  ASSERT_TRUE(socket.Send("THIS IS NOT HTTP\r\n\r\n"));
  bool closed = false;
  std::string response = socket.ReadUntilClosed(&closed);
  EXPECT_TRUE(closed);
  EXPECT_TRUE(response.starts_with("HTTP/1.1 400")) << response;
  EXPECT_NE(response.find("application/problem+json"), std::string::npos);
  EXPECT_NE(response.find("Connection: close"), std::string::npos);
}

// Request smuggling (RFC 9112 section 6.3): a framing a proxy could read differently is a 400
// and a close, and the bytes after it never become a second request.
TEST(ServerTest, AmbiguousFramingIs400ThenCloseAndNoSecondRequest) {
  std::atomic<int> served{0};
  auto server = StartServer({}, [&served](Server& s) {
    auto count = [&served](const Request&) {
      ++served;
      return Response::Text(200, "served");
    };
    s.Route("POST", "/x", count);
    s.Route("GET", "/y", count);
  });
  const std::string smuggled = "GET /y HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  const std::vector<std::string> framings = {
      "Transfer-Encoding: xchunked\r\n",
      "Transfer-Encoding: identity\r\n",
      "Transfer-Encoding: chunked, identity\r\n",
      "Transfer-Encoding: gzip, chunked\r\n",
      "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
      "Transfer-Encoding: xchunked\r\nContent-Length: 0\r\n",
      "Transfer-Encoding: identity\r\nContent-Length: 5\r\n",
      "Content-Length: 0\r\nTransfer-Encoding: chunked\r\n",
      "Content-Length: 0\r\nContent-Length: 5\r\n",
      "Content-Length: 0\r\nContent-Length: 0\r\n",
      "Content-Length: 0, 0\r\n",
  };
  for (const std::string& framing : framings) {
    SCOPED_TRACE(framing);
    RawSocket socket(server->port());
    ASSERT_TRUE(socket.Send("POST /x HTTP/1.1\r\nHost: x\r\n" + framing + "\r\n" + smuggled));
    bool closed = false;
    std::string response = socket.ReadUntilClosed(&closed);
    EXPECT_TRUE(closed);
    EXPECT_TRUE(response.starts_with("HTTP/1.1 400")) << response;
    EXPECT_NE(response.find("application/problem+json"), std::string::npos) << response;
    EXPECT_EQ(response.find("HTTP/1.1", 1), std::string::npos) << "one answer only: " << response;
  }
  EXPECT_EQ(served.load(), 0);

  // A plain chunked body is still fine.
  RawSocket socket(server->port());
  ASSERT_TRUE(socket.Send(
      "POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
      "2\r\n{}\r\n0\r\n\r\n"));
  std::string response = socket.ReadUntilClosed();
  EXPECT_TRUE(response.starts_with("HTTP/1.1 200")) << response;
  EXPECT_EQ(served.load(), 1);
}

TEST(ServerTest, OverLongTargetIs414) {
  ServerOptions options;
  options.target_bytes_max = 1024;
  options.header_bytes_max = 4096;
  auto server = StartServer(options, [](Server& s) {
    s.Route("GET", "/x", [](const Request&) { return Response::Text(200, ""); });
  });
  Client client;
  // Longer than target_bytes_max but within the header limit.
  auto long_target = client.SendAndWait(EndpointOf(*server), Get("/x?q=" + std::string(2000, 'a')));
  ASSERT_TRUE(long_target.ok()) << long_target.error().detail;
  EXPECT_EQ(long_target->status, 414);
  EXPECT_EQ(ProblemType(*long_target), "https://tinysaga.dev/problems/uri-too-long");
  // A request line longer than the whole header limit.
  auto huge_target =
      client.SendAndWait(EndpointOf(*server), Get("/x?q=" + std::string(10'000, 'a')));
  ASSERT_TRUE(huge_target.ok()) << huge_target.error().detail;
  EXPECT_EQ(huge_target->status, 414);
  // Many headers with a short target stay a 431.
  Request big_header = Get("/x");
  big_header.headers.emplace_back("X-Big", std::string(8000, 'b'));
  auto too_many_headers = client.SendAndWait(EndpointOf(*server), big_header);
  ASSERT_TRUE(too_many_headers.ok()) << too_many_headers.error().detail;
  EXPECT_EQ(too_many_headers->status, 431);
}

TEST(ServerTest, HeadIsAnsweredByTheGetRouteWithoutABody) {
  auto server = StartServer({}, [](Server& s) {
    s.Route("GET", "/x", [](const Request& request) {
      EXPECT_EQ(request.method, "HEAD");
      return Response::Text(200, "twelve bytes");
    });
    s.Route("POST", "/post-only", [](const Request&) { return Response::Text(200, ""); });
  });
  RawSocket socket(server->port());
  // Keep-alive: the second answer must start right after the first head (no body in between).
  ASSERT_TRUE(
      socket.Send("HEAD /x HTTP/1.1\r\nHost: x\r\n\r\nHEAD /post-only HTTP/1.1\r\nHost: x\r\n"
                  "Connection: close\r\n\r\n"));
  std::string responses = socket.ReadUntilClosed();
  ASSERT_TRUE(responses.starts_with("HTTP/1.1 200")) << responses;
  EXPECT_NE(responses.find("Content-Length: 12\r\n"), std::string::npos) << responses;
  const size_t head_end = responses.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos);
  EXPECT_TRUE(responses.substr(head_end + 4).starts_with("HTTP/1.1 405")) << responses;
  EXPECT_EQ(responses.find("twelve bytes"), std::string::npos) << responses;
}

TEST(ServerTest, DuplicateQueryParameterIs400) {
  auto server = StartServer({}, [](Server& s) {
    s.Route("GET", "/x", [](const Request&) { return Response::Text(200, ""); });
  });
  Client client;
  auto response = client.SendAndWait(EndpointOf(*server), Get("/x?limit=1&limit=2"));
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 400);
  EXPECT_NE(response->body.find("limit"), std::string::npos) << response->body;
}

TEST(ServerTest, SlowlorisIsClosedAfterHeaderTimeout) {
  ServerOptions options;
  options.header_timeout = milliseconds(200);
  auto server = StartServer(options, [](Server& s) {
    s.Route("GET", "/x", [](const Request&) { return Response::Text(200, ""); });
  });
  RawSocket socket(server->port());
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(socket.Send("GET /x HTTP/1.1\r\nHost: x\r\n"));  // and never the final CRLF
  bool closed = false;
  std::string response = socket.ReadUntilClosed(&closed);
  EXPECT_TRUE(closed);
  EXPECT_TRUE(response.empty());
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(150));
}

TEST(ServerTest, IdleKeepAliveConnectionIsClosedAfterIdleTimeout) {
  ServerOptions options;
  options.idle_timeout = milliseconds(200);
  auto server = StartServer(options, [](Server& s) {
    s.Route("GET", "/x", [](const Request&) { return Response::Text(200, "ok"); });
  });
  RawSocket socket(server->port());
  ASSERT_TRUE(socket.Send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n"));
  bool closed = false;
  std::string data = socket.ReadUntilClosed(&closed);
  EXPECT_TRUE(closed);
  EXPECT_TRUE(data.starts_with("HTTP/1.1 200")) << data;
}

TEST(ServerTest, FullWorkerQueueAnswers503) {
  ServerOptions options;
  options.worker_threads = 1;
  options.worker_queue_max = 1;
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<int> calls{0};
  auto server = StartServer(options, [&](Server& s) {
    s.Route("GET", "/block", [&](const Request&) {
      if (calls++ == 0) entered.set_value();
      released.wait();
      return Response::Text(200, "done");
    });
  });
  Client client;
  std::promise<Result<Response>> first;
  client.Send(EndpointOf(*server), Get("/block"),
              [&](Result<Response> r) { first.set_value(std::move(r)); });
  entered.get_future().wait();  // the only worker is now busy
  // One of the next two fills the queue's single slot; the other finds it full and is
  // answered at once, while the worker is still blocked.
  std::promise<Result<Response>> answers[2];
  std::atomic<bool> any_answered{false};
  std::promise<int> first_answered;
  auto record = [&](int index) {
    return [&, index](Result<Response> r) {
      answers[index].set_value(std::move(r));
      if (!any_answered.exchange(true)) first_answered.set_value(index);
    };
  };
  client.Send(EndpointOf(*server), Get("/block"), record(0));
  client.Send(EndpointOf(*server), Get("/block"), record(1));
  int refused = first_answered.get_future().get();
  auto refused_response = answers[refused].get_future().get();
  ASSERT_TRUE(refused_response.ok());
  EXPECT_EQ(refused_response->status, 503);
  EXPECT_EQ(ProblemType(*refused_response), "https://tinysaga.dev/problems/service-unavailable");
  release.set_value();
  EXPECT_EQ(first.get_future().get()->status, 200);
  auto queued_response = answers[1 - refused].get_future().get();
  ASSERT_TRUE(queued_response.ok());
  EXPECT_EQ(queued_response->status, 200);
}

TEST(ServerTest, AnInlineRouteIsAnsweredWhileEveryWorkerIsBusy) {
  ServerOptions options;
  options.worker_threads = 1;
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  auto server = StartServer(options, [&](Server& s) {
    s.Route("GET", "/block", [&](const Request&) {
      entered.set_value();
      released.wait();
      return Response::Text(200, "done");
    });
    s.RouteInline("GET", "/inline/{n}", [](const Request& request) {
      return Response::Text(200, "inline " + request.PathParam("n"));
    });
    s.RouteInline("GET", "/inline-throws", [](const Request&) -> Response { throw 42; });
  });
  Client client;
  std::promise<Result<Response>> blocked;
  client.Send(EndpointOf(*server), Get("/block"),
              [&](Result<Response> r) { blocked.set_value(std::move(r)); });
  entered.get_future().wait();  // the only worker is now busy
  for (int i = 0; i < 3; ++i) {
    auto response = client.SendAndWait(EndpointOf(*server), Get("/inline/" + std::to_string(i)));
    ASSERT_TRUE(response.ok());
    EXPECT_EQ(response->body, "inline " + std::to_string(i));
  }
  auto thrown = client.SendAndWait(EndpointOf(*server), Get("/inline-throws"));
  ASSERT_TRUE(thrown.ok());
  EXPECT_EQ(thrown->status, 500);
  release.set_value();
  EXPECT_EQ(blocked.get_future().get()->status, 200);
}

TEST(ServerTest, AsyncHandlerAnsweredFromAnotherThread) {
  std::vector<std::thread> threads;
  std::mutex threads_mutex;
  auto server = StartServer({}, [&](Server& s) {
    s.RouteAsync("GET", "/async/{n}", [&](Request request, Respond respond) {
      std::lock_guard lock(threads_mutex);
      threads.emplace_back([request = std::move(request), respond] {
        respond(Response::Text(200, "async " + request.PathParam("n")));
      });
    });
  });
  Client client;
  for (int i = 0; i < 5; ++i) {
    auto response = client.SendAndWait(EndpointOf(*server), Get("/async/" + std::to_string(i)));
    ASSERT_TRUE(response.ok());
    EXPECT_EQ(response->body, "async " + std::to_string(i));
  }
  for (auto& thread : threads) thread.join();
}

TEST(ServerTest, ExceptionInHandlerIs500AndServerKeepsServing) {
  auto server = StartServer({}, [](Server& s) {
    s.Route("GET", "/throw", [](const Request&) -> Response { throw std::runtime_error("boom"); });
    s.RouteAsync("GET", "/throw-async", [](Request, Respond) { throw 42; });
    s.Route("GET", "/ok", [](const Request&) { return Response::Text(200, "ok"); });
  });
  Client client;
  for (const char* target : {"/throw", "/throw-async"}) {
    auto response = client.SendAndWait(EndpointOf(*server), Get(target));
    ASSERT_TRUE(response.ok());
    EXPECT_EQ(response->status, 500);
    EXPECT_EQ(ProblemType(*response), "https://tinysaga.dev/problems/internal");
  }
  auto ok = client.SendAndWait(EndpointOf(*server), Get("/ok"));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->status, 200);
}

TEST(ServerTest, StreamDeliversChunksToClientStream) {
  std::promise<std::shared_ptr<Stream>> stream_promise;
  auto server = StartServer({}, [&](Server& s) {
    s.RouteStream(
        "GET", "/events",
        [](const Request&) {
          Response head;
          head.headers.emplace_back("Content-Type", "text/event-stream");
          return head;
        },
        [&](const Request&, std::shared_ptr<Stream> stream) { stream_promise.set_value(stream); });
  });
  Client client;
  std::promise<Response> head;
  std::promise<Result<void>> end;
  std::string received;
  auto cancel =
      client.Stream(EndpointOf(*server), Get("/events"),
                    StreamCallbacks{
                        .on_head = [&](const Response& response) { head.set_value(response); },
                        .on_data =
                            [&](std::string_view chunk) {
                              received.append(chunk);
                              return true;
                            },
                        .on_end = [&](Result<void> result) { end.set_value(std::move(result)); },
                    });
  auto stream = stream_promise.get_future().get();
  Response head_response = head.get_future().get();
  EXPECT_EQ(head_response.status, 200);
  EXPECT_EQ(head_response.Header("Content-Type"), "text/event-stream");
  EXPECT_EQ(head_response.Header("Transfer-Encoding"), "chunked");
  EXPECT_TRUE(stream->Write("data: 1\n\n"));
  EXPECT_TRUE(stream->Write("data: 2\n\n"));
  stream->Close();
  EXPECT_TRUE(stream->closed());
  EXPECT_FALSE(stream->Write("late"));
  auto result = end.get_future().get();
  EXPECT_TRUE(result.ok());
  EXPECT_EQ(received, "data: 1\n\ndata: 2\n\n");
  cancel();  // after the end: harmless
}

TEST(ServerTest, StreamHeadNotOkIsAPlainResponse) {
  auto server = StartServer({}, [&](Server& s) {
    s.RouteStream(
        "GET", "/events/{id}",
        [](const Request&) { return Problem(404, "not-found", "no such order"); },
        [](const Request&, std::shared_ptr<Stream>) { ADD_FAILURE() << "handler must not run"; });
  });
  Client client;
  auto response = client.SendAndWait(EndpointOf(*server), Get("/events/x"));
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 404);
}

TEST(ServerTest, StreamNoticesThePeerGoing) {
  std::promise<std::shared_ptr<Stream>> stream_promise;
  auto server = StartServer({}, [&](Server& s) {
    s.RouteStream(
        "GET", "/events", [](const Request&) { return Response{}; },
        [&](const Request&, std::shared_ptr<Stream> stream) { stream_promise.set_value(stream); });
  });
  auto stream = [&] {
    RawSocket socket(server->port());
    socket.Send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
    return stream_promise.get_future().get();
  }();  // the socket closes here
  // The server's reader learns of it asynchronously: wait (bounded) for the stream to close.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!stream->closed() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  EXPECT_TRUE(stream->closed());
  EXPECT_FALSE(stream->Write("data: x\n\n"));
}

TEST(ServerTest, StopLetsInFlightRequestsFinish) {
  std::promise<void> entered;
  std::promise<void> release;
  auto server = StartServer({}, [&](Server& s) {
    s.Route("GET", "/slow", [&](const Request&) {
      entered.set_value();
      release.get_future().wait();
      return Response::Text(200, "finished");
    });
  });
  Client client;
  std::promise<Result<Response>> result;
  client.Send(EndpointOf(*server), Get("/slow"),
              [&](Result<Response> r) { result.set_value(std::move(r)); });
  entered.get_future().wait();
  std::thread stopper([&] { server->Stop(); });
  // Stop() has begun once the listener refuses connections; only then let the handler finish.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (RawSocket(server->port()).connected() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  release.set_value();
  auto response = result.get_future().get();
  stopper.join();
  ASSERT_TRUE(response.ok()) << response.error().detail;
  EXPECT_EQ(response->body, "finished");
  EXPECT_EQ(response->Header("Connection"), "close");
}

TEST(ServerTest, StoppingHooksAnswerHeldRequestsBeforeStopWaitsForThem) {
  std::mutex mutex;
  std::vector<Respond> held;  // a long poll's requests, answered only by the hook
  std::promise<void> entered;
  auto server = StartServer({.shutdown_grace = std::chrono::seconds(60)}, [&](Server& s) {
    s.RouteAsync("GET", "/held", [&](Request, Respond respond) {
      std::lock_guard lock(mutex);
      held.push_back(std::move(respond));
      entered.set_value();
    });
    s.OnStopping([&] {
      std::lock_guard lock(mutex);
      for (Respond& respond : held) respond(Response::Text(200, "let go"));
      held.clear();
    });
  });
  Client client;
  std::promise<Result<Response>> result;
  client.Send(EndpointOf(*server), Get("/held"),
              [&](Result<Response> r) { result.set_value(std::move(r)); });
  entered.get_future().wait();
  server->Stop();  // would wait the 60 s grace out if the hook did not answer
  auto response = result.get_future().get();
  ASSERT_TRUE(response.ok()) << response.error().detail;
  EXPECT_EQ(response->body, "let go");
}

TEST(ServerTest, MetricsCountRequestsByRouteMethodAndStatus) {
  auto registry = std::make_shared<prometheus::Registry>();
  ServerOptions options;
  options.registry = registry;
  options.name = "test";
  auto server = StartServer(options, [](Server& s) {
    s.Route("GET", "/items/{id}", [](const Request&) { return Response::Text(200, ""); });
  });
  Client client;
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(client.SendAndWait(EndpointOf(*server), Get("/items/" + std::to_string(i))).ok());
  ASSERT_TRUE(client.SendAndWait(EndpointOf(*server), Get("/missing")).ok());
  server->Stop();  // the metrics are recorded after each response is written
  double route_count = 0;
  double unmatched_count = 0;
  uint64_t observations = 0;
  for (const auto& family : registry->Collect()) {
    for (const auto& metric : family.metric) {
      std::map<std::string, std::string> labels;
      for (const auto& label : metric.label) labels[label.name] = label.value;
      if (family.name == "http_requests_total" && labels["route"] == "/items/{id}" &&
          labels["method"] == "GET" && labels["status"] == "200" && labels["service"] == "test") {
        route_count = metric.counter.value;
      }
      if (family.name == "http_requests_total" && labels["route"] == "unmatched" &&
          labels["status"] == "404") {
        unmatched_count = metric.counter.value;
      }
      if (family.name == "http_request_duration_seconds" && labels["route"] == "/items/{id}") {
        observations = metric.histogram.sample_count;
      }
    }
  }
  EXPECT_EQ(route_count, 3);
  EXPECT_EQ(unmatched_count, 1);
  EXPECT_EQ(observations, 3u);
}

TEST(ServerTest, AcceptsFromAnInheritedListenSocket) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  ASSERT_EQ(listen(fd, 16), 0);
  ServerOptions options;
  options.listen_fd = fd;  // the server owns it from here
  auto server = StartServer(options, [](Server& s) {
    s.Route("GET", "/x", [](const Request&) { return Response::Text(200, "inherited"); });
  });
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  EXPECT_EQ(server->port(), ntohs(address.sin_port));
  Client client;
  auto response = client.SendAndWait(EndpointOf(*server), Get("/x"));
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->body, "inherited");
}

}  // namespace
}  // namespace tinysaga::http
