// GET /api/openapi.json: the gateway serves the checked-in OpenAPI document, and the document
// agrees with the route table on who owns each /api/ path and which ones are public. Whether
// the services' answers match the document is `ctest -R contract` (tests/contract).

#include "gateway/openapi.h"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <nlohmann/json.hpp>
#include <string>

#include "gateway/domain/route_table.h"
#include "gateway/gateway.h"
#include "tinysaga/http/client.h"
#include "tinysaga/http/server.h"

namespace tinysaga::gateway {
namespace {

// A gateway with no upstreams on a free port: enough for the routes it answers itself.
class GatewayWithoutUpstreams : public ::testing::Test {
 protected:
  GatewayWithoutUpstreams() : gateway_(GatewayConfig{}, client_, clock_, registry_) {
    gateway_.Register(server_);
    server_.Start();
  }
  ~GatewayWithoutUpstreams() override { server_.Stop(); }

  http::Response Send(std::string method, std::string target, http::Headers headers = {}) {
    http::Request request{.method = std::move(method), .target = std::move(target)};
    request.headers = std::move(headers);
    auto response = client_.SendAndWait({"127.0.0.1", server_.port()}, std::move(request),
                                        std::chrono::seconds(10));
    EXPECT_TRUE(response.ok()) << (response.ok() ? "" : response.error().detail);
    return response.ok() ? std::move(response).value() : http::Response{.status = 0};
  }

  http::Client client_;
  SystemClock clock_;
  prometheus::Registry registry_;
  http::Server server_{http::ServerOptions{.name = "gateway"}};
  Gateway gateway_;
};

TEST_F(GatewayWithoutUpstreams, ServesTheOpenApiDocumentWithoutAToken) {
  const http::Response response = Send("GET", std::string(kOpenApiPath));
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.Header("Content-Type").value_or(""), "application/json");
  EXPECT_EQ(response.Header("Cache-Control").value_or(""), "no-store");
  EXPECT_EQ(response.body, OpenApiDocument());
  const auto document = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(document.is_object()) << "the served document is not JSON";
  EXPECT_EQ(document.value("openapi", ""), "3.1.0");
  EXPECT_TRUE(document["paths"].contains(std::string(kOpenApiPath)));
}

TEST_F(GatewayWithoutUpstreams, TheOpenApiDocumentIsReadOnlyAndRefusesABadToken) {
  const http::Response post = Send("POST", std::string(kOpenApiPath));
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.Header("Content-Type").value_or(""), "application/problem+json");
  EXPECT_EQ(
      Send("GET", std::string(kOpenApiPath), {{"Authorization", "Bearer not-a-token"}}).status,
      401);
}

// "/api/orders/{orderId}/saga" -> "/api/orders/x/saga": a path the route table can resolve.
std::string Concrete(const std::string& templated) {
  std::string path;
  bool in_parameter = false;
  for (char c : templated) {
    if (c == '{') {
      in_parameter = true;
      path += 'x';
    } else if (c == '}') {
      in_parameter = false;
    } else if (!in_parameter) {
      path += c;
    }
  }
  return path;
}

// An operation that may be called without a token lists the empty requirement `{}`.
bool IsPublic(const nlohmann::json& operation) {
  for (const auto& requirement : operation.value("security", nlohmann::json::array())) {
    if (requirement.empty()) return true;
  }
  return false;
}

TEST(OpenApiDocument, EveryDocumentedApiPathIsRoutedWithTheDocumentedAccess) {
  const auto document = nlohmann::json::parse(OpenApiDocument());
  int operations = 0;
  for (const auto& [templated, item] : document["paths"].items()) {
    // The gateway answers these itself (dead letters: a fan-out, or routed by the id's service
    // prefix, gateway/dead_letters.cpp); everything else below /api/ belongs to a service.
    if (!templated.starts_with("/api/") || templated == kOpenApiPath ||
        templated == "/api/auth/dev-token" || templated.starts_with("/api/dead-letters")) {
      continue;
    }
    for (const auto& [method, operation] : item.items()) {
      if (method == "parameters") continue;
      std::string upper = method;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      const auto target = ResolveRoute(upper, Concrete(templated));
      ASSERT_TRUE(target.has_value()) << upper << " " << templated << " is not routed";
      EXPECT_EQ(target->is_public, IsPublic(operation)) << upper << " " << templated;
      ++operations;
    }
  }
  EXPECT_GE(operations, 20);
}

}  // namespace
}  // namespace tinysaga::gateway
