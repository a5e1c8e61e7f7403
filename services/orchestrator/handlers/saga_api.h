#pragma once
// The orchestrator's HTTP endpoints (API.md "Sagas"): one order's saga for its owner, and the
// list of all sagas for admins. Read-only; each method is one endpoint, tests call them
// directly with hand-made requests, and Register() mounts them behind platform::Guarded.
//
// Lifecycle and ownership: borrows the database and the catalog, which must outlive it.
// Thread safety: holds no state of its own, so the server's worker threads may call every
// method concurrently.

#include <nlohmann/json.hpp>
#include <string>

#include "orchestrator/domain/saga_catalog.h"
#include "tinysaga/http/message.h"
#include "tinysaga/http/server.h"
#include "tinysaga/platform/caller.h"
#include "tinysaga/storage/db.h"

namespace tinysaga::orchestrator {

// Every saga in the Saga DB was run by this orchestrator, so every view says so, whatever
// --saga-mode the system runs in now.
inline constexpr std::string_view kSagaMode = "orchestration";

class SagaApi {
 public:
  SagaApi(storage::Db& db, const SagaCatalog& catalog);

  // GET /api/orders/{orderId}/saga (owner, admin, service): 200 the order's latest saga (the
  // cancel saga once there is one, else the order saga) with "earlierSagas": its other sagas,
  // oldest first (usually empty). 404 when the order has no saga or the caller may not see it.
  http::Response GetOrderSaga(const http::Request& request, const platform::Caller& caller);

  // GET /api/sagas?state=&limit=&cursor= (admin, service): 200 {"sagas": [...], "nextCursor"}
  // newest first; 400 for a bad parameter, 401 anonymous, 403 users.
  http::Response GetSagas(const http::Request& request, const platform::Caller& caller);

  // GET /api/sagas/definitions (anyone): 200 saga::DefinitionsJson of the catalog, with the
  // timings this orchestrator applies.
  http::Response GetDefinitions(const http::Request& request, const platform::Caller& caller);

  void Register(http::Server& server, const std::string& internal_secret);

 private:
  storage::Db& db_;
  const SagaCatalog& catalog_;
  const nlohmann::json definitions_;  // GET /api/sagas/definitions: the catalog never changes
};

}  // namespace tinysaga::orchestrator
