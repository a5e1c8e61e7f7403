#include "processes.h"

#include <prometheus/registry.h>

#include <algorithm>
#include <utility>

#include "inventory/handlers/inventory_api.h"
#include "inventory/handlers/inventory_commands.h"
#include "inventory/handlers/inventory_events.h"
#include "inventory/handlers/inventory_faults.h"
#include "inventory/schema.h"
#include "orchestrator/domain/saga_catalog.h"
#include "orchestrator/orchestrator.h"
#include "orchestrator/orchestrator_options.h"
#include "orchestrator/schema.h"
#include "order/handlers/order_api.h"
#include "order/handlers/order_commands.h"
#include "order/handlers/order_events.h"
#include "order/inventory_client.h"
#include "order/order_deadlines.h"
#include "order/schema.h"
#include "payment/handlers/payment_api.h"
#include "payment/handlers/payment_commands.h"
#include "payment/handlers/payment_events.h"
#include "payment/order_client.h"
#include "payment/payment_service.h"
#include "payment/reconciler.h"
#include "payment/refund_worker.h"
#include "payment/schema.h"
#include "payment/wallet_client.h"
#include "tinysaga/bus/tables.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/platform/handlers.h"
#include "tinysaga/platform/messaging.h"
#include "tinysaga/saga/choreography_reactions.h"
#include "tinysaga/sagas/order_sagas.h"
#include "wallet/handlers/payment_operations_api.h"
#include "wallet/handlers/wallet_api.h"
#include "wallet/schema.h"

namespace tinysaga::sim {

// A member of a consumer group whose offset commits may be lost, as when a process dies
// between its effects' commit and its offsets' commit: nothing shows until the process
// restarts and the group hands the messages out again (the inbox must drop them).
class LossyCommits final : public bus::Consumer {
 public:
  LossyCommits(std::unique_ptr<bus::Consumer> member, SimEnv& env)
      : member_(std::move(member)), env_(env) {}

  Result<std::vector<bus::Delivery>> Poll(size_t max_messages,
                                          std::chrono::milliseconds wait_max) override {
    return member_->Poll(max_messages, wait_max);
  }
  Result<void> Commit(std::span<const bus::Delivery> processed) override {
    if (env_.lost_commit_ppm > 0 && env_.fault_rng.Below(1'000'000) < env_.lost_commit_ppm) {
      ++env_.lost_commits;
      env_.trace.Add("fault lost-commit " + std::to_string(processed.size()) + " deliveries");
      return Ok();
    }
    return member_->Commit(processed);
  }

 private:
  std::unique_ptr<bus::Consumer> member_;
  SimEnv& env_;
};

// Pauses db-busy for the scope (SimEnv::db_faults_paused).
struct DbFaultsPaused {
  explicit DbFaultsPaused(SimEnv& env) : env_(env) { env_.db_faults_paused = true; }
  ~DbFaultsPaused() { env_.db_faults_paused = false; }
  DbFaultsPaused(const DbFaultsPaused&) = delete;
  DbFaultsPaused& operator=(const DbFaultsPaused&) = delete;

