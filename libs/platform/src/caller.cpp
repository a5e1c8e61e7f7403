#include "tinysaga/platform/caller.h"

#include "tinysaga/core/ids.h"

namespace tinysaga::platform {
namespace {

constexpr std::string_view kRoleUser = "user";
constexpr std::string_view kRoleAdmin = "admin";
constexpr std::string_view kRoleService = "service";

// Compares without an early exit, so the time taken does not reveal how much of a guess was
// right. Only the expected value's length shows, which is no secret.
bool ConstantTimeEquals(std::string_view given, std::string_view expected) {
  unsigned char difference = given.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < expected.size(); ++i) {
    const char given_char = i < given.size() ? given[i] : '\0';
    difference |= static_cast<unsigned char>(given_char ^ expected[i]);
  }
  return difference == 0;
}

Error Unauthorized(std::string detail) { return MakeError(Errc::kUnauthorized, std::move(detail)); }

Result<Caller> ParseIdentity(std::optional<std::string_view> role,
                             std::optional<std::string_view> user_id) {
  if (!role) {
    // The gateway forwards a request without a token (public routes) with no identity at all.
    if (user_id) return Unauthorized("X-User-Id without X-User-Role");
    return Caller{};
  }
  if (*role == kRoleService)
    return Caller{.role = CallerRole::kService};  // acts for the system, no user
  if (*role != kRoleUser && *role != kRoleAdmin) return Unauthorized("unknown X-User-Role");
  if (!user_id || !IsValidName(*user_id)) return Unauthorized("missing or invalid X-User-Id");
  return Caller{.role = *role == kRoleAdmin ? CallerRole::kAdmin : CallerRole::kUser,
                .user_id = std::string(*user_id)};
}

}  // namespace

Result<Caller> CallerOf(const http::Request& request, std::string_view internal_secret) {
  // An unset secret must never match an absent or empty header.
  if (internal_secret.empty()) return Unauthorized("internal credential not configured");
  const std::optional<std::string_view> token = request.Header(kInternalTokenHeader);
  if (!token || !ConstantTimeEquals(*token, internal_secret))
    return Unauthorized("missing or wrong internal credential");
  return ParseIdentity(request.Header(kUserRoleHeader), request.Header(kUserIdHeader));
}

void SetCallerHeaders(http::Headers& headers, std::string_view internal_secret,
                      const Caller& caller) {
  http::SetHeader(headers, kInternalTokenHeader, std::string(internal_secret));
  switch (caller.role) {
    case CallerRole::kAnonymous:
      http::RemoveHeader(headers, kUserRoleHeader);
      http::RemoveHeader(headers, kUserIdHeader);
      return;
    case CallerRole::kService:
      http::SetHeader(headers, kUserRoleHeader, std::string(kRoleService));
      http::RemoveHeader(headers, kUserIdHeader);
      return;
    case CallerRole::kUser:
    case CallerRole::kAdmin:
      http::SetHeader(headers, kUserRoleHeader,
                      std::string(caller.role == CallerRole::kAdmin ? kRoleAdmin : kRoleUser));
      http::SetHeader(headers, kUserIdHeader, caller.user_id);
      return;
  }
}

}  // namespace tinysaga::platform
