#pragma once
// Where the JWT secret comes from: TINYSAGA_JWT_SECRET, else the development default (which
// only `tinysaga up` and dev-mode processes accept; see main.cpp).

#include <cstdlib>
#include <string>

namespace tinysaga::app {

inline constexpr const char* kDevJwtSecret = "tinysaga-dev-secret-do-not-use-in-production";

inline std::string JwtSecretFromEnvironment() {
  const char* secret = std::getenv("TINYSAGA_JWT_SECRET");
  return secret != nullptr && *secret != '\0' ? secret : kDevJwtSecret;
}

}  // namespace tinysaga::app
