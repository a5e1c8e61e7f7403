#include "tinysaga/http/problem.h"

#include <nlohmann/json.hpp>

namespace tinysaga::http {
namespace {

// The reason phrases of the statuses tiny-saga sends; a problem's title is its status's phrase.
std::string_view TitleFor(int status) {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 402:
      return "Payment Required";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return status >= 500 ? "Server Error" : "Client Error";
  }
}

}  // namespace

int StatusFor(Errc code) {
  switch (code) {
    case Errc::kInvalidRequest:
      return 400;
    case Errc::kUnauthorized:
      return 401;
    case Errc::kInsufficientFunds:
      return 402;
    case Errc::kForbidden:
      return 403;
    case Errc::kNotFound:
      return 404;
    case Errc::kConflict:
    case Errc::kIdempotencyInProgress:
      return 409;
    case Errc::kUnprocessable:
    case Errc::kOutOfStock:
    case Errc::kIdempotencyMismatch:
      return 422;
    case Errc::kRateLimited:
      return 429;
    case Errc::kInternal:
      return 500;
    case Errc::kUnavailable:
    case Errc::kTimeout:
      return 503;
  }
  return 500;
}

Response Problem(const Error& error) {
  return Problem(StatusFor(error.code), std::string(ErrcName(error.code)), error.detail);
}

Response Problem(int status, std::string slug, std::string detail) {
  nlohmann::json body = {
      {"type", "https://tinysaga.dev/problems/" + slug},
      {"title", TitleFor(status)},
      {"status", status},
      {"detail", std::move(detail)},
  };
  Response response;
  response.status = status;
  response.headers.emplace_back("Content-Type", "application/problem+json");
  // Replace invalid UTF-8 in a detail (it may quote client input) rather than throw.
  response.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

}  // namespace tinysaga::http
