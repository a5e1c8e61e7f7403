#include "order/order_service.h"

#include <spdlog/spdlog.h>

#include <memory>
#include <optional>
#include <string>

#include "order/events/events_route.h"
#include "order/events/order_waits.h"
#include "order/events/order_watcher.h"
#include "order/handlers/order_api.h"
#include "order/handlers/order_commands.h"
#include "order/handlers/order_events.h"
#include "order/handlers/saga_view.h"
#include "order/inventory_client.h"
#include "order/orchestrator_client.h"
#include "order/order_deadlines.h"
#include "order/order_repository.h"
#include "order/schema.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/http/client.h"
#include "tinysaga/platform/handlers.h"
#include "tinysaga/platform/peer_client.h"
#include "tinysaga/saga/choreography.h"
#include "tinysaga/saga/choreography_reactions.h"
#include "tinysaga/sagas/order_sagas.h"

namespace tinysaga::order {
namespace {

struct Peers {
  std::vector<http::Endpoint> inventory;
  std::vector<http::Endpoint> orchestrator;
};

bool IsChoreography(const platform::ServiceConfig& config) {
  return config.saga_mode == SagaMode::kChoreography;
}

// Where the live pages' saga view comes from: the Orchestrator in orchestration mode, this
// service's own facts in choreography.
OrderEventWatcher::SagaSource SagaSourceFor(const platform::ServiceConfig& config,
                                            const Peers& peers, storage::Db& db,
                                            OrchestratorClient& orchestrator) {
  if (IsChoreography(config)) {
    return [&db](const OrderId& order_id) {
      auto json = db.Read<std::optional<nlohmann::json>>(
          [&](soci::session& session) -> Result<std::optional<nlohmann::json>> {
            std::optional<Order> order = FindOrder(session, order_id);
            if (!order) return std::optional<nlohmann::json>();
            return ChoreographySagaJson(session, *order);
          });
      if (!json.ok()) return SagaObservation{SagaPresence::kUnknown, "", false};
      if (!*json) return SagaObservation{SagaPresence::kAbsent, "", false};
      return ParseSagaView(200, (*json)->dump());
    };
  }
  if (!peers.orchestrator.empty()) {
    return [&orchestrator](const OrderId& order_id) { return orchestrator.GetSaga(order_id); };
  }
  return [](const OrderId&) { return SagaObservation{SagaPresence::kAbsent, "", false}; };
}

// What the order routes and handlers use. Members are destroyed in reverse order: the api,
// the watcher (stopped first thing, in the destructor, so its thread no longer reads the
// clients), the clients, then the HTTP client they send through.
struct OrderParts {
  OrderParts(platform::ServiceContext& service, const Peers& peers,
             const OrderDeadlinesOptions& deadline_options)
      : inventory(client, peers.inventory, service.config.internal_secret),
        orchestrator(client, peers.orchestrator, service.config.internal_secret),
        saga_source(SagaSourceFor(service.config, peers, *service.db, orchestrator)),
        watcher(*service.db, service.clock, saga_source, OrderEventWatcher::Options{}),
        waits([this](const OrderId& id, const platform::Caller& caller,
                     bool answer_if_moving) { return api.Look(id, caller, answer_if_moving); },
              service.clock, OrderWaits::Options{}),
        operator_actions(IsChoreography(service.config)
                             ? std::make_optional<platform::OperatorActions>(*service.registry)
                             : std::nullopt),
        api(*service.db, service.clock, service.rng, inventory,
            OrderApiHooks{
                .notify_outbox = [&service] { service.NotifyOutbox(); },
                .order_changed = [this](const OrderId& id) { OrderChanged(id); },
                .waits = &waits,
                .saga_view = {service.config.saga_mode, saga_source},
                .deadlines = deadline_options.deadlines,
                .operator_acted =
                    [this](platform::OperatorVerb verb, platform::OperatorOutcome outcome) {
                      if (operator_actions) operator_actions->Count(verb, outcome);
                    }}),
        deadlines(
            *service.db, service.clock, service.rng, [&service] { service.NotifyOutbox(); },
            deadline_options) {}
  ~OrderParts() {
    deadlines.Stop();
    waits.Stop();
    watcher.Stop();
  }

  // A commit of this process changed the order: live pages and long polls look again.
  void OrderChanged(const OrderId& order_id) {
    watcher.Notify(order_id);
    waits.Notify(order_id);
  }

