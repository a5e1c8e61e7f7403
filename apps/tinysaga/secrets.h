#pragma once
// Where the JWT secret comes from: TINYSAGA_JWT_SECRET, else the development default (which
// only `tinysaga up` and dev-mode processes accept; see main.cpp).

#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace tinysaga::app {

inline constexpr const char* kDevJwtSecret = "tinysaga-dev-secret-do-not-use-in-production";

inline std::string JwtSecretFromEnvironment() {
  const char* secret = std::getenv("TINYSAGA_JWT_SECRET");
  return secret != nullptr && *secret != '\0' ? secret : kDevJwtSecret;
}

inline constexpr size_t kProductionJwtSecretBytesMin = 32;

// Why TINYSAGA_JWT_SECRET is not good enough for --production; "" when it is: it must be set,
// not the development secret, and at least kProductionJwtSecretBytesMin characters.
inline std::string ProductionJwtSecretProblem() {
  const char* secret = std::getenv("TINYSAGA_JWT_SECRET");
  const std::string minimum = std::to_string(kProductionJwtSecretBytesMin);
  if (secret == nullptr || *secret == '\0')
    return "--production needs TINYSAGA_JWT_SECRET (" + minimum +
           "+ characters, e.g. `openssl rand -hex 32`)";
  if (std::string_view(secret) == kDevJwtSecret)
    return "--production refuses the development JWT secret; set TINYSAGA_JWT_SECRET to a secret "
           "of your own";
  if (std::strlen(secret) < kProductionJwtSecretBytesMin)
    return "--production needs a TINYSAGA_JWT_SECRET of at least " + minimum + " characters";
  return "";
}

}  // namespace tinysaga::app
