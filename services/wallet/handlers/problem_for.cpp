#include "wallet/handlers/problem_for.h"

#include "tinysaga/http/problem.h"
#include "wallet/log.h"

namespace tinysaga::wallet {

http::Response ProblemFor(const Error& error) {
  if (error.code != Errc::kInternal) return http::Problem(error);
  Log()->error("internal error: {}", error.detail);
  return http::Problem(500, "internal", "internal error");
}

}  // namespace tinysaga::wallet
