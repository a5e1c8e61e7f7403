#pragma once
// The orchestrator's HTTP endpoints (API.md "Sagas"): one order's saga for its owner, the list
// of all sagas for admins, and the operator's verbs on one saga (issue 15: retry, abort). Each
// method is one endpoint, tests call them directly with hand-made requests, and Register()
// mounts them behind platform::Guarded.
//
// A verb runs like any other input of the orchestrator: in ONE Saga DB transaction the saga
// row is locked and read, the engine decides (saga::Retry, saga::Abort), and the new state is
// saved (compare-and-set on its version) with its commands in the outbox; after the commit the
// outbox relay and the timer are told (SagaApiHooks).
//
// Lifecycle and ownership: borrows the database, the catalog and the clock, which must outlive
// it. Thread safety: holds no state of its own, so the server's worker threads may call every
// method concurrently.

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "orchestrator/domain/saga_catalog.h"
#include "tinysaga/core/clock.h"
#include "tinysaga/core/saga_mode.h"
#include "tinysaga/http/message.h"
#include "tinysaga/http/server.h"
#include "tinysaga/platform/caller.h"
#include "tinysaga/platform/operator_metrics.h"
#include "tinysaga/storage/db.h"

namespace tinysaga::orchestrator {

// Every saga in the Saga DB was run by this orchestrator, so every view says so, whatever
// --saga-mode the system runs in now.
inline constexpr SagaMode kSagaMode = SagaMode::kOrchestration;

// What the process wants to hear about an operator's verb; any may be empty.
struct SagaApiHooks {
  std::function<void()> notify_outbox;                        // commands are in the outbox
  std::function<void(TimestampMs deadline_ms)> deadline_set;  // the saga's next deadline
  // What became of a verb that named a saga (platform/operator_metrics.h).
  std::function<void(platform::OperatorVerb, platform::OperatorOutcome)> operator_acted;
};

class SagaApi {
 public:
  SagaApi(storage::Db& db, const SagaCatalog& catalog, const Clock& clock, SagaApiHooks hooks = {});

  // GET /api/orders/{orderId}/saga (owner, admin, service): 200 the order's latest saga (the
  // cancel saga once there is one, else the order saga) with "earlierSagas": its other sagas,
  // oldest first (usually empty). Each saga also says where it is (saga::SagaProgressJson),
  // its whole "history" and the "messages" it sent and received. 404 when the order has no
  // saga or the caller may not see it.
  http::Response GetOrderSaga(const http::Request& request, const platform::Caller& caller);

  // GET /api/sagas?state=&stuckForS=&limit=&cursor= (admin, service): 200 {"sagas": [...],
  // "nextCursor"} newest first; state OVERDUE and stuckForS as domain/list_query.h says; 400
  // for a bad parameter, 401 anonymous, 403 users.
  http::Response GetSagas(const http::Request& request, const platform::Caller& caller);

  // POST /api/orders/{orderId}/saga/retry and .../abort {"reason"} (admin, service): the verb
  // applied to the order's latest saga, recorded in its history with the caller's user id and
  // the reason; 200 the saga as GET shows it (also when the verb was applied before and its
  // effect holds: nothing changes then). 400 without a non-blank string reason (or with any
  // other field), 401 anonymous, 403 users, 404 no saga, 409 when the saga is in no state for
  // the verb (the detail says why).
  http::Response PostRetry(const http::Request& request, const platform::Caller& caller);
  http::Response PostAbort(const http::Request& request, const platform::Caller& caller);

  // GET /api/sagas/definitions (anyone): 200 saga::DefinitionsJson of the catalog, with the
  // timings this orchestrator applies.
  http::Response GetDefinitions(const http::Request& request, const platform::Caller& caller);

  void Register(http::Server& server, const std::string& internal_secret);

 private:
  enum class Verb { kRetry, kAbort };
  http::Response Operate(const http::Request& request, const platform::Caller& caller, Verb verb);

  storage::Db& db_;
  const SagaCatalog& catalog_;
  const Clock& clock_;
  const SagaApiHooks hooks_;
  const nlohmann::json definitions_;  // GET /api/sagas/definitions: the catalog never changes
};

}  // namespace tinysaga::orchestrator
