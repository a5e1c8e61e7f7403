#pragma once
// Hand-made requests for calling handlers directly, and readers for their JSON answers.

#include <nlohmann/json.hpp>
#include <string>

#include "tinysaga/http/message.h"

namespace tinysaga::testing {

inline http::Request MakeRequest(std::string method, std::string path, std::string body = "") {
  http::Request request;
  request.method = std::move(method);
  request.target = path;
  request.path = std::move(path);
  request.body = std::move(body);
  return request;
}

inline nlohmann::json BodyOf(const http::Response& response) {
  return nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
}

// The problem+json type's last path segment: "not-found", "invalid-request", ...
inline std::string SlugOf(const http::Response& response) {
  const nlohmann::json body = BodyOf(response);
  if (!body.is_object() || !body.contains("type") || !body["type"].is_string()) return "<no type>";
  const std::string type = body["type"];
  return type.substr(type.rfind('/') + 1);
}

inline std::string DetailOf(const http::Response& response) {
  const nlohmann::json body = BodyOf(response);
  if (!body.is_object() || !body.contains("detail") || !body["detail"].is_string()) return "";
  return body["detail"];
}

}  // namespace tinysaga::testing
