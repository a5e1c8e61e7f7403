#pragma once
// Database URLs are printed in reports and errors; a PostgreSQL URL may hold a password.

#include <string>

namespace tinysaga::invariants::internal {

// The URL without a password: "postgresql://user:secret@host/x" -> "postgresql://user@host/x".
inline std::string RedactedUrl(const std::string& url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;
  const size_t at = url.find('@', scheme_end);
  const size_t colon = url.find(':', scheme_end + 3);
  if (at == std::string::npos || colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon) + url.substr(at);
}

}  // namespace tinysaga::invariants::internal
