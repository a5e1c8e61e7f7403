#include "tinysaga/http/message.h"

#include <strings.h>

#include <nlohmann/json.hpp>

#include "percent.h"

namespace tinysaga::http {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A parameter given twice is refused rather than resolved: a proxy and a service that chose
// different copies (first wins versus last wins) would see different requests.
Result<void> ParseQuery(std::string_view query, std::map<std::string, std::string>& out) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    size_t equals = pair.find('=');
    auto key = internal::PercentDecode(pair.substr(0, equals), true);
    auto value = internal::PercentDecode(
        equals == std::string_view::npos ? std::string_view() : pair.substr(equals + 1), true);
    if (!key || !value) return MakeError(Errc::kInvalidRequest, "malformed request target");
    std::string name = std::move(*key);
    if (!out.emplace(name, std::move(*value)).second) {
      if (name.size() > 64) name = name.substr(0, 64) + "...";
      return MakeError(Errc::kInvalidRequest,
                       "query parameter '" + name + "' is given more than once");
    }
  }
  return Ok();
}

}  // namespace

namespace internal {

std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
  std::string decoded;
  decoded.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      int high = HexValue(text[i + 1]);
      int low = HexValue(text[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      c = static_cast<char>(high * 16 + low);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      c = ' ';
    }
    if (c == '\0') return std::nullopt;
    decoded.push_back(c);
  }
  return decoded;
}

}  // namespace internal

std::optional<std::string_view> FindHeader(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

void SetHeader(Headers& headers, std::string_view name, std::string value) {
  // Keeps the position of the first occurrence so that header order stays stable.
  auto first = headers.end();
  for (auto it = headers.begin(); it != headers.end();) {
    if (!EqualsIgnoreCase(it->first, name)) {
      ++it;
    } else if (first == headers.end()) {
      it->second = std::move(value);
      first = it;
      ++it;
    } else {
      it = headers.erase(it);
    }
  }
  if (first == headers.end()) headers.emplace_back(std::string(name), std::move(value));
}

bool Request::SafeToRepeat() const {
  return method == "GET" || method == "HEAD" || method == "OPTIONS" ||
         Header("Idempotency-Key").has_value();
}

void RemoveHeader(Headers& headers, std::string_view name) {
  std::erase_if(headers,
                [name](const auto& header) { return EqualsIgnoreCase(header.first, name); });
}

std::optional<std::string> Request::Query(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

Response Response::Json(int status, const nlohmann::json& body) {
  Response response;
  response.status = status;
  response.headers.emplace_back("Content-Type", "application/json");
  response.body = body.dump();
  return response;
}

Response Response::Text(int status, std::string body, std::string content_type) {
  Response response;
  response.status = status;
  response.headers.emplace_back("Content-Type", std::move(content_type));
  response.body = std::move(body);
  return response;
}

Result<ParsedTarget> ParseTarget(std::string_view target) {
  size_t question = target.find('?');
  auto path = internal::PercentDecode(target.substr(0, question), false);
  if (!path) return MakeError(Errc::kInvalidRequest, "malformed request target");
  ParsedTarget parsed{std::move(*path), {}};
  if (question != std::string_view::npos) {
    TS_RETURN_IF_ERROR(ParseQuery(target.substr(question + 1), parsed.query));
  }
  return parsed;
}

std::string PercentEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string encoded;
  encoded.reserve(text.size());
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    bool unreserved = (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') ||
                      (byte >= '0' && byte <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      encoded.push_back(c);
    } else {
      encoded.push_back('%');
      encoded.push_back(kHex[byte >> 4]);
      encoded.push_back(kHex[byte & 0x0F]);
    }
  }
  return encoded;
}

}  // namespace tinysaga::http
