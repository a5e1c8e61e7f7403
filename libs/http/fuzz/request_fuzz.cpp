// libFuzzer target: bytes as a client would send them on one connection, read the way the
// server reads them (Beast's parser with the server's limits, then the server's own checks:
// framing, target, request id, routing). Built only in the fuzz configuration (scripts/fuzz);
// the corpus in fuzz/corpus/request is replayed by every build (fuzz_replay).
//
// What must hold for any input: no crash, leak or undefined behaviour (the sanitizers), and
//  - a request the checks let through has a body of exactly the length its framing says;
//  - a decoded path or query never holds a NUL byte;
//  - a request id that passes the check is a short token.

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "../src/request_checks.h"
#include "tinysaga/http/message.h"
#include "tinysaga/http/router.h"

namespace tinysaga::http {
namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;

constexpr size_t kHeaderBytesMax = 16 * 1024;  // ServerOptions' defaults
constexpr size_t kBodyBytesMax = 64 * 1024;
constexpr size_t kTargetBytesMax = 8 * 1024;

void Check(bool condition) {
  if (!condition) std::abort();
}

const Router& Routes() {
  static const Router router = [] {
    Router routes;
    routes.Add("GET", "/api/orders/{orderId}");
    routes.Add("GET", "/api/orders/{orderId}/events");
    routes.Add("POST", "/api/orders");
    routes.Add("PUT", "/api/orders/{orderId}/status");
    routes.Add("GET", "/healthz");
    return routes;
  }();
  return router;
}

// Feeds `input` to `parser` until `done` says stop; false when the parser refused the bytes
// or needs more than there are.
template <typename Done>
bool Feed(bhttp::request_parser<bhttp::string_body>& parser, std::string_view& input, Done done) {
  while (!done()) {
    beast::error_code ec;
    const size_t used = parser.put(boost::asio::buffer(input.data(), input.size()), ec);
    input.remove_prefix(used);
    if (ec)
      return false;  // need_more at the end of the input, or a parse error: the server answers 4xx
    if (used == 0 && input.empty()) return false;
  }
  return true;
}

// One request off the front of `input`; false when the connection would be closed.
bool ServeOne(std::string_view& input) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(static_cast<uint32_t>(kHeaderBytesMax));
  parser.body_limit(kBodyBytesMax);
  parser.eager(true);
  if (!Feed(parser, input, [&] { return parser.is_header_done(); })) return false;
  if (!internal::FramingProblem(parser.get()).empty()) return false;  // 400 and close
  const auto declared_length = parser.content_length();
  const bool chunked = parser.chunked();
  if (parser.get().target().size() > kTargetBytesMax) return false;  // 414
  if (!Feed(parser, input, [&] { return parser.is_done(); })) return false;

  const auto& message = parser.get();
  // What the framing let through is what the body is: the bytes after it belong to the next
  // request, never to this one (and the other way round).
  if (declared_length) Check(message.body().size() == *declared_length);
  if (!declared_length && !chunked) Check(message.body().empty());

  const std::string_view target = message.target();
  if (!target.empty() && target.front() == '/') {
    auto parsed = ParseTarget(target);
    if (parsed) {
      Check(parsed->path.find('\0') == std::string::npos);
      for (const auto& [name, value] : parsed->query) {
        Check(name.find('\0') == std::string::npos && value.find('\0') == std::string::npos);
      }
      Router::Miss miss = Router::Miss::kNotFound;
      const std::string_view raw_path = target.substr(0, target.find('?'));
      auto match = Routes().Find(message.method_string(), raw_path, &miss);
      if (!match && message.method() == bhttp::verb::head)
        match = Routes().Find("GET", raw_path, &miss);
      if (match) Check(!match->pattern.empty());
    } else {
      Check(parsed.error().code == Errc::kInvalidRequest && !parsed.error().detail.empty());
    }
  }
  auto request_id = message.find("X-Request-Id");
  if (request_id != message.end() && internal::IsValidRequestId(request_id->value())) {
    Check(!request_id->value().empty() && request_id->value().size() <= 128);
    Check(request_id->value().find_first_of(" \t\r\n\"'<>;,") == std::string_view::npos);
  }
  return message.keep_alive();
}

}  // namespace
}  // namespace tinysaga::http

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  // A keep-alive connection: requests one after another, as long as the server would go on.
  for (int requests = 0; requests < 64 && !input.empty(); ++requests) {
    if (!tinysaga::http::ServeOne(input)) break;
  }
  return 0;
}
