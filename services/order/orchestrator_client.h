#pragma once
// Order's view of the Orchestrator: GET /api/orders/{orderId}/saga on peer "orchestrator" as
// the service caller, for the live events stream (order/events). One short call per poll;
// no retries: a failed round is simply skipped and the next poll asks again.
//
// Lifecycle: holds a reference to an http::Client that must outlive it. Thread-safe.

#include <chrono>
#include <string>
#include <vector>

#include "order/events/event_stream.h"
#include "tinysaga/core/ids.h"
#include "tinysaga/http/client.h"
#include "tinysaga/platform/peer_client.h"

namespace tinysaga::order {

class OrchestratorClient {
 public:
  OrchestratorClient(http::Client& client, std::vector<http::Endpoint> endpoints,
                     std::string internal_secret,
                     std::chrono::milliseconds timeout = std::chrono::milliseconds(1'000));

  // kPresent with the view, kAbsent for 404 (no saga yet), kUnknown when the orchestrator
  // cannot be reached or answers something else.
  SagaObservation GetSaga(const OrderId& order_id);

 private:
  platform::PeerClient peer_;
};

// Reads an answer of GET /api/orders/{orderId}/saga. Pure; exposed for tests. A view is
// terminal when its "state" is COMPLETED, FAILED or GAVE_UP; its JSON is re-serialised compactly,
// so only a real change makes a new saga event.
SagaObservation ParseSagaView(int status, const std::string& body);

}  // namespace tinysaga::order