 private:
  SimEnv& env_;
};

struct Subscription {
  std::unique_ptr<LossyCommits> consumer;
  std::unique_ptr<bus::InboxConsumer> inbox;  // declared last: destroyed first
};

namespace {

http::ClientOptions InProcessClient(SimEnv& env) {
  return http::ClientOptions{.transport = env.network.transport()};
}

std::vector<http::Endpoint> PeerOf(const std::string& service) {
  return {InProcessNetwork::EndpointOf(service)};
}

// Retries and backoffs wait by moving simulated time, never by sleeping.
payment::Sleeper SimulatedSleep(ManualClock& clock) {
  return [&clock](std::chrono::milliseconds delay) { clock.AdvanceMs(delay.count()); };
}

// As platform::CreateService: the service's tables, then the messaging layer's.
std::vector<storage::Migration> MigrationsOf(const std::string& name) {
  std::vector<storage::Migration> migrations;
  if (name == "wallet") {
    migrations = wallet::schema::Migrations();
  } else if (name == "inventory") {
    migrations = inventory::schema::Migrations();
  } else if (name == "order") {
    migrations = order::schema::AllMigrations();
  } else if (name == "payment") {
    migrations = payment::schema::AllMigrations();
  } else {
    migrations = orchestrator::schema::Migrations();
  }
  for (storage::Migration& table : bus::Migrations()) migrations.push_back(std::move(table));
  return migrations;
}

storage::DbOptions DbOptionsFor(const MemoryDatabases& databases, const std::string& name) {
  return {.url = storage::DbUrlFor(databases.url_template(), name),
          .pool_size = 1,
          .sqlite_synchronous = "OFF"};
}

struct WalletParts {
  WalletParts(SimEnv& env, const Clock& clock, storage::Db& db)
      : api(db, clock, env.rng), operations(db, clock, env.rng, /*dev_mode=*/false) {}
  wallet::WalletApi api;
  wallet::PaymentOperationsApi operations;
};

struct InventoryParts {
  InventoryParts(SimEnv& env, const Clock& clock, storage::Db& db)
      : api(db, clock, env.rng), faults(false) {}
  inventory::InventoryApi api;
  inventory::InventoryFaults faults;
};

struct OrderParts {
  OrderParts(SimEnv& env, const Clock& clock, storage::Db& db)
      : client(InProcessClient(env)),
        inventory(client, PeerOf("inventory"), kSimSecret),
        api(db, clock, env.rng, inventory),
        deadlines(db, clock, env.rng, {}, deadline_options) {}

  // Choreography: the deadlines thread's loop body, every scan interval.
  size_t Background(TimestampMs now_ms) {
    if (now_ms < next_scan_ms) return 0;
    next_scan_ms = now_ms + deadline_options.scan_interval.count();
    auto acted = deadlines.RunOnce(now_ms);
    return acted.ok() ? *acted : 0;
  }

  order::OrderDeadlinesOptions deadline_options;
  http::Client client;
  order::InventoryClient inventory;
  order::OrderApi api;
  order::OrderDeadlines deadlines;  // never Start()ed: Background() runs its passes
  TimestampMs next_scan_ms = 0;
};

// payment_service.cpp's PaymentParts, with the background thread's passes run by Step().
struct PaymentParts {
  PaymentParts(SimEnv& env, const Clock& clock, storage::Db& db,
               const payment::PaymentOptions& payment_options)
      : options(payment_options),
        client(InProcessClient(env)),
        wallet(client, PeerOf("wallet"), kSimSecret,
               payment::Retrier(options.wallet_retry, env.rng, SimulatedSleep(env.clock))),
        refund_wallet(
            client, PeerOf("wallet"), kSimSecret,
            payment::Retrier(payment::RetryPolicy{.attempts_max = 1,
                                                  .per_attempt_timeout = options.refund_timeout},
                             env.rng, SimulatedSleep(env.clock))),
        orders(client, PeerOf("order"), kSimSecret, options.order_timeout),
        api(db, clock, env.rng, wallet, orders, {}),
        reconciler(db, env.rng, {}, options.reconciler),
        refunds(db, refund_wallet, clock, env.rng, {}, options.refunds) {}

  // The background thread's loop body: the reconciler at startup and every interval, the
  // refund queue every poll interval or at once when a handler queued a refund.
  size_t Background(TimestampMs now_ms) {
    size_t done = 0;
    if (now_ms >= next_reconcile_ms) {
      if (auto resolved = reconciler.RunOnce(now_ms); resolved.ok()) done += *resolved;
      next_reconcile_ms = now_ms + options.reconcile_interval.count();
    }
    if (refund_queued || now_ms >= next_refund_ms) {
      refund_queued = false;
      if (auto refunded = refunds.RunOnce(now_ms); refunded.ok()) done += *refunded;
      next_refund_ms = now_ms + options.refund_poll_interval.count();
    }
    return done;
  }

