#pragma once
// HTTP requests and responses as plain values. Nothing here includes Beast or Asio: the rest
// of tiny-saga sees only these types.

#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tinysaga/core/result.h"

namespace tinysaga::http {

// Header names compare case-insensitively (RFC 9110); order is kept.
using Headers = std::vector<std::pair<std::string, std::string>>;

std::optional<std::string_view> FindHeader(const Headers& headers, std::string_view name);
// Replaces every header called `name` by one with `value`.
void SetHeader(Headers& headers, std::string_view name, std::string value);
void RemoveHeader(Headers& headers, std::string_view name);

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: path and query, e.g. "/api/orders?limit=5"
  Headers headers;
  std::string body;

  // Filled by the server:
  std::string path;                                // target before '?', percent-decoded
  std::map<std::string, std::string> query;        // decoded query parameters (each at most once)
  std::map<std::string, std::string> path_params;  // from the route pattern, e.g. {orderId}
  std::string route;                               // the matched pattern, for metrics and logs
  std::string remote_address;                      // peer IP address

  std::optional<std::string_view> Header(std::string_view name) const { return FindHeader(headers, name); }
  // The path parameter's value; the router guarantees it exists for its own pattern.
  const std::string& PathParam(const std::string& name) const { return path_params.at(name); }
  std::optional<std::string> Query(const std::string& name) const;
  // Whether sending it twice has the effect of sending it once, so that a copy may be sent
  // again when the first went out and no answer came: a read (GET, HEAD, OPTIONS), or any
  // request carrying an Idempotency-Key, which the services that take one honour.
  bool SafeToRepeat() const;
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;

  std::optional<std::string_view> Header(std::string_view name) const { return FindHeader(headers, name); }

  // application/json
  static Response Json(int status, const nlohmann::json& body);
  static Response Text(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");
};

// Splits a request target into a decoded path and query parameters. Fails (kInvalidRequest,
// with a detail for the client) on a malformed percent escape, a decoded NUL byte or a query
// parameter given twice.
struct ParsedTarget {
  std::string path;
  std::map<std::string, std::string> query;
};
Result<ParsedTarget> ParseTarget(std::string_view target);

std::string PercentEncode(std::string_view text);

}  // namespace tinysaga::http
