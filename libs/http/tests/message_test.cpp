#include "tinysaga/http/message.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tinysaga/http/client.h"
#include "tinysaga/http/problem.h"

namespace tinysaga::http {
namespace {

TEST(HeadersTest, FindIgnoresCase) {
  Headers headers = {{"Content-Type", "text/plain"}, {"X-Thing", "1"}};
  EXPECT_EQ(FindHeader(headers, "content-type"), "text/plain");
  EXPECT_EQ(FindHeader(headers, "X-THING"), "1");
  EXPECT_FALSE(FindHeader(headers, "missing"));
}

TEST(HeadersTest, SetReplacesEveryOccurrenceKeepingThePosition) {
  Headers headers = {{"a", "1"}, {"B", "2"}, {"c", "3"}, {"b", "4"}};
  SetHeader(headers, "b", "5");
  EXPECT_EQ(headers, (Headers{{"a", "1"}, {"B", "5"}, {"c", "3"}}));
  SetHeader(headers, "d", "6");
  EXPECT_EQ(headers.back(), (std::pair<std::string, std::string>{"d", "6"}));
}

TEST(HeadersTest, RemoveDropsEveryOccurrence) {
  Headers headers = {{"a", "1"}, {"A", "2"}, {"c", "3"}};
  RemoveHeader(headers, "a");
  EXPECT_EQ(headers, (Headers{{"c", "3"}}));
}

TEST(ParseTargetTest, SplitsPathAndQuery) {
  auto parsed = ParseTarget("/api/orders?limit=5&status=PLACED&flag");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->path, "/api/orders");
  EXPECT_EQ(parsed->query, (std::map<std::string, std::string>{
                               {"limit", "5"}, {"status", "PLACED"}, {"flag", ""}}));
}

TEST(ParseTargetTest, DecodesEscapesAndPlusOnlyInTheQuery) {
  auto parsed = ParseTarget("/a%20b+c/%2F?q=x+y%26z&k%3D=v");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->path, "/a b+c//");
  EXPECT_EQ(parsed->query.at("q"), "x y&z");
  EXPECT_EQ(parsed->query.at("k="), "v");
}

TEST(ParseTargetTest, DuplicateQueryParameterIsRefused) {
  auto parsed = ParseTarget("/x?a=1&a=2&&");
  ASSERT_FALSE(parsed);
  EXPECT_NE(parsed.error().detail.find("'a'"), std::string::npos) << parsed.error().detail;
  EXPECT_FALSE(ParseTarget("/x?a=1&b=2&a"));
  EXPECT_FALSE(ParseTarget("/x?a=1&%61=2"));  // the same name once decoded
  auto empty_pairs = ParseTarget("/x?a=1&&b=2&");
  ASSERT_TRUE(empty_pairs);
  EXPECT_EQ(empty_pairs->query, (std::map<std::string, std::string>{{"a", "1"}, {"b", "2"}}));
}

TEST(ParseTargetTest, RejectsMalformedEscapesAndNul) {
  EXPECT_FALSE(ParseTarget("/a%2"));
  EXPECT_FALSE(ParseTarget("/a%"));
  EXPECT_FALSE(ParseTarget("/a%zz"));
  EXPECT_FALSE(ParseTarget("/a%00b"));
  EXPECT_FALSE(ParseTarget("/ok?x=%G1"));
  EXPECT_FALSE(ParseTarget("/ok?x%4=1"));
  EXPECT_FALSE(ParseTarget("/ok?x=%00"));
}

TEST(PercentEncodeTest, KeepsUnreservedAndRoundTrips) {
  EXPECT_EQ(PercentEncode("aZ09-._~"), "aZ09-._~");
  EXPECT_EQ(PercentEncode("a b/c?d&\xC3\xA9"), "a%20b%2Fc%3Fd%26%C3%A9");
  auto parsed = ParseTarget("/" + PercentEncode("wéird /id?&"));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->path, "/wéird /id?&");
}

TEST(RequestTest, QueryLooksUpDecodedParameters) {
  Request request;
  request.query = {{"limit", "5"}};
  EXPECT_EQ(request.Query("limit"), "5");
  EXPECT_FALSE(request.Query("cursor"));
}

TEST(ResponseTest, JsonAndText) {
  Response json = Response::Json(201, {{"id", "x"}});
  EXPECT_EQ(json.status, 201);
  EXPECT_EQ(json.Header("content-type"), "application/json");
  EXPECT_EQ(nlohmann::json::parse(json.body)["id"], "x");
  Response text = Response::Text(200, "hi");
  EXPECT_EQ(text.Header("Content-Type"), "text/plain; charset=utf-8");
  EXPECT_EQ(text.body, "hi");
}

TEST(ProblemTest, StatusForEveryCode) {
  EXPECT_EQ(StatusFor(Errc::kInvalidRequest), 400);
  EXPECT_EQ(StatusFor(Errc::kUnauthorized), 401);
  EXPECT_EQ(StatusFor(Errc::kInsufficientFunds), 402);
  EXPECT_EQ(StatusFor(Errc::kForbidden), 403);
  EXPECT_EQ(StatusFor(Errc::kNotFound), 404);
  EXPECT_EQ(StatusFor(Errc::kConflict), 409);
  EXPECT_EQ(StatusFor(Errc::kIdempotencyInProgress), 409);
  EXPECT_EQ(StatusFor(Errc::kUnprocessable), 422);
  EXPECT_EQ(StatusFor(Errc::kOutOfStock), 422);
  EXPECT_EQ(StatusFor(Errc::kIdempotencyMismatch), 422);
  EXPECT_EQ(StatusFor(Errc::kRateLimited), 429);
  EXPECT_EQ(StatusFor(Errc::kInternal), 500);
  EXPECT_EQ(StatusFor(Errc::kUnavailable), 503);
  EXPECT_EQ(StatusFor(Errc::kTimeout), 503);
}

TEST(ProblemTest, BodyIsRfc9457) {
  Response response = Problem(MakeError(Errc::kOutOfStock, "only 2 left"));
  EXPECT_EQ(response.status, 422);
  EXPECT_EQ(response.Header("Content-Type"), "application/problem+json");
  auto body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["type"], "https://tinysaga.dev/problems/out-of-stock");
  EXPECT_EQ(body["status"], 422);
  EXPECT_EQ(body["detail"], "only 2 left");
  EXPECT_FALSE(body["title"].get<std::string>().empty());
}

TEST(ProblemTest, InvalidUtf8InDetailDoesNotThrow) {
  Response response = Problem(400, "invalid-request", "bad \xFF byte");
  EXPECT_TRUE(nlohmann::json::accept(response.body));
}

TEST(EndpointTest, ParsesUrlsAndHostPort) {
  auto url = Endpoint::Parse("http://127.0.0.1:8081");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 8081);
  EXPECT_EQ(url->ToString(), "127.0.0.1:8081");
  auto plain = Endpoint::Parse("localhost:9000/");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->host, "localhost");
  auto v6 = Endpoint::Parse("[::1]:80");
  ASSERT_TRUE(v6.ok());
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->ToString(), "[::1]:80");
}

TEST(EndpointTest, RejectsMalformed) {
  for (const char* bad :
       {"127.0.0.1", ":80", "host:0", "host:65536", "host:8x", "http://h:1/path"}) {
    auto parsed = Endpoint::Parse(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().code, Errc::kInvalidRequest);
  }
}

}  // namespace
}  // namespace tinysaga::http