  const payment::PaymentOptions options;
  http::Client client;
  payment::WalletClient wallet;
  payment::WalletClient refund_wallet;
  payment::OrderClient orders;
  payment::PaymentApi api;
  payment::Reconciler reconciler;
  payment::RefundWorker refunds;
  TimestampMs next_reconcile_ms = 0;  // at once: payments a crash left PENDING
  TimestampMs next_refund_ms = 0;
  bool refund_queued = false;
};

struct OrchestratorParts {
  OrchestratorParts(SimEnv& env, const Clock& clock, storage::Db& db)
      : orchestrator(db, clock, env.rng, catalog, registry, options) {}

  // The timer thread's loop body (saga_timer.cpp): fire what is due, then sleep until the
  // earliest deadline or until a handled message may have set an earlier one (`stale`).
  size_t FireTimers(TimestampMs now_ms) {
    if (!ReadEarliest() || !earliest || now_ms < *earliest) return 0;
    size_t fired = 0;
    for (;;) {
      auto round = orchestrator.FireDueTimers(now_ms);
      if (!round.ok()) break;  // tried again at the next step
      fired += *round;
      if (*round < options.timer_batch_max) break;
    }
    stale = true;
    return fired;
  }
  std::optional<TimestampMs> NextWakeup() { return ReadEarliest() ? earliest : std::nullopt; }
  // False when it cannot be read (db-busy): then it stays stale.
  bool ReadEarliest() {
    if (!stale) return true;
    auto next = orchestrator.EarliestDeadline();
    if (!next.ok()) return false;
    earliest = *next;
    stale = false;
    return true;
  }

