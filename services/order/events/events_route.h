#pragma once
// Mounts GET /api/orders/{orderId}/events: OrderApi::EventsHead decides who may watch (and
// the watcher whether there is room, else 503), then the stream is handed to the watcher,
// which writes to it from its own thread. The api and the watcher must outlive the server.

#include <string>

#include "order/events/order_watcher.h"
#include "order/handlers/order_api.h"
#include "tinysaga/http/server.h"

namespace tinysaga::order {

void RegisterEventStream(http::Server& server, const std::string& internal_secret, OrderApi& api,
                         OrderEventWatcher& watcher);

}  // namespace tinysaga::order
