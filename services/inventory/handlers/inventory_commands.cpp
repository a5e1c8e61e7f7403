#include "inventory/handlers/inventory_commands.h"

#include <optional>
#include <string>

#include "inventory/inventory_repository.h"
#include "inventory/log.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/platform/handlers.h"

namespace tinysaga::inventory {
namespace {

// Units of the product available now; 0 for an unknown product.
Result<int64_t> AvailableCount(soci::session& session, const ProductId& product_id) {
  TS_ASSIGN_OR_RETURN(std::optional<Product> product, FindProduct(session, product_id));
  return product ? product->available_count : int64_t{0};
}

}  // namespace

Result<contracts::Payload> ReserveForOrder(soci::session& session, const OrderId& order_id,
                                           const contracts::ReserveStock& command,
                                           TimestampMs now_ms) {
  auto reserved = ReserveStock(session, order_id, command.product_id, command.quantity, now_ms);
  if (reserved.ok()) return contracts::Payload(contracts::StockReserved{});
  const Error& error = reserved.error();
  if (error.code == Errc::kOutOfStock || error.code == Errc::kNotFound) {
    // The refusal is the order's last word on stock, as a release is: an older attempt of this
    // command that comes later (it was lost and published again, e.g. after the development
    // broker lost its log) must not reserve for an order whose saga has failed meanwhile.
    // Found by the simulator (seed 179). An unknown product needs no closing row.
    TS_RETURN_IF_ERROR(ReleaseStock(session, order_id, command.product_id, now_ms));
    TS_ASSIGN_OR_RETURN(int64_t available, AvailableCount(session, command.product_id));
    return contracts::Payload(contracts::OutOfStock{available});
  }
  if (error.code != Errc::kConflict) return error;
  // kConflict has three causes; only the order's movements tell them apart.
  OrderStock stock = FindOrderStock(session, order_id);
  if (stock.released) {
    Log()->info("order={} reserve after its release: nothing reserved, answered OutOfStock",
                order_id.value());
    TS_ASSIGN_OR_RETURN(int64_t available, AvailableCount(session, command.product_id));
    return contracts::Payload(contracts::OutOfStock{available});
  }
  if (stock.reserved) return error;  // other terms for the same order: a bug upstream, poison
  return MakeError(Errc::kUnavailable, error.detail);  // contention: try the message again
}

Result<contracts::Payload> ReleaseForOrder(soci::session& session, const OrderId& order_id,
                                           const contracts::ReleaseStock& command,
                                           TimestampMs now_ms) {
  auto released = ReleaseStock(session, order_id, command.product_id, now_ms);
  if (released.ok()) return contracts::Payload(contracts::StockReleased{});
  // kConflict here can only be contention on the count: try again. Anything else (an
  // overflowing count) is poison.
  if (released.error().code == Errc::kConflict) {
    return MakeError(Errc::kUnavailable, released.error().detail);
  }
  return released.error();
}

namespace {

// Shipping takes no stock of its own: the reservation is what ships. Nothing reserved, or
// released already (the order was canceled), is a command no saga should send: poison.
Result<contracts::Payload> ShipForOrder(soci::session& session, const OrderId& order_id) {
  const OrderStock stock = FindOrderStock(session, order_id);
  if (!stock.reserved || stock.released) {
    return MakeError(Errc::kConflict,
                     "order " + order_id.value() + " has no reserved stock to ship");
  }
  return contracts::Payload(contracts::OrderShipped{});
}

}  // namespace

platform::MessageHandler InventoryCommandHandler(const Clock& clock, Rng& rng,
                                                 std::string_view reply_topic,
                                                 const InventoryFaults* faults) {
  auto commands = platform::Handlers::ForCommands(std::string(contracts::kInventoryCommandsTopic),
                                                  clock, rng, reply_topic);
  commands
      .Answer<contracts::ReserveStock>(
          [&clock, faults](soci::session& session, const contracts::Message& command,
                           const contracts::ReserveStock& reserve) -> Result<contracts::Payload> {
            if (faults) TS_RETURN_IF_ERROR(faults->AdmitReservation());
            return ReserveForOrder(session, command.envelope.order_id, reserve, clock.NowMs());
          })
      .Answer<contracts::ReleaseStock>([&clock](soci::session& session,
                                                const contracts::Message& command,
                                                const contracts::ReleaseStock& release) {
        return ReleaseForOrder(session, command.envelope.order_id, release, clock.NowMs());
      })
      .Answer<contracts::ShipOrder>([](soci::session& session, const contracts::Message& command,
                                       const contracts::ShipOrder&) {
        return ShipForOrder(session, command.envelope.order_id);
      });
  return std::move(commands).Build();
}

}  // namespace tinysaga::inventory
