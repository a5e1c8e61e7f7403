#pragma once
// One service's calls to another service's instances, as the service caller, blocking or not.
// Round-robin over the configured instances; an instance that is certainly unreachable
// (kUnavailable) is skipped for the next one, so one dead instance costs no request. A
// timeout (outcome unknown, the instance may just be slow) is reported rather than multiplied
// across every instance. What a response means is the calling service's business.
//
// Lifecycle: holds a reference to an http::Client that must outlive it. Thread-safe.

#include <atomic>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tinysaga/core/result.h"
#include "tinysaga/http/client.h"
#include "tinysaga/platform/service.h"

namespace tinysaga::platform {

class PeerClient {
 public:
  // `peer_name` ("inventory", "wallet", ...) only names the peer in error details.
  PeerClient(http::Client& client, std::string peer_name, std::vector<http::Endpoint> endpoints,
             std::string internal_secret, std::chrono::milliseconds timeout);

  // Sends `request` with the service caller's headers to the next instance, moving on to the
  // one after only while instances are certainly unreachable. Any HTTP status is a response;
  // kTimeout when the instance tried last did not answer in time, kUnavailable otherwise.
  Result<http::Response> SendAsService(http::Request request);

  // The same without blocking: `done` gets that result once, on a client I/O thread (on the
  // caller's own thread with an in-process transport), and must not block. The PeerClient must
  // outlive the call.
  using Done = std::function<void(Result<http::Response>)>;
  void SendAsService(http::Request request, Done done);

 private:
  // Sends to the `attempt`th instance after `first`, and on to the next while unreachable.
  void SendFrom(http::Request request, size_t first, size_t attempt, Done done);
  // The error of the instance tried last, told as this peer's.
  Error PeerError(const Error& last) const;

  http::Client& client_;
  std::string peer_name_;
  std::vector<http::Endpoint> endpoints_;
  std::string internal_secret_;
  std::chrono::milliseconds timeout_;
  std::atomic<size_t> next_{0};
};

// The configured instances of peer `name` (ServiceConfig::peers); an unparsable URL is a
// configuration error.
Result<std::vector<http::Endpoint>> PeerEndpoints(const ServiceConfig& config,
                                                  std::string_view name);

}  // namespace tinysaga::platform
