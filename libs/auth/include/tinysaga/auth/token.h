#pragma once
// HS256 JSON Web Tokens (through libjwt): `sub` is the user id, `role` is "user" or "admin",
// `iat` and `exp` are seconds since the epoch. Thread-safe.

#include <chrono>
#include <memory>
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

// VerifyToken with one secret, remembering the tokens it accepted: the same token again costs
// a lookup instead of an HMAC and two JSON parses (the gateway checks a token on every request,
// about five per saga). Only a token that verified is remembered, by its exact text, and its
// times are checked again on every use, so an answer is always VerifyToken's. Bounded: once
// `remembered_max` tokens are held it forgets them all and starts over. Thread-safe.
class TokenVerifier {
 public:
  explicit TokenVerifier(std::string secret, size_t remembered_max = 10'000);
  ~TokenVerifier();
  TokenVerifier(const TokenVerifier&) = delete;
  TokenVerifier& operator=(const TokenVerifier&) = delete;

  Result<Identity> Verify(std::string_view token, TimestampMs now_ms) const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tinysaga::auth
