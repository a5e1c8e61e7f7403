#pragma once
// Runs `tinysaga up` as a real child process in a fresh temporary directory, on a free port,
// for end-to-end tests. The constructor returns once `up` has printed its ready line (a
// blocking read of its stdout: no sleeps); the destructor sends SIGTERM and waits.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tinysaga/http/client.h"

namespace tinysaga::e2e {

class UpProcess {
 public:
  // `extra_env`: "NAME=value" entries added to (or replacing in) the test's environment for
  // `up` and the processes it starts, e.g. LD_PRELOAD.
  explicit UpProcess(std::vector<std::string> extra_args = {},
                     std::vector<std::string> extra_env = {});
  // `up` again on the databases of another UpProcess, after that one's Stop() (an operator's
  // restart, e.g. with another --kafka). The directory stays the other one's: it removes it.
  UpProcess(std::vector<std::string> extra_args, const UpProcess& stopped);
  ~UpProcess();

  // SIGTERM, and waits until `up` has stopped its children and exited (the destructor does
  // the same). Returns its exit code (-1: killed by a signal); the data directory stays.
  int Stop();
  UpProcess(const UpProcess&) = delete;
  UpProcess& operator=(const UpProcess&) = delete;

  const http::Endpoint& gateway() const { return gateway_; }
  const std::filesystem::path& data_dir() const { return data_dir_; }
  // The --db given to `up`, else "sqlite:<data_dir>": what `tinysaga check --db` takes.
  std::string db_template() const;
  // `up`'s status file: {"url", "pid", "kafka", "processes": [{"name", "pid", "port",
  // "restarts"}]}.
  nlohmann::json Status() const;
  nlohmann::json Process(const std::string& name) const;

 private:
  std::filesystem::path data_dir_;
  void Start(std::vector<std::string> extra_args, std::vector<std::string> extra_env);

  std::string db_template_;  // empty: SQLite files in data_dir_
  bool owns_data_dir_ = true;
  pid_t pid_ = -1;
  http::Endpoint gateway_;
};

// A small JSON-over-HTTP client for the gateway, acting as one user.
class Api {
 public:
  struct Reply {
    int status = 0;
    nlohmann::json body;  // null when the body is not JSON
    http::Headers headers;
    std::string raw;
  };

  Api(http::Client& client, http::Endpoint gateway)
      : client_(client), gateway_(std::move(gateway)) {}

  // Signs in through the dev-token endpoint.
  void SignIn(const std::string& user_id, const std::string& role = "user");
  void SignOut() { token_.clear(); }
  const std::string& token() const { return token_; }
  void set_token(std::string token) { token_ = std::move(token); }

  Reply Get(const std::string& target) const;
  Reply Post(const std::string& target, const nlohmann::json& body,
             const std::string& idempotency_key = "") const;
  Reply PostRaw(const std::string& target, std::string body,
                const std::string& idempotency_key = "") const;
  Reply Put(const std::string& target, const nlohmann::json& body) const;
  Reply Send(http::Request request) const;

 private:
  http::Client& client_;
  http::Endpoint gateway_;
  std::string token_;
};

// A plain TCP connection, for requests the client library would never send (smuggling, HEAD
// framing) and for answers it would wait on (an event stream's head). Every read gives up
// after 10 s, so a bug fails a test rather than hanging it. `source_address` (e.g.
// "127.0.0.2", also loopback) gives the connection a client address of its own.
class RawConnection {
 public:
  explicit RawConnection(const http::Endpoint& endpoint, const std::string& source_address = "");
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  void Send(std::string_view bytes);
  // The next answer's status line and headers, up to and including the blank line.
  std::string ReadHead();
  // Everything until the server closes.
  std::string ReadUntilClosed();

 private:
  int fd_ = -1;
  std::string buffer_;  // read but not yet returned
};

// Sends `bytes` on a new RawConnection and returns everything answered until the close.
std::string RawExchange(const http::Endpoint& endpoint, std::string_view bytes,
                        const std::string& source_address = "");

// The local addresses (e.g. "127.0.0.1") of the listening TCP sockets on `port`, from
// /proc/net/tcp and /proc/net/tcp6.
std::vector<std::string> ListeningAddresses(uint16_t port);

// A fresh, unique Idempotency-Key.
std::string NewKey();

// Asks `condition` every 20 ms until it holds (true) or `timeout` passed (false). For
// black-box waits on asynchronous outcomes (a saga finishing); the answer, not the timing, is
// what a test asserts, and the timeout only turns a hang into a failure.
bool Eventually(const std::function<bool()>& condition,
                std::chrono::milliseconds timeout = std::chrono::seconds(60));

// Runs `tinysaga check --data DIR`; returns its exit code and output.
struct CheckResult {
  int exit_code = -1;
  std::string output;
};
CheckResult RunCheck(const std::filesystem::path& data_dir);
// Runs `tinysaga check --db TEMPLATE`.
CheckResult RunCheckOn(const std::string& db_template);
// Runs `tinysaga check --db TEMPLATE` until it passes or `bound` passed (the last outbox rows
// are published moments after the orders are at rest); its last result.
CheckResult AwaitCheckPasses(const std::string& db_template,
                             std::chrono::milliseconds bound = std::chrono::seconds(30));
// Runs `tinysaga ARGS...` to its end; returns its exit code and output (stdout and stderr).
CheckResult RunTinysaga(const std::vector<std::string>& args);
// Runs `PROGRAM ARGS...` (a path, or a name looked up in PATH) the same way.
CheckResult RunProgram(const std::string& program, const std::vector<std::string>& args);

// PostgreSQL for a test's `up`: a database URL template naming databases no other test process
// uses (prefix_<pid>_<n>_{service}), on the server of TINYSAGA_TEST_POSTGRES_URL; empty when
// that is unset (the test skips). The databases do not exist yet: `up` creates them.
std::string NewPostgresTemplate(const std::string& prefix);
// Drops the databases of `services` under `db_template` (after `up` has stopped). Returns the
// errors, one a line ("" when all went).
std::string DropPostgresDatabases(const std::string& db_template,
                                  const std::vector<std::string>& services);

}  // namespace tinysaga::e2e
