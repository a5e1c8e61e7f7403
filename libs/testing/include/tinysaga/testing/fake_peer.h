#pragma once
// A fake peer service for handler tests: a real http::Server on 127.0.0.1, port 0, serving a
// few canned routes (a fake, not a mock framework). Routes are added before Start(); handlers
// run on the server's worker threads, so whatever they share with the test must be locked.

#include <memory>
#include <string>

#include "tinysaga/http/client.h"
#include "tinysaga/http/server.h"

namespace tinysaga::testing {

class FakePeer {
 public:
  FakePeer() : server_(std::make_unique<http::Server>(Options())) {}
  ~FakePeer() { Stop(); }

  void Route(std::string method, std::string pattern, http::Handler handler) {
    server_->Route(std::move(method), std::move(pattern), std::move(handler));
  }
  void Start() {
    server_->Start();
    endpoint_ = http::Endpoint{"127.0.0.1", server_->port()};
  }
  // After Stop() the endpoint refuses connections: the peer is "down".
  void Stop() {
    if (server_) server_->Stop();
  }
  const http::Endpoint& endpoint() const { return endpoint_; }

 private:
  static http::ServerOptions Options() {
    http::ServerOptions options;
    options.address = "127.0.0.1";
    options.port = 0;
    options.worker_threads = 2;
    options.shutdown_grace = std::chrono::milliseconds(100);
    options.name = "fake-peer";
    return options;
  }

  std::unique_ptr<http::Server> server_;
  http::Endpoint endpoint_;
};

// An endpoint where nothing listens: a started and stopped server's port.
inline http::Endpoint DeadEndpoint() {
  FakePeer peer;
  peer.Start();
  http::Endpoint endpoint = peer.endpoint();
  peer.Stop();
  return endpoint;
}

}  // namespace tinysaga::testing
