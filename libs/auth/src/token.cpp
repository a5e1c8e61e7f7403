#include "tinysaga/auth/token.h"

#include <jwt.h>

#include <algorithm>
#include <cassert>
#include <cstdlib>
#include <limits>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <unordered_map>

#include "tinysaga/core/ids.h"

namespace tinysaga::auth {
namespace {

// Clocks of the issuer and of the gateway may disagree a little; a token minted "in the
// future" by up to this much is still accepted. Expiry is exact.
constexpr int64_t kClockSkewSeconds = 60;
// Far above any token we issue; bounds the work an attacker can make the verifier do.
constexpr size_t kTokenLengthMax = 8 * 1024;

struct JwtFree {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtFree>;

struct CharFree {
  void operator()(char* text) const { std::free(text); }  // libjwt 1.10 strings come from malloc
};
using CharPtr = std::unique_ptr<char, CharFree>;

Error Unauthorized(std::string detail) { return MakeError(Errc::kUnauthorized, std::move(detail)); }

std::optional<Role> ParseRole(std::string_view name) {
  if (name == "user") return Role::kUser;
  if (name == "admin") return Role::kAdmin;
  return std::nullopt;
}

// Decodes and checks the signature; only HS256 is trusted, whatever the header says.
Result<JwtPtr> DecodeHs256(std::string_view token, std::string_view secret) {
  if (secret.empty()) return Unauthorized("no token secret configured");
  if (token.empty() || token.size() > kTokenLengthMax) return Unauthorized("malformed token");
  const std::string token_text(token);  // libjwt wants a NUL-terminated string
  jwt_t* raw = nullptr;
  const int status =
      jwt_decode(&raw, token_text.c_str(), reinterpret_cast<const unsigned char*>(secret.data()),
                 static_cast<int>(secret.size()));
  JwtPtr jwt(raw);
  if (status != 0 || !jwt) return Unauthorized("invalid token");
  if (jwt_get_alg(jwt.get()) != JWT_ALG_HS256) return Unauthorized("token algorithm is not HS256");
  return jwt;
}

// Reads all claims as JSON, so that types are checked exactly (a string "exp" is no expiry).
Result<nlohmann::json> ClaimsOf(jwt_t* jwt) {
  CharPtr grants(jwt_get_grants_json(jwt, nullptr));
  if (!grants) return Unauthorized("token has no claims");
  nlohmann::json claims = nlohmann::json::parse(grants.get(), nullptr, /*allow_exceptions=*/false);
  if (!claims.is_object()) return Unauthorized("token claims are not an object");
  return claims;
}

// When a token holds: before `expires_s`, and from `starts_s` (its latest iat or nbf; INT64_MIN
// when it has neither) less the clock skew.
struct Validity {
  int64_t expires_s = 0;
  int64_t starts_s = std::numeric_limits<int64_t>::min();
};

Result<Validity> ValidityOf(const nlohmann::json& claims) {
  const auto exp = claims.find("exp");
  if (exp == claims.end() || !exp->is_number_integer()) return Unauthorized("token has no expiry");
  Validity validity{.expires_s = exp->get<int64_t>()};
  for (const char* name : {"iat", "nbf"}) {
    const auto claim = claims.find(name);
    if (claim == claims.end()) continue;
    if (!claim->is_number_integer())
      return Unauthorized(std::string("token claim ") + name + " is not an integer");
    validity.starts_s = std::max(validity.starts_s, claim->get<int64_t>());
  }
  return validity;
}

Result<void> CheckTimes(const Validity& validity, int64_t now_s) {
  if (now_s >= validity.expires_s) return Unauthorized("token expired");
  if (validity.starts_s > now_s + kClockSkewSeconds) return Unauthorized("token not valid yet");
  return Ok();
}

Result<Identity> IdentityOf(const nlohmann::json& claims) {
  const auto sub = claims.find("sub");
  if (sub == claims.end() || !sub->is_string() ||
      !IsValidName(sub->get_ref<const std::string&>())) {
    return Unauthorized("token subject is not a valid user id");
  }
  Identity identity{.user_id = sub->get<std::string>()};
  const auto role = claims.find("role");
  if (role == claims.end()) return identity;  // tokens without a role are ordinary users
  std::optional<Role> parsed =
      role->is_string() ? ParseRole(role->get_ref<const std::string&>()) : std::nullopt;
  if (!parsed) return Unauthorized("token role is not user or admin");
  identity.role = *parsed;
  return identity;
}

// Everything but the times: the signature, the claims' types, the identity.
struct VerifiedToken {
  Identity identity;
  Validity validity;
};

Result<VerifiedToken> ReadToken(std::string_view token, std::string_view secret) {
  TS_ASSIGN_OR_RETURN(JwtPtr jwt, DecodeHs256(token, secret));
  TS_ASSIGN_OR_RETURN(nlohmann::json claims, ClaimsOf(jwt.get()));
  TS_ASSIGN_OR_RETURN(Validity validity, ValidityOf(claims));
  TS_ASSIGN_OR_RETURN(Identity identity, IdentityOf(claims));
  return VerifiedToken{std::move(identity), validity};
}

// Keyed by the token's exact text; looked up by a string_view without a copy.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

}  // namespace

std::string_view RoleName(Role role) {
  switch (role) {
    case Role::kUser:
      return "user";
    case Role::kAdmin:
      return "admin";
  }
  return "user";
}

std::string IssueToken(const Identity& identity, std::string_view secret, TimestampMs now_ms,
                       std::chrono::seconds lifetime) {
  // Issuing with no secret or for an invalid user is a wiring bug, not a runtime condition.
  assert(!secret.empty() && IsValidName(identity.user_id));
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return {};
  JwtPtr jwt(raw);
  const long issued_at_s = static_cast<long>(now_ms / 1000);
  const std::string role(RoleName(identity.role));
  const bool built =
      jwt_add_grant(jwt.get(), "sub", identity.user_id.c_str()) == 0 &&
      jwt_add_grant(jwt.get(), "role", role.c_str()) == 0 &&
      jwt_add_grant_int(jwt.get(), "iat", issued_at_s) == 0 &&
      jwt_add_grant_int(jwt.get(), "exp", issued_at_s + static_cast<long>(lifetime.count())) == 0 &&
      jwt_set_alg(jwt.get(), JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(secret.data()),
                  static_cast<int>(secret.size())) == 0;
  if (!built) return {};  // an empty token never verifies
  CharPtr encoded(jwt_encode_str(jwt.get()));
  return encoded ? std::string(encoded.get()) : std::string();
}

Result<Identity> VerifyToken(std::string_view token, std::string_view secret, TimestampMs now_ms) {
  TS_ASSIGN_OR_RETURN(VerifiedToken verified, ReadToken(token, secret));
  TS_RETURN_IF_ERROR(CheckTimes(verified.validity, now_ms / 1000));
  return std::move(verified.identity);
}

class TokenVerifier::Impl {
 public:
  Impl(std::string secret, size_t remembered_max)
      : secret_(std::move(secret)), remembered_max_(remembered_max) {}

