#pragma once
// What a failed database call means for the caller, and the guard that turns every exception
// from SOCI (or from a transaction's work) into one, so that nothing escapes the adapter.

#include <functional>
#include <optional>
#include <utility>

#include "tinysaga/core/result.h"

namespace soci {
class soci_error;
}  // namespace soci

namespace tinysaga::storage {

struct Failure {
  Error error;
  bool transient = false;        // a retry of the whole transaction may succeed
  bool connection_lost = false;  // the session must reconnect before its next use
};

Failure Classify(const soci::soci_error& error);

// Wraps std::exception and anything else; SOCI errors are classified.
std::optional<Failure> GuardCall(const std::function<void()>& step);

template <typename Step>
std::optional<Failure> Guard(Step&& step) {
  return GuardCall(std::function<void()>(std::forward<Step>(step)));
}

}  // namespace tinysaga::storage
