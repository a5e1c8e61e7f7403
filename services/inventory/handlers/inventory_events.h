#pragma once
// Inventory's side of the choreographed sagas (tinysaga/saga/choreography.h): the handler of
// payment.events and order.events in choreography mode. Like the commands, it runs inside the
// inbox transaction, so the stock change, the event it publishes and the inbox row commit
// together, exactly once per event.
//
//   PaymentCompleted     -> reserve the order's stock -> StockReserved | OutOfStock
//   OrderCancelRequested -> release it                -> StockReleased
//
// published on inventory.events in the order's saga (the event's own saga id, else the
// choreography id of the order saga or of the cancel saga). Reserve and release are those of
// inventory_commands.h, so a release is still the order's last word on stock. Other events on
// these topics need nothing from Inventory and are acknowledged as they are; errors are the
// commands' (poison dead-lettered, contention retried).
//
// Thread safety: as inventory_commands.h.

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
// inventory.events. The clock and rng must outlive it.
platform::MessageHandler InventoryEventHandler(const Clock& clock, Rng& rng);

}  // namespace tinysaga::inventory
