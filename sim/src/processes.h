#pragma once
// The simulated service processes: each is what its `tinysaga <service>` process wires in
// services/<name>/<name>_service.cpp (API objects, peer clients, message handlers, background
// passes), built on a database file that outlives it, the shared in-memory bus and the
// in-process network. Destroying one is a crash: its consumers leave their groups without
// committing more, its in-memory state is gone; StartProcess on the same directory is the
// restart, from what its database holds.
//
// Not thread-safe: one run, one thread.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tinysaga/bus/inbox_consumer.h"
#include "tinysaga/bus/memory/memory_bus.h"
#include "tinysaga/bus/outbox_relay.h"
#include "tinysaga/core/clock.h"
#include "tinysaga/core/rng.h"
#include "tinysaga/core/saga_mode.h"
#include "tinysaga/http/server.h"
#include "tinysaga/storage/db.h"
#include "trace.h"
#include "transport.h"

namespace tinysaga::sim {

inline constexpr const char* kSimSecret = "sim-internal-secret";

// The services of a run in `mode`, in the order every step visits them (choreography has no
// orchestrator).
const std::vector<std::string>& ServiceNames(SagaMode mode);

// What every process of one run shares. Outlives the processes.
struct SimEnv {
  std::string data_dir;
  SagaMode mode = SagaMode::kOrchestration;
  ManualClock& clock;
  Rng& rng;        // the services' ids and jitter
  Rng& fault_rng;  // lost offset commits
  std::shared_ptr<bus::MemoryBus> bus;
  InProcessNetwork& network;
  Trace& trace;
  uint32_t lost_commit_ppm = 0;
  uint64_t lost_commits = 0;
};

struct Subscription;

class Process {
 public:
  ~Process();
  const std::string& name() const { return name_; }
  storage::Db& db() { return *db_; }

  // One step: every subscription polls and applies what is there, the outbox relay publishes
  // its backlog, and the background passes due at `now_ms` run. Returns how much it did (0:
  // idle).
  size_t Step(TimestampMs now_ms);
  // When the process next has something to do of its own accord (a timer), if ever.
  std::optional<TimestampMs> NextWakeup();
  // Publishes every retained outbox row again (what Messaging::UseBroker does on a new broker).
  Result<size_t> Republish();

 private:
  friend Result<std::unique_ptr<Process>> StartProcess(SimEnv& env, const std::string& name);
  explicit Process(std::string name);

  std::string name_;
  std::unique_ptr<storage::Db> db_;
  std::unique_ptr<http::Server> server_;  // routes only; called through the network
  std::unique_ptr<bus::Producer> producer_;
  std::unique_ptr<bus::OutboxRelay> relay_;
  std::shared_ptr<void> parts_;  // the service's API objects, clients and handlers' state
  std::vector<std::unique_ptr<Subscription>> subscriptions_;
  std::function<size_t(TimestampMs)> background_;
  std::function<std::optional<TimestampMs>()> next_wakeup_;
  SimEnv* env_ = nullptr;
  // The relay's backoff after a failed publish (OutboxRelayOptions' defaults).
  static constexpr int64_t kRelayBackoffMinMs = 10;
  static constexpr int64_t kRelayBackoffMaxMs = 2'000;
  int64_t relay_backoff_ms_ = 0;  // 0: the last publish succeeded
  TimestampMs relay_retry_at_ms_ = 0;
};

// Opens (creating on first start) and migrates `name`'s database in env.data_dir, builds the
// service, joins its consumer groups and attaches its routes to the network.
Result<std::unique_ptr<Process>> StartProcess(SimEnv& env, const std::string& name);

}  // namespace tinysaga::sim
