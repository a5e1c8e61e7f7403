#include "tinysaga/kafka_broker/broker.h"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <array>
#include <thread>

#include "asio.h"
#include "log.h"
#include "requests.h"

namespace tinysaga::kafka_broker {

std::shared_ptr<spdlog::logger> Log() {
  static const std::shared_ptr<spdlog::logger> logger = [] {
    if (auto existing = spdlog::get("kafka-broker")) return existing;
    return spdlog::stderr_color_mt("kafka-broker");
  }();
  return logger;
}

namespace {

// Larger than any request a client sends here (message.max.bytes is 1 MB); a larger size is a
// stranger speaking another protocol, and its connection is closed.
constexpr int32_t kRequestBytesMax = 100 * 1024 * 1024;
// How often members silent past their session timeout are looked for.
constexpr std::chrono::milliseconds kExpiryPeriod{250};

int32_t SizeOf(const std::array<char, 4>& prefix) {
  return Reader(std::string_view(prefix.data(), prefix.size())).Int32();
}

}  // namespace

// The network thread and everything it owns. Member order is destruction order reversed:
// `context` goes first (its suspended coroutines with it), while `requests` still exists.
struct Broker::Server {
  explicit Server(const BrokerOptions& options, uint16_t port)
      : requests(options, "127.0.0.1", port),
        bootstrap_servers("127.0.0.1:" + std::to_string(port)) {}

  Awaitable<void> Accept(tcp::acceptor acceptor);
  Awaitable<void> Serve(tcp::socket socket, ConnectionId connection);
  Awaitable<void> ExpireMembers();

  Requests requests;
  std::string bootstrap_servers;
  ConnectionId connections_accepted = 0;
  asio::io_context context{1};
  std::thread thread;
};

Awaitable<void> Broker::Server::Accept(tcp::acceptor acceptor) {
  for (;;) {
    error_code ec;
    tcp::socket socket = co_await acceptor.async_accept(Await(ec));
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) {
      Log()->warn("accept failed: {}", ec.message());
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);  // answers go out at once
    asio::co_spawn(context, Serve(std::move(socket), ++connections_accepted), asio::detached);
  }
}

// One request at a time per connection, answered in order, as a Kafka broker does: a fetch
// held waiting for data holds the requests behind it on the same connection.
Awaitable<void> Broker::Server::Serve(tcp::socket socket, ConnectionId connection) {
  std::string request;
  std::string response;
  try {
    for (;;) {
      std::array<char, 4> prefix{};
      error_code ec;
      co_await asio::async_read(socket, asio::buffer(prefix), Await(ec));
      if (ec) break;
      const int32_t size = SizeOf(prefix);
      if (size < 0 || size > kRequestBytesMax) throw WireError("request size out of bounds");
      request.resize(static_cast<size_t>(size));
      co_await asio::async_read(socket, asio::buffer(request), Await(ec));
      if (ec) break;
      Reader reader(request);
      const RequestHeader header = ReadRequestHeader(reader, connection);
      std::optional<std::string> body = co_await requests.Answer(header, reader);
      if (!body) continue;
      Writer frame;
      frame.Int32(static_cast<int32_t>(4 + body->size()));
      frame.Int32(header.correlation_id);
      response = frame.Take();
      response += *body;
      co_await asio::async_write(socket, asio::buffer(response), Await(ec));
      if (ec) break;
    }
  } catch (const WireError& error) {
    Log()->warn("closing connection {}: {}", connection, error.what());
  }
  requests.groups().ConnectionClosed(connection, std::chrono::steady_clock::now());
}

Awaitable<void> Broker::Server::ExpireMembers() {
  asio::steady_timer timer(context);
  for (;;) {
    timer.expires_after(kExpiryPeriod);
    error_code ec;
    co_await timer.async_wait(Await(ec));
    if (ec == asio::error::operation_aborted) co_return;
    requests.groups().Expire(std::chrono::steady_clock::now());
  }
}

Broker::Broker(std::unique_ptr<Server> server) : server_(std::move(server)) {}

Result<std::unique_ptr<Broker>> Broker::Start(const BrokerOptions& options) {
  if (options.partitions < 1 || options.partitions > 1024)
    return MakeError(Errc::kInvalidRequest, "a topic needs 1 to 1024 partitions");
  try {
    // The port is known only once bound, and the state needs it (metadata names the broker).
    asio::io_context bind_context;
    tcp::acceptor probe(bind_context);
    tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    probe.open(endpoint.protocol());
    probe.set_option(tcp::acceptor::reuse_address(true));
    probe.bind(endpoint);
    probe.listen();
    const uint16_t port = probe.local_endpoint().port();
    auto server = std::make_unique<Server>(options, port);
    tcp::acceptor acceptor(server->context, endpoint.protocol(), probe.release());
    asio::co_spawn(server->context, server->Accept(std::move(acceptor)), asio::detached);
    asio::co_spawn(server->context, server->ExpireMembers(), asio::detached);
    Server* running = server.get();
    server->thread = std::thread([running] {
      pthread_setname_np(pthread_self(), "kafka-broker");
      running->context.run();
    });
    Log()->debug("listening on {}, {} topics of {} partitions", server->bootstrap_servers,
                 options.topics.size(), options.partitions);
    return std::unique_ptr<Broker>(new Broker(std::move(server)));
  } catch (const std::exception& error) {
    return MakeError(Errc::kInternal, std::string("cannot start the broker: ") + error.what());
  }
}

Broker::~Broker() {
  server_->context.stop();
  if (server_->thread.joinable()) server_->thread.join();
}

const std::string& Broker::bootstrap_servers() const { return server_->bootstrap_servers; }

}  // namespace tinysaga::kafka_broker
