#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "log_capture.h"
#include "tinysaga/platform/service.h"

namespace tinysaga::platform {
namespace {

constexpr std::string_view kSecret = "internal-secret";

http::Request UserRequest(std::string token = std::string(kSecret)) {
  http::Request request;
  request.method = "GET";
  request.target = request.path = "/api/orders/ord_1";
  request.headers = {{"X-Internal-Token", std::move(token)},
                     {"X-User-Id", "alice"},
                     {"X-User-Role", "user"},
                     {"X-Request-Id", "req-42"}};
  return request;
}

nlohmann::json BodyOf(const http::Response& response) {
  return nlohmann::json::parse(response.body);
}

TEST(GuardedTest, PassesTheCallerToTheHandler) {
  auto handler = Guarded(std::string(kSecret), [](const http::Request&, const Caller& caller) {
    return http::Response::Json(200, {{"user", caller.user_id}});
  });
  const http::Response response = handler(UserRequest());
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(BodyOf(response)["user"], "alice");
}

TEST(GuardedTest, RefusesAWrongInternalTokenWithoutCallingTheHandler) {
  bool called = false;
  auto handler = Guarded(std::string(kSecret), [&](const http::Request&, const Caller&) {
    called = true;
    return http::Response::Json(200, nlohmann::json::object());
  });
  const http::Response response = handler(UserRequest("guess"));
  EXPECT_FALSE(called);
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(response.Header("Content-Type").value_or(""), "application/problem+json");
  EXPECT_EQ(BodyOf(response)["status"], 401);
}

TEST(GuardedTest, AnExceptionBecomesALogged500WithoutDetails) {
  testing::LogCapture log("platform");
  auto handler =
      Guarded(std::string(kSecret), [](const http::Request&, const Caller&) -> http::Response {
        throw std::runtime_error("secret table name in the message");
      });
  const http::Response response = handler(UserRequest());
  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(response.body.find("secret table name"), std::string::npos);
  EXPECT_NE(log.text().find("secret table name"), std::string::npos) << log.text();
  EXPECT_NE(log.text().find("req-42"), std::string::npos) << log.text();
}

TEST(GuardedTest, ANonStandardExceptionBecomesA500) {
  auto handler = Guarded(std::string(kSecret),
                         [](const http::Request&, const Caller&) -> http::Response { throw 42; });
  EXPECT_EQ(handler(UserRequest()).status, 500);
}

}  // namespace
}  // namespace tinysaga::platform
