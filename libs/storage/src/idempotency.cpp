#include "tinysaga/storage/idempotency.h"

#include <openssl/evp.h>
#include <soci/soci.h>

#include <algorithm>
#include <cassert>

#include "tinysaga/core/hex.h"

namespace tinysaga::storage {
namespace {

constexpr size_t kIdempotencyKeyLengthMax = 128;

// On PostgreSQL (READ COMMITTED) two concurrent requests with one key would both miss the
// row; a transaction-scoped advisory lock on the key makes the second wait for the first to
// commit and then replay its response. SQLite needs nothing: BEGIN IMMEDIATE already
// serialises writers.
void LockKeyIfPostgres(soci::session& session, const std::string& user_id, const std::string& key) {
  if (session.get_backend_name() != "postgresql") return;
  // Named, not a temporary: SOCI runs the statement when the full expression ends, after
  // temporaries created inside it are gone.
  const std::string scope = user_id + '\n' + key;
  int locked = 0;
  session << "SELECT COUNT(*) FROM (SELECT pg_advisory_xact_lock(hashtextextended(:scope, 0))) AS "
             "key_lock",
      soci::use(scope), soci::into(locked);
}

}  // namespace

std::string RequestFingerprint(std::string_view method, std::string_view path,
                               std::string_view body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_size = 0;
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  // Failing to hash in memory means OpenSSL itself is broken: crash loudly.
  [[maybe_unused]] bool ok = context != nullptr &&
                             EVP_DigestInit_ex(context, EVP_sha256(), nullptr) == 1 &&
                             EVP_DigestUpdate(context, method.data(), method.size()) == 1 &&
                             EVP_DigestUpdate(context, "\n", 1) == 1 &&
                             EVP_DigestUpdate(context, path.data(), path.size()) == 1 &&
                             EVP_DigestUpdate(context, "\n", 1) == 1 &&
                             EVP_DigestUpdate(context, body.data(), body.size()) == 1 &&
                             EVP_DigestFinal_ex(context, digest, &digest_size) == 1;
  EVP_MD_CTX_free(context);
  assert(ok);
  return HexOf(std::string_view(reinterpret_cast<const char*>(digest), digest_size));
}

bool IsValidIdempotencyKey(std::string_view key) {
  if (key.empty() || key.size() > kIdempotencyKeyLengthMax) return false;
  const bool printable =
      std::all_of(key.begin(), key.end(), [](char c) { return c >= 0x20 && c <= 0x7E; });
  // A key of only spaces would be trimmed to nothing by HTTP header parsing elsewhere.
  const bool blank = std::all_of(key.begin(), key.end(), [](char c) { return c == ' '; });
  return printable && !blank;
}

Result<std::optional<StoredResponse>> FindIdempotentResponse(soci::session& session,
                                                             std::string_view user_id,
                                                             std::string_view key,
                                                             std::string_view fingerprint) {
  const std::string user(user_id);
  const std::string key_text(key);
  LockKeyIfPostgres(session, user, key_text);
  std::string stored_fingerprint;
  StoredResponse response;
  session << "SELECT fingerprint, status_code, response_body FROM idempotency_keys "
             "WHERE user_id = :user_id AND idempotency_key = :idempotency_key",
      soci::into(stored_fingerprint), soci::into(response.status), soci::into(response.body),
      soci::use(user), soci::use(key_text);
  if (!session.got_data()) return std::optional<StoredResponse>();
  if (stored_fingerprint != fingerprint) {
    return MakeError(Errc::kIdempotencyMismatch,
                     "this Idempotency-Key was already used for a different request");
  }
  return std::optional<StoredResponse>(std::move(response));
}

void SaveIdempotentResponse(soci::session& session, std::string_view user_id, std::string_view key,
                            std::string_view fingerprint, const StoredResponse& response,
                            TimestampMs now_ms) {
  const std::string user(user_id);
  const std::string key_text(key);
  const std::string fingerprint_text(fingerprint);
  const long long created_at_ms = now_ms;
  session << "INSERT INTO idempotency_keys "
             "(user_id, idempotency_key, fingerprint, status_code, response_body, created_at_ms) "
             "VALUES (:user_id, :idempotency_key, :fingerprint, :status_code, :response_body, "
             ":created_at_ms)",
      soci::use(user), soci::use(key_text), soci::use(fingerprint_text), soci::use(response.status),
      soci::use(response.body), soci::use(created_at_ms);
}

}  // namespace tinysaga::storage
