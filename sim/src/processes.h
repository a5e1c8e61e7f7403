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
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "memory_databases.h"
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

// A process's clock: the run's simulated time plus the offset of its machine's clock, which a
// `clock-jump` fault moves (forward by seconds to minutes, or back a little, as an NTP step).
// The offset belongs to the machine, so it survives a crash and restart of the process.
class ServiceClock final : public Clock {
 public:
  ServiceClock(const ManualClock& base, const int64_t& offset_ms)
      : base_(base), offset_ms_(offset_ms) {}
  TimestampMs NowMs() const override { return base_.NowMs() + offset_ms_; }
  int64_t offset_ms() const { return offset_ms_; }

 private:
  const ManualClock& base_;
  const int64_t& offset_ms_;
};

// What every process of one run shares. Outlives the processes.
struct SimEnv {
  MemoryDatabases& databases;
  SagaMode mode = SagaMode::kOrchestration;
  ManualClock& clock;  // the run's time; retries and backoffs wait by moving it
  Rng& rng;            // the services' ids and jitter
  Rng& fault_rng;      // lost offset commits
  std::shared_ptr<bus::MemoryBus> bus;
  InProcessNetwork& network;
  Trace& trace;
  uint32_t lost_commit_ppm = 0;
  uint64_t lost_commits = 0;
  // Each service's clock offset (ServiceClock), by name; entries are never erased.
  std::map<std::string, int64_t> clock_offset_ms;
  // True while a process starts (its migrations) or republishes its outbox: the simulator's
  // own steps, which a db-busy fault would end as an error of the run, leave them alone.
  bool db_faults_paused = false;
};

struct Subscription;

class Process {
 public:
  ~Process();
  const std::string& name() const { return name_; }
  storage::Db& db() { return *db_; }

  // One step: every subscription polls and applies what is there, the outbox relay publishes
  // its backlog, and the background passes due at `now_ms` (the run's time; the process sees
  // its own clock's) run. Returns how much it did (0: idle).
  size_t Step(TimestampMs now_ms);
  // When (the run's time) the process next has something to do of its own accord (a timer).
  std::optional<TimestampMs> NextWakeup();
  // Publishes every retained outbox row again (what Messaging::UseBroker does on a new broker).
  Result<size_t> Republish();
  // Its clock's offset from the run's time (clock-jump).
  int64_t clock_offset_ms() const { return clock_->offset_ms(); }

 private:
  friend Result<std::unique_ptr<Process>> StartProcess(SimEnv& env, const std::string& name);
  explicit Process(std::string name);

  std::string name_;
  std::unique_ptr<ServiceClock> clock_;
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
  // OutboxRelayOptions::poll_interval: the relay's look at the outbox when nobody notified it.
  static constexpr int64_t kRelayPollMs = 500;
  bool relay_due_ = true;  // the outbox may hold unsent rows
  TimestampMs relay_poll_at_ms_ = 0;
  uint64_t requests_seen_ = 0;  // the network's handled(name) when last looked at
};

// Opens (on first start created by env.databases) and migrates `name`'s database, builds the
// service, joins its consumer groups and attaches its routes to the network.
Result<std::unique_ptr<Process>> StartProcess(SimEnv& env, const std::string& name);

}  // namespace tinysaga::sim