  // `handler`, telling OrderChanged() about the orders of each batch once it has committed
  // (on the consumer's thread, through the subscription's after_commit).
  std::pair<platform::MessageHandler, std::function<void()>> NotifyingChanges(
      platform::MessageHandler handler) {
    auto changed = std::make_shared<std::vector<OrderId>>();  // the consumer's thread only
    platform::MessageHandler noting = [handler = std::move(handler), changed](
                                          soci::session& session,
                                          const contracts::Message& message) {
      Result<void> applied = handler(session, message);
      // A batch that rolls back is applied again, so a stale id costs one needless look.
      if (applied.ok()) changed->push_back(message.envelope.order_id);
      return applied;
    };
    auto after_commit = [this, changed] {
      for (const OrderId& order_id : *changed) OrderChanged(order_id);
      changed->clear();
    };
    return {std::move(noting), std::move(after_commit)};
  }
  OrderParts(const OrderParts&) = delete;
  OrderParts& operator=(const OrderParts&) = delete;

  http::Client client;
  InventoryClient inventory;
  OrchestratorClient orchestrator;
  OrderEventWatcher::SagaSource saga_source;  // the watcher's and the saga view's
  OrderEventWatcher watcher;
  OrderWaits waits;  // the long polls of GET /api/orders/{orderId}?waitMs=
  // Choreography, where Order runs the operators' verbs (the orchestrator does otherwise).
  std::optional<platform::OperatorActions> operator_actions;
  OrderApi api;
  OrderDeadlines deadlines;  // started in choreography mode only
};

Result<Peers> ConfiguredPeers(const platform::ServiceConfig& config) {
  Peers peers;
  TS_ASSIGN_OR_RETURN(peers.inventory, platform::PeerEndpoints(config, "inventory"));
  TS_ASSIGN_OR_RETURN(peers.orchestrator, platform::PeerEndpoints(config, "orchestrator"));
  if (peers.inventory.empty())
    spdlog::warn("order: no inventory peer configured; orders cannot be priced");
  if (config.saga_mode == SagaMode::kOrchestration && peers.orchestrator.empty())
    spdlog::warn("order: no orchestrator peer configured; live pages show no saga");
  return peers;
}

}  // namespace

int Run(const platform::ServiceConfig& config, const OrderDeadlinesOptions& deadlines) {
  auto peers = ConfiguredPeers(config);
  if (!peers.ok()) {
    spdlog::error("order: bad peer URL: {}", peers.error().detail);
    return 1;
  }
  return platform::RunService(
      config, schema::AllMigrations(), [&](platform::ServiceContext& service) {
        auto parts = std::make_shared<OrderParts>(service, *peers, deadlines);
        parts->api.Register(*service.server, config.internal_secret);
        RegisterEventStream(*service.server, config.internal_secret, parts->api, parts->watcher);
        parts->api.RegisterSagaView(*service.server, config.internal_secret);
        if (IsChoreography(config))
          parts->api.RegisterSagaList(*service.server, config.internal_secret);
        if (service.messaging) {
          // Orchestration: the orchestrator's commands, and Payment's events. Choreography: the
          // others' events.
          const bool choreography = IsChoreography(config);
          std::vector<std::string> topics =
              choreography ? saga::TopicsOf(saga::FactsHeardBy(sagas::DefaultDefinitions(),
                                                               contracts::Participant::kOrder))
                           : OrderCommandTopics();
          platform::MessageHandler handler = choreography
                                                 ? OrderEventHandler(service.clock)
                                                 : OrderCommandHandler(service.clock, service.rng);
          platform::IgnoredTypes ignores = platform::Handlers::IgnoredBy(handler);
          auto [noting, after_commit] = parts->NotifyingChanges(std::move(handler));
          auto subscribed = service.messaging->Subscribe(
              choreography ? "events" : "commands", topics, std::move(noting),
              std::move(after_commit), std::move(ignores));
          // RegisterRoutes has no error path: without its messages the service still serves
          // orders, and says so loudly.
          if (!subscribed.ok()) {
            spdlog::error("order: cannot subscribe to {}: {}", topics.front(),
                          subscribed.error().detail);
          }
          if (choreography) parts->deadlines.Start();
        }
        parts->watcher.Start();
        parts->waits.Start();
        // Held long polls are answered as the server begins to stop, not waited out.
        service.server->OnStopping([&waits = parts->waits] { waits.Stop(); });
        return platform::ServiceParts(std::move(parts));
      });
}

}  // namespace tinysaga::order
