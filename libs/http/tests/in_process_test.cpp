// The simulator's seams (sim/): a client whose calls go through a Transport instead of the
// network, and a server whose routes are called in process, with what a connection would fill
// in (path, query, path parameters, route) and the same 404/405 answers.

#include <gtest/gtest.h>

#include <string>

#include "tinysaga/http/client.h"
#include "tinysaga/http/server.h"

namespace tinysaga::http {
namespace {

TEST(InProcessTest, ServerRoutesWithoutSocketsAndFillsTheRequest) {
  Server server(ServerOptions{.name = "in-process"});
  server.Route("GET", "/api/orders/{orderId}", [](const Request& request) {
    return Response::Text(200, request.PathParam("orderId") + "|" + request.path + "|" +
                                   request.query.at("limit") + "|" + request.route);
  });
  server.RouteInline("POST", "/api/orders",
                     [](const Request& request) { return Response::Text(201, request.body); });

  Response got = server.HandleInProcess({.method = "GET", .target = "/api/orders/ord%201?limit=5"});
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body, "ord 1|/api/orders/ord 1|5|/api/orders/{orderId}");
  Response created =
      server.HandleInProcess({.method = "POST", .target = "/api/orders", .body = "x"});
  EXPECT_EQ(created.status, 201);
  EXPECT_EQ(created.body, "x");
  EXPECT_EQ(server.HandleInProcess({.method = "GET", .target = "/nowhere"}).status, 404);
  EXPECT_EQ(server.HandleInProcess({.method = "DELETE", .target = "/api/orders"}).status, 405);
  EXPECT_EQ(server.HandleInProcess({.method = "GET", .target = "nothing"}).status, 400);
}

TEST(InProcessTest, AnAsyncRouteIsAnsweredInProcessWhenItResponds) {
  Server server(ServerOptions{.name = "in-process"});
  server.RouteAsync("GET", "/api/orders/{orderId}", [](Request request, Respond respond) {
    respond(Response::Text(200, request.PathParam("orderId")));
    respond(Response::Text(500, "a second answer is ignored"));
  });
  Response got = server.HandleInProcess({.method = "GET", .target = "/api/orders/ord_1"});
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body, "ord_1");
}

TEST(InProcessTest, ServerTurnsAThrowingHandlerInto500) {
  Server server(ServerOptions{.name = "in-process"});
  server.Route("GET", "/boom", [](const Request&) -> Response { throw std::runtime_error("x"); });
  EXPECT_EQ(server.HandleInProcess({.method = "GET", .target = "/boom"}).status, 500);
}

TEST(InProcessTest, ClientSendsThroughTheTransportWithTheEffectiveTimeout) {
  std::string seen;
  ClientOptions options;
  options.request_timeout = std::chrono::milliseconds(1'234);
  options.transport = [&seen](const Endpoint& endpoint, Request request,
                              std::chrono::milliseconds timeout) -> Result<Response> {
    seen = endpoint.host + " " + request.method + " " + request.target + " " +
           std::to_string(timeout.count());
    if (endpoint.host == "down") return MakeError(Errc::kUnavailable, "down");
    return Response::Text(202, "ok");
  };
  Client client(options);

  auto answered = client.SendAndWait({"wallet", 80}, {.method = "POST", .target = "/x"});
  ASSERT_TRUE(answered.ok());
  EXPECT_EQ(answered->status, 202);
  EXPECT_EQ(seen, "wallet POST /x 1234");

  Result<Response> async = MakeError(Errc::kInternal, "not called");
  client.Send(
      {"down", 80}, {.method = "GET", .target = "/y"},
      [&async](Result<Response> result) { async = std::move(result); },
      std::chrono::milliseconds(50));
  EXPECT_EQ(seen, "down GET /y 50");
  ASSERT_FALSE(async.ok());
  EXPECT_EQ(async.error().code, Errc::kUnavailable);

  bool ended = false;
  client.Stream({"wallet", 80}, {.method = "GET", .target = "/events"},
                {.on_end = [&ended](Result<void> end) { ended = !end.ok(); }});
  EXPECT_TRUE(ended);
}

}  // namespace
}  // namespace tinysaga::http
