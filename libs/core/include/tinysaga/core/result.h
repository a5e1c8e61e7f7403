#pragma once
// Expected failures are values: every fallible operation returns Result<T>, holding either a
// T or an Error. The error code says whether retrying can help, so callers choose between
// retry and compensation from the code alone.

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace tinysaga {

enum class Errc {
  kInvalidRequest,         // malformed or out-of-range input (400)
  kUnprocessable,          // well-formed but semantically impossible, e.g. overflow (422)
  kNotFound,               // unknown id, or one the caller may not see (404)
  kConflict,               // illegal state transition, duplicate id (409)
  kIdempotencyMismatch,    // same Idempotency-Key, different request (422)
  kIdempotencyInProgress,  // same Idempotency-Key while the first is running (409)
  kInsufficientFunds,      // wallet balance too low (402)
  kOutOfStock,             // not enough stock (422)
  kUnauthorized,           // missing or invalid credentials (401)
  kForbidden,              // authenticated but not allowed (403)
  kRateLimited,            // over the rate limit (429)
  kUnavailable,            // a dependency could not be reached; nothing was sent (503)
  kTimeout,                // a dependency did not answer in time; outcome unknown (503)
  kInternal,               // a bug or a broken dependency (500)
};

// True when the same operation may succeed if tried again later.
constexpr bool IsRetryable(Errc code) {
  return code == Errc::kUnavailable || code == Errc::kTimeout || code == Errc::kRateLimited;
}

std::string_view ErrcName(Errc code);

struct Error {
  Errc code = Errc::kInternal;
  std::string detail;

  bool Retryable() const { return IsRetryable(code); }
};

inline Error MakeError(Errc code, std::string detail) { return Error{code, std::move(detail)}; }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}   // NOLINT: implicit by design
  Result(Error error) : state_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(state_); }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<T>(state_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<T>(state_);
  }
  T&& value() && {
    assert(ok());
    return std::get<T>(std::move(state_));
  }
  const Error& error() const {
    assert(!ok());
    return std::get<Error>(state_);
  }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT: implicit by design

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

inline Result<void> Ok() { return {}; }

}  // namespace tinysaga

// Propagates the error of a Result-returning expression, else binds its value.
#define TS_CONCAT_INNER(a, b) a##b
#define TS_CONCAT(a, b) TS_CONCAT_INNER(a, b)
#define TS_ASSIGN_OR_RETURN(lhs, expr) TS_ASSIGN_OR_RETURN_IMPL(TS_CONCAT(ts_result_, __LINE__), lhs, expr)
#define TS_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.error();             \
  lhs = std::move(tmp).value()
#define TS_RETURN_IF_ERROR(expr)                            \
  do {                                                      \
    if (auto ts_status = (expr); !ts_status.ok()) return ts_status.error(); \
  } while (false)
