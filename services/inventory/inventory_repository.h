#pragma once
// The inventory's SQL, through SOCI. Every function takes the caller's session and runs inside
// the caller's transaction (storage::Db::Write for changes): the functions never commit.
// SOCI exceptions are left to Db, which rolls back and translates them.
//
// Races: available_count only changes through a compare-and-set (UPDATE ... WHERE
// available_count = :expected), so on PostgreSQL (READ COMMITTED) a concurrent change makes
// the update miss and the function re-reads, and the movement written always has the real
// delta. On SQLite writers are serialised anyway.

#include <cstdint>
#include <optional>
#include <vector>

#include "inventory/domain/product.h"
#include "inventory/domain/stock.h"
#include "tinysaga/core/clock.h"
#include "tinysaga/core/ids.h"
#include "tinysaga/core/result.h"

namespace soci {
class session;
}

namespace tinysaga::inventory {

Result<std::optional<Product>> FindProduct(soci::session& session, const ProductId& product_id);

// Products in byte order of their ids, at most `limit` of them (which ones, when there are
// more, follows the database's collation).
Result<std::vector<Product>> ListProducts(soci::session& session, size_t limit);

// Inserts a new product with its INITIAL movement. kConflict when the id already exists.
Result<void> InsertProduct(soci::session& session, const Product& product);

// Sets the available count (an admin's stock take) and records the RESTOCK or ADJUST
// movement; no movement when the count does not change. kNotFound for an unknown product.
Result<Product> SetStock(soci::session& session, const ProductId& product_id,
                         int64_t available_count, TimestampMs now_ms);

// --- For the order saga (inventory.commands, handlers/inventory_commands.h) ------------------

enum class StockOutcome {
  kApplied,          // this call changed the stock
  kAlreadyApplied,   // an earlier call for the same order did; nothing changed now
  kNothingReserved,  // release for an order that reserved nothing; nothing changed
};

struct StockReservation {
  StockOutcome outcome = StockOutcome::kApplied;
  ProductId product_id;
  int64_t quantity = 0;
};

// Takes `quantity` units of the product for the order, once per order: a repeated call
// returns kAlreadyApplied. kOutOfStock, kNotFound (product), kInvalidRequest (quantity), or
// kConflict (the order already reserved another product or quantity, or was released, or the
// count kept changing concurrently) write nothing, so the caller may still commit its own
// rows, such as a reply, in the transaction. A released order never reserves again: a release
// is an order's last word on stock (FindOrderStock tells the conflicts apart).
Result<StockReservation> ReserveStock(soci::session& session, const OrderId& order_id,
                                      const ProductId& product_id, int64_t quantity,
                                      TimestampMs now_ms);

// Gives back what the order reserved, once: kAlreadyApplied on repetition, kNothingReserved
// when the order reserved nothing (a compensation must always succeed). A release that finds
// nothing still closes the order: if `product_id` (the product the release names) exists, a
// RELEASE movement with delta 0 is recorded, so that a reserve arriving late (e.g. replayed
// from a dead-letter topic after its saga was compensated) cannot take stock for a saga
// that has already given up on it.
Result<StockReservation> ReleaseStock(soci::session& session, const OrderId& order_id,
                                      const ProductId& product_id, TimestampMs now_ms);

// What an order did to stock so far: its reservation (outcome kAlreadyApplied) if any, and
// whether it was released (or closed by a release that found nothing).
struct OrderStock {
  std::optional<StockReservation> reserved;
  bool released = false;
};
OrderStock FindOrderStock(soci::session& session, const OrderId& order_id);

// SUM(delta) of the product's movements; equals its available count when stock is conserved.
Result<int64_t> SumOfMovements(soci::session& session, const ProductId& product_id);

}  // namespace tinysaga::inventory
