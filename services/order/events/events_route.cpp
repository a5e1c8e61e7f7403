#include "order/events/events_route.h"

#include "tinysaga/http/problem.h"
#include "tinysaga/platform/service.h"

namespace tinysaga::order {

void RegisterEventStream(http::Server& server, const std::string& internal_secret, OrderApi& api,
                         OrderEventWatcher& watcher) {
  auto head = platform::Guarded(
      internal_secret, [&api, &watcher](const http::Request& request,
                                        const platform::Caller& caller) {
        http::Response response = api.EventsHead(request, caller);
        if (response.status == 200 && !watcher.HasRoom()) {
          return http::Problem(503, "service-unavailable", "too many live streams; try later");
        }
        return response;
      });
  server.RouteStream("GET", "/api/orders/{orderId}/events", std::move(head),
                     [&watcher](const http::Request& request, std::shared_ptr<http::Stream> stream) {
                       watcher.Watch(OrderId(request.PathParam("orderId")), std::move(stream));
                     });
}

}  // namespace tinysaga::order
