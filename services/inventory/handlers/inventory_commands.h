#pragma once
// Inventory's side of the order saga: the inventory.commands handler. It runs inside the inbox
// transaction (platform::Messaging), so the stock change, the reply in the outbox and the
// inbox row commit together, exactly once per command.
//
//   ReserveStock -> reserve once per order -> StockReserved (also for a repeat), or
//                   OutOfStock{availableCount} when nothing was reserved: too few units, an
//                   unknown product (count 0), or an order already released (see below).
//   ReleaseStock -> give back what the order reserved, once -> StockReleased (also for a
//                   repeat, and for an order that reserved nothing: a compensation always
//                   succeeds).
//
// Decision: a release is an order's last word on stock. A ReserveStock for an order that was
// released (or whose release found nothing to give back) reserves nothing and is answered
// OutOfStock, so a reserve that arrives late can never hold stock for a saga that already
// compensated it. (The saga engine ignores such a late reply anyway: it is not the reply
// it awaits.)
//
// Errors, as platform::MessageHandler expects: a command of another type, or a reserve for an
// order that already reserved other terms, is poison (kInvalidRequest, kConflict: the message
// is dead-lettered); a stock count that kept changing concurrently is kUnavailable (retried).
//
// In dev mode a fault switch (inventory_faults.h) can make every ReserveStock poison, a
// simulated handler bug, so that it is dead-lettered and can be redriven later.
//
// Thread safety: pure function of its arguments plus the database session; the clock and rng
// must be thread-safe (SystemClock, SystemRng are) when consumers run on several threads.

#include <string_view>

#include "inventory/handlers/inventory_faults.h"
#include "tinysaga/contracts/messages.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/core/clock.h"
#include "tinysaga/core/result.h"
#include "tinysaga/core/rng.h"
#include "tinysaga/platform/messaging.h"

namespace soci {
class session;
}

namespace tinysaga::inventory {

// The stock change of a ReserveStock or ReleaseStock and its answer, as above; shared by the
// commands (orchestration) and the reactions to events (choreography, inventory_events.h).
Result<contracts::Payload> ReserveForOrder(soci::session& session, const OrderId& order_id,
                                           const contracts::ReserveStock& command,
                                           TimestampMs now_ms);
Result<contracts::Payload> ReleaseForOrder(soci::session& session, const OrderId& order_id,
                                           const contracts::ReleaseStock& command,
                                           TimestampMs now_ms);

// The inventory.commands handler: applies each command and appends its reply to `reply_topic`
// (in choreography, inventory_events.h runs it on the commands the sagas' declarations build
// and answers on inventory.events). The clock, rng and `faults` (null: no fault switch) must
// outlive it.
platform::MessageHandler InventoryCommandHandler(
    const Clock& clock, Rng& rng, std::string_view reply_topic = contracts::kSagaRepliesTopic,
    const InventoryFaults* faults = nullptr);

}  // namespace tinysaga::inventory