  Result<Identity> Verify(std::string_view token, TimestampMs now_ms) {
    const int64_t now_s = now_ms / 1000;
    {
      std::lock_guard lock(mutex_);
      if (auto found = remembered_.find(token); found != remembered_.end()) {
        TS_RETURN_IF_ERROR(CheckTimes(found->second.validity, now_s));
        return found->second.identity;
      }
    }
    TS_ASSIGN_OR_RETURN(VerifiedToken verified, ReadToken(token, secret_));
    TS_RETURN_IF_ERROR(CheckTimes(verified.validity, now_s));
    std::lock_guard lock(mutex_);
    if (remembered_.size() >= remembered_max_) remembered_.clear();
    remembered_.emplace(std::string(token), verified);
    return std::move(verified.identity);
  }

 private:
  const std::string secret_;
  const size_t remembered_max_;
  std::mutex mutex_;
  std::unordered_map<std::string, VerifiedToken, StringHash, std::equal_to<>> remembered_;
};

TokenVerifier::TokenVerifier(std::string secret, size_t remembered_max)
    : impl_(std::make_unique<Impl>(std::move(secret), remembered_max)) {}
TokenVerifier::~TokenVerifier() = default;

Result<Identity> TokenVerifier::Verify(std::string_view token, TimestampMs now_ms) const {
  return impl_->Verify(token, now_ms);
}

}  // namespace tinysaga::auth
