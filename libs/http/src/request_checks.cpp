#include "request_checks.h"

#include <vector>

namespace tinysaga::http::internal {

bool IsValidRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool alphanumeric =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alphanumeric && c != '.' && c != '_' && c != ':' && c != '-') return false;
  }
  return true;
}

// Beast takes a Transfer-Encoding whose last coding is not chunked as "no body", and a
// Content-Length after such a Transfer-Encoding as the length; a proxy in front of us may read
// either differently, and the bytes it sees as this request's body would become our next
// request (request smuggling). So a request has either one Content-Length or exactly
// `Transfer-Encoding: chunked`, never both, and anything else is refused (the server then
// closes the connection). Repeated Content-Length fields are refused even when they agree.
std::string FramingProblem(const bhttp::request<bhttp::string_body>& message) {
  size_t content_lengths = 0;
  size_t transfer_encodings = 0;
  std::vector<std::string_view> codings;
  for (const auto& field : message) {
    if (field.name() == bhttp::field::content_length) {
      ++content_lengths;
      if (field.value().find(',') != std::string_view::npos) ++content_lengths;
    } else if (field.name() == bhttp::field::transfer_encoding) {
      ++transfer_encodings;
      for (auto coding : bhttp::token_list{field.value()})
        codings.emplace_back(coding.data(), coding.size());
    }
  }
  if (content_lengths > 1) return "more than one Content-Length";
  if (transfer_encodings == 0) return "";
  if (content_lengths > 0) return "Content-Length together with Transfer-Encoding";
  if (transfer_encodings != 1 || codings.size() != 1 || !beast::iequals(codings.front(), "chunked"))
    return "unsupported Transfer-Encoding: only 'chunked' is accepted";
  return "";
}

}  // namespace tinysaga::http::internal
