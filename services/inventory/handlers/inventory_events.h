#pragma once
// Inventory's side of the choreographed sagas (tinysaga/saga/choreography.h): the handler of
// payment.events and order.events in choreography mode. What Inventory does is not written
// here but derived from the sagas' declarations (saga/choreography_reactions.h): each event
// that calls for one of Inventory's commands is turned into that command, built by the
// declaration from the saga data the event carries, and run by the very handler that answers
// the orchestrator (inventory_commands.h), its answer published on inventory.events in the
// event's saga. Today that is:
//
//   PaymentCompleted     -> ReserveStock -> StockReserved | OutOfStock
//   OrderCancelRequested -> ReleaseStock -> StockReleased
//
// Like the commands, it runs inside the inbox transaction, so the stock change, the event it
// publishes and the inbox row commit together, exactly once per event, and a release is still
// the order's last word on stock. Other events on these topics need nothing from Inventory and
// are acknowledged as they are; errors are the commands' (poison dead-lettered, contention
// retried).
//
// Thread safety: as inventory_commands.h.

#include "inventory/handlers/inventory_faults.h"
#include "tinysaga/contracts/messages.h"
#include "tinysaga/core/clock.h"
#include "tinysaga/core/result.h"
#include "tinysaga/core/rng.h"
#include "tinysaga/platform/messaging.h"

namespace soci {
class session;
}

namespace tinysaga::inventory {

// The handler of those events: applies each and appends Inventory's answer to
// inventory.events. The clock, rng and `faults` (null: no fault switch; when on, the
// PaymentCompleted that asks for a reservation is dead-lettered) must outlive it.
platform::MessageHandler InventoryEventHandler(const Clock& clock, Rng& rng,
                                               const InventoryFaults* faults = nullptr);

}  // namespace tinysaga::inventory
