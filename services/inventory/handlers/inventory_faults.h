#pragma once
// Inventory's development-only fault switch (issue 15): a handler bug, simulated. While it is
// on, every reservation Inventory is asked for (a ReserveStock command in orchestration, the
// reservation a PaymentCompleted calls for in choreography) is refused as unprocessable, a
// non-retryable error: the inbox consumer dead-letters the message through its usual path
// (bus/inbox_consumer.h: a row of dead_letters, the inbox row, the ".dlq" topic), so an
// operator can redrive it once the switch is off (the bug "fixed"). Releases and shipping are
// not affected, so a saga that gives up on the reservation can still compensate.
//
//   POST /api/dev/faults/inventory {"deadLetterReservations": true|false}
//     (dev mode only, else 404; admins and services: anonymous 401, users 403)
//     200 {"deadLetterReservations"}; 400 for any other body.
//
// Lifecycle: created by the inventory service, owned by its ServiceParts, which outlive the
// consumers (RunService stops messaging first), so the handlers may hold a reference.
// Thread-safe: the switch is an atomic, per instance (with several inventory instances the
// switch affects the one that received it, as the wallet's does).

#include <atomic>
#include <string>

#include "tinysaga/core/result.h"
#include "tinysaga/http/message.h"
#include "tinysaga/http/server.h"
#include "tinysaga/platform/caller.h"

namespace tinysaga::inventory {

class InventoryFaults {
 public:
  // `dev_mode`: ServiceConfig::dev_mode; without it the switch answers 404 and stays off.
  explicit InventoryFaults(bool dev_mode) : dev_mode_(dev_mode) {}

  // ok, or the kUnprocessable error a reservation is refused with while the switch is on.
  Result<void> AdmitReservation() const;

  http::Response PostFaults(const http::Request& request, const platform::Caller& caller);

  // Adds the route to `server`, behind platform::Guarded.
  void Register(http::Server& server, const std::string& internal_secret);

 private:
  const bool dev_mode_;
  std::atomic<bool> dead_letter_reservations_{false};
};

}  // namespace tinysaga::inventory
