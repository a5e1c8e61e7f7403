#include "tinysaga/platform/peer_client.h"

#include "tinysaga/platform/caller.h"

namespace tinysaga::platform {

PeerClient::PeerClient(http::Client& client, std::string peer_name,
                       std::vector<http::Endpoint> endpoints, std::string internal_secret,
                       std::chrono::milliseconds timeout)
    : client_(client),
      peer_name_(std::move(peer_name)),
      endpoints_(std::move(endpoints)),
      internal_secret_(std::move(internal_secret)),
      timeout_(timeout) {}

Result<http::Response> PeerClient::SendAsService(http::Request request) {
  if (endpoints_.empty())
    return MakeError(Errc::kUnavailable, "no " + peer_name_ + " instance configured");
  SetCallerHeaders(request.headers, internal_secret_, Caller{CallerRole::kService, ""});
  size_t first = next_.fetch_add(1);
  Error last_error = MakeError(Errc::kUnavailable, peer_name_ + " unreachable");
  for (size_t attempt = 0; attempt < endpoints_.size(); ++attempt) {
    const http::Endpoint& endpoint = endpoints_[(first + attempt) % endpoints_.size()];
    auto response = client_.SendAndWait(endpoint, request, timeout_);
    if (response.ok()) return response;
    last_error = response.error();
    // Only a refused or failed connection is certainly unanswered; anything else may have
    // reached the peer, so trying another instance could repeat its effect.
    if (last_error.code != Errc::kUnavailable) break;
  }
  return PeerError(last_error);
}

void PeerClient::SendAsService(http::Request request, Done done) {
  if (endpoints_.empty()) {
    done(MakeError(Errc::kUnavailable, "no " + peer_name_ + " instance configured"));
    return;
  }
  SetCallerHeaders(request.headers, internal_secret_, Caller{CallerRole::kService, ""});
  SendFrom(std::move(request), next_.fetch_add(1), 0, std::move(done));
}

void PeerClient::SendFrom(http::Request request, size_t first, size_t attempt, Done done) {
  const http::Endpoint& endpoint = endpoints_[(first + attempt) % endpoints_.size()];
  http::Request sent = request;  // the request stays for the next instance
  client_.Send(
      endpoint, std::move(sent),
      [this, request = std::move(request), first, attempt,
       done = std::move(done)](Result<http::Response> response) mutable {
        if (response.ok()) {
          done(std::move(response));
        } else if (response.error().code == Errc::kUnavailable && attempt + 1 < endpoints_.size()) {
          SendFrom(std::move(request), first, attempt + 1, std::move(done));  // as above
        } else {
          done(PeerError(response.error()));
        }
      },
      timeout_);
}

Error PeerClient::PeerError(const Error& last) const {
  if (last.code == Errc::kTimeout)
    return MakeError(Errc::kTimeout, peer_name_ + " did not answer in time");
  return MakeError(Errc::kUnavailable, peer_name_ + " unreachable: " + last.detail);
}

Result<std::vector<http::Endpoint>> PeerEndpoints(const ServiceConfig& config,
                                                  std::string_view name) {
  std::vector<http::Endpoint> endpoints;
  for (const auto& [peer, urls] : config.peers) {
    if (peer != name) continue;
    for (const std::string& url : urls) {
      TS_ASSIGN_OR_RETURN(http::Endpoint endpoint, http::Endpoint::Parse(url));
      endpoints.push_back(std::move(endpoint));
    }
  }
  return endpoints;
}

}  // namespace tinysaga::platform
