#pragma once
// Idempotency-Key support (API.md): keys are per user; the same key with the same request
// replays the stored response, with a different request it is a 422. Used inside the same
// write transaction as the effect, so the effect and the stored response commit together
// and a concurrent duplicate waits on the write lock, then replays.

#include <optional>
#include <string>
#include <string_view>

#include "tinysaga/core/clock.h"
#include "tinysaga/core/result.h"

namespace soci {
class session;
}

namespace tinysaga::storage {

struct StoredResponse {
  int status = 0;
  std::string body;
};

// A stable fingerprint of what the request asks for: SHA-256 over method, path and body.
std::string RequestFingerprint(std::string_view method, std::string_view path, std::string_view body);

// Valid keys are 1-128 printable ASCII characters.
bool IsValidIdempotencyKey(std::string_view key);

// The stored response for (user, key) if the fingerprint matches; nullopt if the key is new;
// kIdempotencyMismatch if it was used for another request.
Result<std::optional<StoredResponse>> FindIdempotentResponse(soci::session& session, std::string_view user_id,
                                                             std::string_view key, std::string_view fingerprint);

void SaveIdempotentResponse(soci::session& session, std::string_view user_id, std::string_view key,
                            std::string_view fingerprint, const StoredResponse& response, TimestampMs now_ms);

}  // namespace tinysaga::storage
