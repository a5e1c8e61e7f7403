#include "tinysaga/core/result.h"

namespace tinysaga {

std::string_view ErrcName(Errc code) {
  switch (code) {
    case Errc::kInvalidRequest: return "invalid-request";
    case Errc::kUnprocessable: return "unprocessable";
    case Errc::kNotFound: return "not-found";
    case Errc::kConflict: return "conflict";
    case Errc::kIdempotencyMismatch: return "idempotency-key-reused";
    case Errc::kIdempotencyInProgress: return "conflict";
    case Errc::kInsufficientFunds: return "insufficient-funds";
    case Errc::kOutOfStock: return "out-of-stock";
    case Errc::kUnauthorized: return "unauthorized";
    case Errc::kForbidden: return "forbidden";
    case Errc::kRateLimited: return "rate-limited";
    case Errc::kUnavailable: return "service-unavailable";
    case Errc::kTimeout: return "service-unavailable";
    case Errc::kInternal: return "internal";
  }
  return "internal";
}

}  // namespace tinysaga
