#include "tinysaga/platform/caller.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tinysaga::platform {
namespace {

constexpr std::string_view kSecret = "internal-secret";

http::Request RequestWith(http::Headers headers) {
  http::Request request;
  request.method = "GET";
  request.target = request.path = "/api/orders";
  request.headers = std::move(headers);
  return request;
}

void ExpectUnauthorized(const Result<Caller>& caller) {
  ASSERT_FALSE(caller.ok());
  EXPECT_EQ(caller.error().code, Errc::kUnauthorized);
}

TEST(CallerOfTest, MissingOrWrongInternalTokenIsUnauthorized) {
  ExpectUnauthorized(CallerOf(RequestWith({}), kSecret));
  ExpectUnauthorized(CallerOf(RequestWith({{"X-Internal-Token", "wrong"}}), kSecret));
  ExpectUnauthorized(CallerOf(RequestWith({{"X-Internal-Token", "internal-secre"}}), kSecret));
  ExpectUnauthorized(CallerOf(RequestWith({{"X-Internal-Token", "internal-secret2"}}), kSecret));
  ExpectUnauthorized(CallerOf(RequestWith({{"X-Internal-Token", ""}}), kSecret));
}

TEST(CallerOfTest, AnEmptySecretNeverAuthenticates) {
  ExpectUnauthorized(CallerOf(RequestWith({{"X-Internal-Token", ""}}), ""));
  ExpectUnauthorized(CallerOf(RequestWith({}), ""));
}

TEST(CallerOfTest, NoIdentityHeadersIsAnonymous) {
  auto caller = CallerOf(RequestWith({{"x-internal-token", std::string(kSecret)}}), kSecret);
  ASSERT_TRUE(caller.ok()) << caller.error().detail;
  EXPECT_EQ(caller->role, CallerRole::kAnonymous);
  EXPECT_FALSE(caller->authenticated());
  EXPECT_FALSE(caller->CanAccess("alice"));
}

TEST(CallerOfTest, ParsesUsersAndAdmins) {
  auto user = CallerOf(RequestWith({{"X-Internal-Token", std::string(kSecret)},
                                    {"X-User-Id", "alice"},
                                    {"X-User-Role", "user"}}),
                       kSecret);
  ASSERT_TRUE(user.ok());
  EXPECT_EQ(user->role, CallerRole::kUser);
  EXPECT_EQ(user->user_id, "alice");
  EXPECT_TRUE(user->CanAccess("alice"));
  EXPECT_FALSE(user->CanAccess("bob"));
  EXPECT_FALSE(user->privileged());

  auto admin = CallerOf(RequestWith({{"X-Internal-Token", std::string(kSecret)},
                                     {"x-user-id", "root"},
                                     {"X-USER-ROLE", "admin"}}),
                        kSecret);
  ASSERT_TRUE(admin.ok());
  EXPECT_EQ(admin->role, CallerRole::kAdmin);
  EXPECT_EQ(admin->user_id, "root");
  EXPECT_TRUE(admin->CanAccess("bob"));
}

TEST(CallerOfTest, ServiceCallersHaveNoUser) {
  auto service = CallerOf(RequestWith({{"X-Internal-Token", std::string(kSecret)},
                                       {"X-User-Role", "service"},
                                       {"X-User-Id", "alice"}}),
                          kSecret);
  ASSERT_TRUE(service.ok());
  EXPECT_EQ(service->role, CallerRole::kService);
  EXPECT_TRUE(service->user_id.empty());
  EXPECT_TRUE(service->privileged());
}

TEST(CallerOfTest, MalformedIdentityIsUnauthorized) {
  const std::string secret(kSecret);
  ExpectUnauthorized(
      CallerOf(RequestWith({{"X-Internal-Token", secret}, {"X-User-Role", "user"}}), kSecret));
  ExpectUnauthorized(
      CallerOf(RequestWith({{"X-Internal-Token", secret}, {"X-User-Id", "alice"}}), kSecret));
  ExpectUnauthorized(CallerOf(
      RequestWith({{"X-Internal-Token", secret}, {"X-User-Id", "alice"}, {"X-User-Role", "root"}}),
      kSecret));
  ExpectUnauthorized(CallerOf(
      RequestWith({{"X-Internal-Token", secret}, {"X-User-Id", "alice"}, {"X-User-Role", "Admin"}}),
      kSecret));
  for (const std::string& bad_id :
       std::vector<std::string>{"", "al ice", "../bob", std::string(65, 'a'), "caf\xC3\xA9"}) {
    ExpectUnauthorized(CallerOf(
        RequestWith({{"X-Internal-Token", secret}, {"X-User-Id", bad_id}, {"X-User-Role", "user"}}),
        kSecret));
  }
}

TEST(SetCallerHeadersTest, RoundTripsEveryRole) {
  const Caller callers[] = {
      {CallerRole::kAnonymous, ""},
      {CallerRole::kUser, "alice"},
      {CallerRole::kAdmin, "root"},
      {CallerRole::kService, ""},
  };
  for (const Caller& caller : callers) {
    // Start from a request that already claims to be someone else.
    http::Headers headers = {
        {"X-User-Id", "mallory"}, {"X-User-Role", "admin"}, {"X-Internal-Token", "old"}};
    SetCallerHeaders(headers, kSecret, caller);
    auto parsed = CallerOf(RequestWith(headers), kSecret);
    ASSERT_TRUE(parsed.ok()) << parsed.error().detail;
    EXPECT_EQ(parsed->role, caller.role);
    EXPECT_EQ(parsed->user_id, caller.user_id);
  }
}

}  // namespace
}  // namespace tinysaga::platform
