#pragma once
// RFC 9457 problem details: the one way every process reports an error over HTTP.

#include <string>

#include "tinysaga/core/result.h"
#include "tinysaga/http/message.h"

namespace tinysaga::http {

// The HTTP status for an error code: kInvalidRequest 400, kUnauthorized 401,
// kInsufficientFunds 402, kForbidden 403, kNotFound 404, kConflict and
// kIdempotencyInProgress 409, kUnprocessable, kOutOfStock and kIdempotencyMismatch 422,
// kRateLimited 429, kInternal 500, kUnavailable and kTimeout 503.
int StatusFor(Errc code);

// {"type": "https://tinysaga.dev/problems/<slug>", "title", "status", "detail"} as
// application/problem+json.
Response Problem(const Error& error);
Response Problem(int status, std::string slug, std::string detail);

}  // namespace tinysaga::http
