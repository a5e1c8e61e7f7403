#pragma once
// Who is calling a service. Only the gateway (and services calling each other) may set the
// identity headers: every service request must carry the internal credential, else it is
// refused with 401, so a client that reaches a service port directly cannot pose as anyone.

#include <optional>
#include <string>
#include <string_view>

#include "tinysaga/core/result.h"
#include "tinysaga/http/message.h"

namespace tinysaga::platform {

inline constexpr std::string_view kInternalTokenHeader = "X-Internal-Token";
inline constexpr std::string_view kUserIdHeader = "X-User-Id";
inline constexpr std::string_view kUserRoleHeader = "X-User-Role";  // "user", "admin" or "service"
inline constexpr std::string_view kRequestIdHeader = "X-Request-Id";
inline constexpr std::string_view kIdempotencyKeyHeader = "Idempotency-Key";

enum class CallerRole {
  kAnonymous,  // no token (public routes only)
  kUser,
  kAdmin,
  kService,  // another tiny-saga service acting for the system
};

struct Caller {
  CallerRole role = CallerRole::kAnonymous;
  std::string user_id;  // empty for kAnonymous and kService

  // Admins and services see and act on everything.
  bool privileged() const { return role == CallerRole::kAdmin || role == CallerRole::kService; }
  bool authenticated() const { return role != CallerRole::kAnonymous; }
  // True when the caller may see or act on `owner_user_id`'s data.
  bool CanAccess(std::string_view owner_user_id) const {
    return privileged() || (role == CallerRole::kUser && user_id == owner_user_id);
  }
};

// kUnauthorized when the internal credential is missing or wrong (compared in constant time),
// or the identity headers are malformed.
Result<Caller> CallerOf(const http::Request& request, std::string_view internal_secret);

// Sets the internal credential and identity headers on an outgoing service-to-service request.
void SetCallerHeaders(http::Headers& headers, std::string_view internal_secret, const Caller& caller);

}  // namespace tinysaga::platform
