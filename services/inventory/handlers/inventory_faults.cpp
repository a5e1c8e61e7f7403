#include "inventory/handlers/inventory_faults.h"

#include <nlohmann/json.hpp>

#include "inventory/log.h"
#include "tinysaga/core/json_reader.h"
#include "tinysaga/http/problem.h"
#include "tinysaga/platform/service.h"

namespace tinysaga::inventory {

Result<void> InventoryFaults::AdmitReservation() const {
  if (!dead_letter_reservations_.load()) return Ok();
  return MakeError(Errc::kUnprocessable,
                   "simulated handler bug: the dev fault switch refuses reservations "
                   "(POST /api/dev/faults/inventory)");
}

http::Response InventoryFaults::PostFaults(const http::Request& request,
                                           const platform::Caller& caller) {
  if (!dev_mode_) return http::Problem(404, "not-found", "no such endpoint");
  if (!caller.authenticated()) {
    return http::Problem(MakeError(Errc::kUnauthorized, "authentication required"));
  }
  if (!caller.privileged()) {
    return http::Problem(MakeError(Errc::kForbidden, "admins and services only"));
  }
  auto body = JsonReader::ParseBody(request.body);
  if (!body.ok()) return http::Problem(body.error());
  const bool on = body->Boolean("deadLetterReservations");
  if (auto finished = body->Finish(); !finished.ok()) return http::Problem(finished.error());
  dead_letter_reservations_.store(on);
  Log()->warn("fault switch {}: reservations are {}, by {}", on ? "on" : "off",
              on ? "dead-lettered (a simulated handler bug)" : "applied",
              caller.user_id.empty() ? std::string("service") : caller.user_id);
  return http::Response::Json(200, {{"deadLetterReservations", on}});
}

void InventoryFaults::Register(http::Server& server, const std::string& internal_secret) {
  platform::RouteGuarded(server, internal_secret, "POST", "/api/dev/faults/inventory", this,
                         &InventoryFaults::PostFaults);
}

}  // namespace tinysaga::inventory
