#pragma once
// The Order service's HTTP endpoints (API.md "Orders"). Each method validates the request,
// asks Inventory when a price is needed (before any transaction is opened, so no database
// lock is held across a network call), then applies the domain rules in one write
// transaction. Nothing here throws: errors become problem+json responses.
//
// Lifecycle: constructed by Run() or a test with references that must outlive it.
// Thread-safe: the methods keep no state of their own (Db, Clock, Rng and InventoryClient are;
// the hooks must be too).

#include <functional>
#include <string>

#include "order/domain/choreography.h"
#include "order/events/event_stream.h"
#include "order/events/order_waits.h"
#include "order/inventory_client.h"
#include "tinysaga/core/clock.h"
#include "tinysaga/core/rng.h"
#include "tinysaga/core/saga_mode.h"
#include "tinysaga/http/message.h"
#include "tinysaga/http/server.h"
#include "tinysaga/platform/caller.h"
#include "tinysaga/platform/operator_metrics.h"
#include "tinysaga/storage/db.h"

namespace tinysaga::order {

// The longest a GET /api/orders/{orderId}?waitMs= may wait: well inside the gateway's 30 s
// upstream timeout, so that a held request is answered by Order, never timed out on the way.
inline constexpr int64_t kOrderWaitMsMax = 20'000;

// Where GET /api/orders/{orderId}/saga finds a started saga: the orchestrator in orchestration
// mode, this service's facts in choreography (order_service.cpp).
struct SagaViewSource {
  SagaMode mode = SagaMode::kOrchestration;
  std::function<SagaObservation(const OrderId&)> observe;
};

// What the endpoints tell the rest of the process after a commit, and where the saga view
// comes from. Any may be empty (no saga source: every saga shows as not started).
struct OrderApiHooks {
  // A commit put messages in the outbox (wired to ServiceContext::NotifyOutbox).
  std::function<void()> notify_outbox;
  // A commit changed this order (wired to the event watcher, so live pages update at once, and
  // to the waits, so that long polls are answered at once).
  std::function<void(const OrderId&)> order_changed;
  // Where GET /api/orders/{orderId}?waitMs= requests wait; null: they are answered at once.
  OrderWaits* waits = nullptr;
  SagaViewSource saga_view;
  // Choreography: the deadlines the Order service keeps (order_deadlines.h), for the saga
  // list's OVERDUE.
  Deadlines deadlines = DefaultDeadlines();
  // Choreography: what became of an operator's verb that named a saga
  // (platform/operator_metrics.h).
  std::function<void(platform::OperatorVerb, platform::OperatorOutcome)> operator_acted;
};

class OrderApi {
 public:
  OrderApi(storage::Db& db, const Clock& clock, Rng& rng, InventoryClient& inventory,
           OrderApiHooks hooks = {});

  // POST /api/orders {"productId", "quantity"} with Idempotency-Key -> 201 order.
  http::Response Create(const http::Request& request, const platform::Caller& caller);
  // GET /api/orders/{orderId}[?waitMs=N] -> 200 order with history. With waitMs (0 to
  // kOrderWaitMsMax), an order a saga is moving (IsSagaMoving) is answered once the saga lets
  // go of it, or after about N ms as it is then: a client sees the saga's outcome as it
  // commits, with one request. Answers through `respond`, at once or from the waits' thread.
  void Get(const http::Request& request, const platform::Caller& caller, http::Respond respond);
  // Whether a saga moves the order on, and the answer to GET /api/orders/{orderId} now
  // (OrderWaits::Reader).
  OrderWaits::Look Look(const OrderId& order_id, const platform::Caller& caller,
                        bool answer_if_moving);
  // GET /api/orders?status=&limit=&cursor=[&userId= for admins] -> 200 {"orders", "nextCursor"}.
  http::Response List(const http::Request& request, const platform::Caller& caller);
  // PUT /api/orders/{orderId} {"quantity"?, "productId"?} -> 200 order, re-priced.
  http::Response Update(const http::Request& request, const platform::Caller& caller);
  // PUT /api/orders/{orderId}/status {"status": "ON_WAY"|"DELIVERED", "statusInfo"?}, admin.
  http::Response SetStatus(const http::Request& request, const platform::Caller& caller);
  // POST /api/orders/{orderId}/cancel: INITIATED -> 200 order in CANCELED; PLACED -> 202 order
  // with cancelRequested (OrderCancelRequested goes out once; a repeat answers 202 again).
  http::Response Cancel(const http::Request& request, const platform::Caller& caller);
  // POST /internal/orders/{orderId}/payment-pending (service caller only; 404 for anyone else):
  // INITIATED -> PAYMENT_PENDING, 200 order; 409 in any other status. Payment calls it before
  // it debits the wallet (sagas/order/README.md).
  http::Response PaymentPending(const http::Request& request, const platform::Caller& caller);

  // The head of GET /api/orders/{orderId}/events (server-sent events, order/events): 200
  // text/event-stream when the caller may see the order (owner, admin, service); 401
  // anonymous; 404 unknown or someone else's. The stream itself is order/events' business.
  http::Response EventsHead(const http::Request& request, const platform::Caller& caller);

  // GET /api/orders/{orderId}/saga in both modes: 200 the saga's view (handlers/saga_view.h
  // in choreography, the orchestrator's otherwise); before the payment starts it, 200 the
  // order saga's steps all PENDING with state NOT_STARTED; 404 unknown or someone else's
  // order; 503 when the orchestrator does not answer.
  http::Response Saga(const http::Request& request, const platform::Caller& caller);
  // GET /api/sagas?state=&stuckForS=&limit=&cursor= in choreography mode, admins and services:
  // the saga each recent order is going through, newest order first; the cursor is the order
  // list's. state OVERDUE: the order waits past one of its deadlines (Deadlines); stuckForS=N:
  // unfinished and unmoved for N seconds.
  http::Response Sagas(const http::Request& request, const platform::Caller& caller);
  // POST /api/orders/{orderId}/saga/retry and .../abort {"reason"} in choreography mode,
  // admins and services (handlers/saga_operations.h): 200 the saga as GET shows it; 400
  // without a non-blank string reason, 401, 403 users, 404 unknown order or no saga, 409 when
  // the saga is in no state for the verb.
  http::Response SagaRetry(const http::Request& request, const platform::Caller& caller);
  http::Response SagaAbort(const http::Request& request, const platform::Caller& caller);
  // GET /api/sagas/definitions in choreography mode, anyone: 200 saga::DefinitionsJson of
  // every saga, mode "choreography" (no timings: no engine applies them).
  http::Response SagaDefinitions(const http::Request& request, const platform::Caller& caller);

  // Adds every route above but the events stream and the saga view, each wrapped by platform::Guarded.
  void Register(http::Server& server, const std::string& internal_secret);
  // Adds the saga view (both modes).
  void RegisterSagaView(http::Server& server, const std::string& internal_secret);
  // Adds the saga list, the definitions and the verbs (choreography mode: no orchestrator
  // serves them).
  void RegisterSagaList(http::Server& server, const std::string& internal_secret);

 private:
  Result<http::Response> CancelNow(soci::session& session, Order& order, Actor actor);
  Result<http::Response> StartCancelSaga(soci::session& session, Order& order,
                                         bool& event_appended);
  void Changed(const OrderId& order_id, bool event_appended);
  http::Response SagaVerb(const http::Request& request, const platform::Caller& caller, bool retry);

  storage::Db& db_;
  const Clock& clock_;
  Rng& rng_;
  InventoryClient& inventory_;
  OrderApiHooks hooks_;
};

}  // namespace tinysaga::order