  orchestrator::OrchestratorOptions options;
  orchestrator::SagaCatalog catalog{options.timings};
  prometheus::Registry registry;
  orchestrator::Orchestrator orchestrator;
  std::optional<TimestampMs> earliest;  // the earliest deadline when last read
  bool stale = true;                    // a message was handled, or timers fired, since
};

}  // namespace

const std::vector<std::string>& ServiceNames(SagaMode mode) {
  static const std::vector<std::string> orchestration = {"wallet", "inventory", "order", "payment",
                                                         "orchestrator"};
  static const std::vector<std::string> choreography = {"wallet", "inventory", "order", "payment"};
  return mode == SagaMode::kChoreography ? choreography : orchestration;
}

Process::Process(std::string name) : name_(std::move(name)) {}

Process::~Process() {
  if (env_ != nullptr) env_->network.Detach(name_);
}

namespace {

// Messaging::Subscribe without the threads: a member of group "<service>.<name>" and its
// inbox consumer, whose applications are traced.
Result<std::unique_ptr<Subscription>> Subscribe(
    SimEnv& env, const Clock& clock, const std::string& service, storage::Db& db,
    bus::Producer& dead_letters, const std::string& name, std::vector<std::string> topics,
    platform::MessageHandler handler, platform::IgnoredTypes ignores) {
  const std::string group = service + "." + name;
  TS_ASSIGN_OR_RETURN(std::unique_ptr<bus::Consumer> member,
                      env.bus->NewConsumer({.group = group, .topics = std::move(topics)}));
  auto subscription = std::make_unique<Subscription>();
  subscription->consumer = std::make_unique<LossyCommits>(std::move(member), env);
  bus::InboxConsumerOptions options;
  options.consumer_name = group;
  options.ignores = std::move(ignores);
  options.commit_interval = platform::kOffsetCommitInterval;  // as the services commit
  options.backoff_wait = [&run_clock = env.clock](std::chrono::milliseconds delay) {
    run_clock.AdvanceMs(delay.count());
  };
  bus::InboxHandler parsed = platform::ParsedHandler(std::move(handler));
  bus::InboxHandler traced = [&trace = env.trace, group, parsed = std::move(parsed)](
                                 soci::session& session, const bus::Message& message) {
    Result<void> applied = parsed(session, message);
    trace.Add("apply " + group + " " + (message.type.empty() ? "?" : message.type) + " " +
              message.key + " " + message.id +
              (applied.ok() ? std::string() : " error: " + applied.error().detail));
    return applied;
  };
  subscription->inbox = std::make_unique<bus::InboxConsumer>(
      db, *subscription->consumer, dead_letters, clock, std::move(traced), options);
  return subscription;
}

}  // namespace

Result<std::unique_ptr<Process>> StartProcess(SimEnv& env, const std::string& name) {
  std::unique_ptr<Process> process(new Process(name));
  // Its migrations and first reads are not exposed to db-busy: a failure there would be a
  // start that fails, which the services do not retry (their supervisor would).
  DbFaultsPaused paused(env);
  process->clock_ = std::make_unique<ServiceClock>(env.clock, env.clock_offset_ms[name]);
  const Clock& clock = *process->clock_;
  TS_RETURN_IF_ERROR(env.databases.CreateIfNew(name, MigrationsOf(name)));
  TS_ASSIGN_OR_RETURN(process->db_, storage::Db::Open(DbOptionsFor(env.databases, name)));
  TS_RETURN_IF_ERROR(process->db_->Migrate(MigrationsOf(name)));
  process->server_ = std::make_unique<http::Server>(http::ServerOptions{.name = name});
  TS_ASSIGN_OR_RETURN(process->producer_, env.bus->NewProducer());
  bus::OutboxRelayOptions relay_options;
  relay_options.purge_interval = std::chrono::hours(1'000);  // never within a run
  process->relay_ =
      std::make_unique<bus::OutboxRelay>(*process->db_, *process->producer_, clock, relay_options);
  storage::Db& db = *process->db_;
  http::Server& server = *process->server_;
  // As the services do: the types a handler ignores are acknowledged without a transaction.
  auto subscribe = [&](const std::string& group_name, std::vector<std::string> topics,
                       platform::MessageHandler handler,
                       platform::IgnoredTypes ignores = {}) -> Result<void> {
    if (!ignores) ignores = platform::Handlers::IgnoredBy(handler);
    TS_ASSIGN_OR_RETURN(auto subscription,
                        Subscribe(env, clock, name, db, *process->producer_, group_name,
                                  std::move(topics), std::move(handler), std::move(ignores)));
    process->subscriptions_.push_back(std::move(subscription));
    return Ok();
  };

  const bool choreography = env.mode == SagaMode::kChoreography;
  if (name == "wallet") {
    auto parts = std::make_shared<WalletParts>(env, clock, db);
    parts->api.Register(server, kSimSecret);
    parts->operations.Register(server, kSimSecret);
    process->parts_ = parts;
  } else if (name == "inventory") {
    auto parts = std::make_shared<InventoryParts>(env, clock, db);
    parts->api.Register(server, kSimSecret);
    TS_RETURN_IF_ERROR(
        choreography
            ? subscribe("events",
                        saga::ChoreographyTopics(sagas::DefaultDefinitions(),
                                                 contracts::Participant::kInventory),
                        inventory::InventoryEventHandler(clock, env.rng, &parts->faults))
            : subscribe("commands", {std::string(contracts::kInventoryCommandsTopic)},
                        inventory::InventoryCommandHandler(
                            clock, env.rng, contracts::kSagaRepliesTopic, &parts->faults)));
    process->parts_ = parts;
  } else if (name == "order") {
    auto parts = std::make_shared<OrderParts>(env, clock, db);
    parts->api.Register(server, kSimSecret);
    TS_RETURN_IF_ERROR(
        choreography ? subscribe("events",
                                 saga::TopicsOf(saga::FactsHeardBy(sagas::DefaultDefinitions(),
                                                                   contracts::Participant::kOrder)),
                                 order::OrderEventHandler(clock))
                     : subscribe("commands", order::OrderCommandTopics(),
                                 order::OrderCommandHandler(clock, env.rng)));
    if (choreography) {
      process->background_ = [parts = parts.get()](TimestampMs now_ms) {
        return parts->Background(now_ms);
      };
      process->next_wakeup_ = [parts = parts.get()]() -> std::optional<TimestampMs> {
        return parts->next_scan_ms;
      };
    }
    process->parts_ = parts;
  } else if (name == "payment") {
    auto parts = std::make_shared<PaymentParts>(env, clock, db, payment::PaymentOptions{});
    parts->api.Register(server, kSimSecret);
    platform::MessageHandler handle = choreography ? payment::PaymentEventHandler(clock, env.rng)
                                                   : payment::PaymentCommandHandler(clock, env.rng);
    platform::IgnoredTypes ignores = platform::Handlers::IgnoredBy(handle);
    TS_RETURN_IF_ERROR(subscribe(
        choreography ? "events" : "commands",
        choreography ? saga::ChoreographyTopics(sagas::DefaultDefinitions(),
                                                contracts::Participant::kPayment)
                     : std::vector<std::string>{std::string(contracts::kPaymentCommandsTopic)},
        [handle = std::move(handle), parts = parts.get()](soci::session& session,
                                                          const contracts::Message& message) {
          auto handled = handle(session, message);
          if (handled.ok() && payment::CausesRefund(message)) parts->refund_queued = true;
          return handled;
        },
        std::move(ignores)));
    process->background_ = [parts = parts.get()](TimestampMs now_ms) {
      return parts->Background(now_ms);
    };
    process->next_wakeup_ = [parts = parts.get()]() -> std::optional<TimestampMs> {
      return std::min(parts->next_reconcile_ms, parts->next_refund_ms);
    };
    process->parts_ = parts;
  } else if (name == "orchestrator") {
    auto parts = std::make_shared<OrchestratorParts>(env, clock, db);
    TS_RETURN_IF_ERROR(subscribe("sagas", orchestrator::SubscribedTopics(parts->catalog),
                                 [handle = parts->orchestrator.Handler(), parts = parts.get()](
                                     soci::session& session, const contracts::Message& message) {
                                   parts->stale = true;
                                   return handle(session, message);
                                 }));
    process->background_ = [parts = parts.get()](TimestampMs now_ms) {
      return parts->FireTimers(now_ms);
    };
    process->next_wakeup_ = [parts = parts.get()]() { return parts->NextWakeup(); };
    process->parts_ = parts;
  } else {
    return MakeError(Errc::kInvalidRequest, "no such service: " + name);
  }
  env.network.Attach(name, server);
  process->env_ = &env;
  return process;
}

size_t Process::Step(TimestampMs run_now_ms) {
  const TimestampMs now_ms = run_now_ms + clock_offset_ms();  // the process's own time
  size_t done = 0;
  for (auto& subscription : subscriptions_) {
    if (auto polled = subscription->inbox->RunOnce(); polled.ok()) done += *polled;
  }
  if (background_) done += background_(now_ms);
  // The relay looks at the outbox when something may have written to it (a message applied, a
  // background pass that acted, a request handled: what Messaging::NotifyOutbox signals in a
  // service) and otherwise every poll interval, as OutboxRelay::Run does; reading an outbox
  // with nothing new was a third of the simulator's time.
  const uint64_t handled = env_->network.handled(name_);
  if (done > 0 || handled != requests_seen_ || now_ms >= relay_poll_at_ms_) relay_due_ = true;
  requests_seen_ = handled;
  // Until the backlog is drained or a publish fails; after a failure the relay backs off as
  // OutboxRelay::Run does (doubling from retry_backoff_min to retry_backoff_max).
  if (now_ms < relay_retry_at_ms_ || !relay_due_) return done;
  relay_poll_at_ms_ = now_ms + kRelayPollMs;
  for (;;) {
    auto relayed = relay_->RelayOnce();
    if (!relayed.ok()) {
      relay_backoff_ms_ = relay_backoff_ms_ == 0
                              ? kRelayBackoffMinMs
                              : std::min(2 * relay_backoff_ms_, kRelayBackoffMaxMs);
      relay_retry_at_ms_ = now_ms + relay_backoff_ms_;
      break;
    }
    relay_backoff_ms_ = 0;
    if (*relayed == 0) {
      relay_due_ = false;
      break;
    }
    done += *relayed;
  }
  return done;
}

std::optional<TimestampMs> Process::NextWakeup() {
  std::optional<TimestampMs> next = next_wakeup_ ? next_wakeup_() : std::nullopt;
  if (relay_backoff_ms_ > 0 && (!next || relay_retry_at_ms_ < *next)) next = relay_retry_at_ms_;
  if (next) *next -= clock_offset_ms();  // in the run's time
  return next;
}

Result<size_t> Process::Republish() {
  DbFaultsPaused paused(*env_);
  relay_due_ = true;
  return relay_->ResendSince(0);
}

}  // namespace tinysaga::sim
