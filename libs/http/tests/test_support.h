#pragma once
// Helpers for the HTTP tests: a server on 127.0.0.1 port 0, and raw POSIX sockets for the
// requests the client library would never send.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <functional>
#include <memory>
#include <string>

#include "tinysaga/http/client.h"
#include "tinysaga/http/server.h"

namespace tinysaga::http::testing {

inline std::unique_ptr<Server> StartServer(ServerOptions options,
                                           const std::function<void(Server&)>& routes) {
  options.address = "127.0.0.1";
  auto server = std::make_unique<Server>(std::move(options));
  routes(*server);
  server->Start();
  return server;
}

inline Endpoint EndpointOf(const Server& server) { return Endpoint{"127.0.0.1", server.port()}; }

inline Request Get(std::string target) {
  Request request;
  request.method = "GET";
  request.target = std::move(target);
  return request;
}

// A connected blocking socket; every receive gives up after 10 s so a bug fails, not hangs.
class RawSocket {
 public:
  explicit RawSocket(uint16_t port) : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
    timeval timeout{10, 0};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  }
  ~RawSocket() { close(fd_); }
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  bool connected() const { return connected_; }
  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t sent = send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (sent <= 0) return false;
      data.remove_prefix(static_cast<size_t>(sent));
    }
    return true;
  }
  // Everything until the peer closes (or the 10 s guard, which then fails `closed`).
  std::string ReadUntilClosed(bool* closed = nullptr) {
    std::string data;
    char buffer[4096];
    for (;;) {
      ssize_t received = recv(fd_, buffer, sizeof(buffer), 0);
      if (received <= 0) {
        if (closed != nullptr) *closed = received == 0 || errno == ECONNRESET;
        return data;
      }
      data.append(buffer, static_cast<size_t>(received));
    }
  }
  // One response with a Content-Length body.
  std::string ReadResponse() {
    std::string data;
    char buffer[4096];
    for (;;) {
      size_t header_end = data.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        size_t length = 0;
        size_t at = data.find("Content-Length: ");
        if (at != std::string::npos && at < header_end) length = std::stoul(data.substr(at + 16));
        if (data.size() >= header_end + 4 + length) return data;
      }
      ssize_t received = recv(fd_, buffer, sizeof(buffer), 0);
      if (received <= 0) return data;
      data.append(buffer, static_cast<size_t>(received));
    }
  }

 private:
  int fd_;
  bool connected_ = false;
};

// A port that nothing listens on: bound, then released.
inline uint16_t ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

}  // namespace tinysaga::http::testing
