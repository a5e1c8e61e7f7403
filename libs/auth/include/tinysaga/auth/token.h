#pragma once
// HS256 JSON Web Tokens (through libjwt): `sub` is the user id, `role` is "user" or "admin",
// `iat` and `exp` are seconds since the epoch. Pure functions; thread-safe.

#include <chrono>
#include <string>
#include <string_view>

#include "tinysaga/core/clock.h"
#include "tinysaga/core/result.h"

namespace tinysaga::auth {

enum class Role { kUser, kAdmin };

std::string_view RoleName(Role role);

struct Identity {
  std::string user_id;
  Role role = Role::kUser;

  bool admin() const { return role == Role::kAdmin; }
};

std::string IssueToken(const Identity& identity, std::string_view secret, TimestampMs now_ms,
                       std::chrono::seconds lifetime = std::chrono::hours(24));

// kUnauthorized for a malformed, forged (wrong secret or algorithm), expired or not-yet-valid
// token, or one whose claims are not a valid user id and role.
Result<Identity> VerifyToken(std::string_view token, std::string_view secret, TimestampMs now_ms);

}  // namespace tinysaga::auth
