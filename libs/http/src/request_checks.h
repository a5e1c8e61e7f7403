#pragma once
// Internal to libs/http: the checks the server makes on a request once its header is parsed,
// pure functions so that the fuzz target (fuzz/request_fuzz.cpp) runs exactly what the
// server runs.

#include <boost/beast/http.hpp>
#include <string>
#include <string_view>

namespace tinysaga::http::internal {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

// A client's request id ends up in logs, traces and upstream requests: only a bounded token
// (1-128 characters of [A-Za-z0-9._:-]) is taken, anything else is replaced by a fresh id.
bool IsValidRequestId(std::string_view id);

// Request framing (RFC 9112 section 6.3): why the header's Content-Length and
// Transfer-Encoding fields are refused, or "" when they are fine (see request_checks.cpp).
std::string FramingProblem(const bhttp::request<bhttp::string_body>& message);

}  // namespace tinysaga::http::internal
