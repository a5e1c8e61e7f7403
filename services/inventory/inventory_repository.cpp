#include "inventory/inventory_repository.h"

#include <soci/soci.h>

#include <algorithm>
#include <string>

namespace tinysaga::inventory {
namespace {

// How often a compare-and-set is retried after a concurrent change before giving up with
// kConflict; each retry means another writer made progress, so a few suffice.
constexpr int kCompareAndSetAttemptsMax = 5;

constexpr const char* kProductColumns =
    "product_id, product_name, product_type, price_cents, currency, available_count, "
    "created_at_ms, updated_at_ms";

// One row's columns, bound with soci::into.
struct ProductRow {
  std::string product_id;
  std::string product_name;
  std::string product_type;
  long long price_cents = 0;
  std::string currency;
  long long available_count = 0;
  long long created_at_ms = 0;
  long long updated_at_ms = 0;

  Result<Product> ToProduct() const {
    auto price = Money::FromCents(price_cents, currency);
    if (!price.ok()) {
      return MakeError(Errc::kInternal,
                       "product " + product_id + " has a bad price: " + price.error().detail);
    }
    return Product{
        .product_id = ProductId(product_id),
        .product_name = product_name,
        .product_type = product_type,
        .price = std::move(price).value(),
        .available_count = available_count,
        .created_at_ms = created_at_ms,
        .updated_at_ms = updated_at_ms,
    };
  }
};

void InsertMovement(soci::session& session, const ProductId& product_id, int64_t delta,
                    MovementKind kind, const OrderId* order_id, TimestampMs now_ms) {
  const std::string product = product_id.value();
  const long long delta_value = delta;
  const std::string kind_name(MovementKindName(kind));
  const std::string order = order_id ? order_id->value() : std::string();
  soci::indicator order_indicator = order_id ? soci::i_ok : soci::i_null;
  const long long created_at_ms = now_ms;
  session << "INSERT INTO stock_movements (product_id, delta, kind, order_id, created_at_ms) "
             "VALUES (:product_id, :delta, :kind, :order_id, :created_at_ms)",
      soci::use(product, "product_id"), soci::use(delta_value, "delta"),
      soci::use(kind_name, "kind"), soci::use(order, order_indicator, "order_id"),
      soci::use(created_at_ms, "created_at_ms");
}

// Sets available_count from `expected` to `change.available_count` and records the movement;
// false (nothing written) when the count is no longer `expected`.
bool CompareAndSetCount(soci::session& session, const ProductId& product_id, int64_t expected,
                        const StockChange& change, const OrderId* order_id, TimestampMs now_ms) {
  const std::string product = product_id.value();
  const long long expected_count = expected;
  const long long new_count = change.available_count;
  const long long updated_at_ms = now_ms;
  soci::statement update =
      (session.prepare << "UPDATE products SET available_count = :new_count, "
                          "updated_at_ms = :updated_at_ms "
                          "WHERE product_id = :product_id AND available_count = :expected_count",
       soci::use(new_count, "new_count"), soci::use(updated_at_ms, "updated_at_ms"),
       soci::use(product, "product_id"), soci::use(expected_count, "expected_count"));
  update.execute(true);
  if (update.get_affected_rows() != 1) return false;
  InsertMovement(session, product_id, change.delta, change.kind, order_id, now_ms);
  return true;
}

using ComputeChange = Result<StockChange> (*)(int64_t current, int64_t argument);

// Reads the product, computes the change with the pure rule, compare-and-sets, and retries a
// bounded number of times when a concurrent writer got there first.
Result<Product> ChangeStock(soci::session& session, const ProductId& product_id,
                            ComputeChange compute, int64_t argument, const OrderId* order_id,
                            TimestampMs now_ms) {
  for (int attempt = 0; attempt < kCompareAndSetAttemptsMax; ++attempt) {
    TS_ASSIGN_OR_RETURN(std::optional<Product> product, FindProduct(session, product_id));
    if (!product) return MakeError(Errc::kNotFound, "no product " + product_id.value());
    TS_ASSIGN_OR_RETURN(StockChange change, compute(product->available_count, argument));
    if (change.delta == 0) return std::move(*product);
    if (CompareAndSetCount(session, product_id, product->available_count, change, order_id,
                           now_ms)) {
      product->available_count = change.available_count;
      product->updated_at_ms = now_ms;
      return std::move(*product);
    }
  }
  return MakeError(Errc::kConflict,
                   "the stock of " + product_id.value() + " kept changing concurrently; try again");
}

}  // namespace

OrderStock FindOrderStock(soci::session& session, const OrderId& order_id) {
  const std::string order = order_id.value();
  std::string product;
  long long delta = 0;
  std::string kind;
  soci::statement select =
      (session.prepare << "SELECT product_id, delta, kind FROM stock_movements "
                          "WHERE order_id = :order_id",
       soci::into(product), soci::into(delta), soci::into(kind), soci::use(order, "order_id"));
  select.execute();
  OrderStock movements;
  while (select.fetch()) {
    if (kind == MovementKindName(MovementKind::kReserve)) {
      movements.reserved =
          StockReservation{StockOutcome::kAlreadyApplied, ProductId(product), -delta};
    } else if (kind == MovementKindName(MovementKind::kRelease)) {
      movements.released = true;
    }
  }
  return movements;
}

Result<std::optional<Product>> FindProduct(soci::session& session, const ProductId& product_id) {
  const std::string product = product_id.value();
  ProductRow row;
  session << "SELECT " << kProductColumns << " FROM products WHERE product_id = :product_id",
      soci::into(row.product_id), soci::into(row.product_name), soci::into(row.product_type),
      soci::into(row.price_cents), soci::into(row.currency), soci::into(row.available_count),
      soci::into(row.created_at_ms), soci::into(row.updated_at_ms),
      soci::use(product, "product_id");
  if (!session.got_data()) return std::optional<Product>();
  TS_ASSIGN_OR_RETURN(Product found, row.ToProduct());
  return std::optional<Product>(std::move(found));
}

Result<std::vector<Product>> ListProducts(soci::session& session, size_t limit) {
  const long long row_limit = static_cast<long long>(limit);
  ProductRow row;
  soci::statement select =
      (session.prepare << "SELECT " << kProductColumns
                       << " FROM products ORDER BY product_id LIMIT :row_limit",
       soci::into(row.product_id), soci::into(row.product_name), soci::into(row.product_type),
       soci::into(row.price_cents), soci::into(row.currency), soci::into(row.available_count),
       soci::into(row.created_at_ms), soci::into(row.updated_at_ms),
       soci::use(row_limit, "row_limit"));
  select.execute();
  std::vector<Product> products;
  while (select.fetch()) {
    TS_ASSIGN_OR_RETURN(Product product, row.ToProduct());
    products.push_back(std::move(product));
  }
  // PostgreSQL orders text by the database's locale, SQLite by bytes: sort here so that the
  // order is byte order on both.
  std::sort(products.begin(), products.end(), [](const Product& a, const Product& b) {
    return a.product_id.value() < b.product_id.value();
  });
  return products;
}

Result<void> InsertProduct(soci::session& session, const Product& product) {
  const std::string product_id = product.product_id.value();
  const long long price_cents = product.price.cents();
  const std::string currency = product.price.currency();
  const long long available_count = product.available_count;
  const long long created_at_ms = product.created_at_ms;
  const long long updated_at_ms = product.updated_at_ms;
  soci::statement insert =
      (session.prepare << "INSERT INTO products (" << kProductColumns
                       << ") VALUES (:product_id, :product_name, :product_type, :price_cents, "
                          ":currency, :available_count, :created_at_ms, :updated_at_ms) "
                          "ON CONFLICT DO NOTHING",
       soci::use(product_id, "product_id"), soci::use(product.product_name, "product_name"),
       soci::use(product.product_type, "product_type"), soci::use(price_cents, "price_cents"),
       soci::use(currency, "currency"), soci::use(available_count, "available_count"),
       soci::use(created_at_ms, "created_at_ms"), soci::use(updated_at_ms, "updated_at_ms"));
  insert.execute(true);
  if (insert.get_affected_rows() != 1) {
    return MakeError(Errc::kConflict, "product " + product_id + " already exists");
  }
  InsertMovement(session, product.product_id, product.available_count, MovementKind::kInitial,
                 nullptr, product.created_at_ms);
  return Ok();
}

Result<Product> SetStock(soci::session& session, const ProductId& product_id,
                         int64_t available_count, TimestampMs now_ms) {
  return ChangeStock(session, product_id, &SetAvailableCount, available_count, nullptr, now_ms);
}

Result<StockReservation> ReserveStock(soci::session& session, const OrderId& order_id,
                                      const ProductId& product_id, int64_t quantity,
                                      TimestampMs now_ms) {
  OrderStock movements = FindOrderStock(session, order_id);
  // A released order stays released: a late or duplicated reserve must not take stock again.
  if (movements.released) {
    return MakeError(Errc::kConflict, "order " + order_id.value() + " was already released");
  }
  if (movements.reserved) {
    if (movements.reserved->product_id != product_id || movements.reserved->quantity != quantity) {
      return MakeError(Errc::kConflict, "order " + order_id.value() +
                                            " already reserved another product or quantity");
    }
    return *movements.reserved;
  }
  TS_ASSIGN_OR_RETURN(Product product,
                      ChangeStock(session, product_id, &Reserve, quantity, &order_id, now_ms));
  return StockReservation{StockOutcome::kApplied, product.product_id, quantity};
}

Result<StockReservation> ReleaseStock(soci::session& session, const OrderId& order_id,
                                      const ProductId& product_id, TimestampMs now_ms) {
  OrderStock movements = FindOrderStock(session, order_id);
  if (!movements.reserved) {
    if (!movements.released) {
      TS_ASSIGN_OR_RETURN(std::optional<Product> product, FindProduct(session, product_id));
      // An unknown product cannot be reserved anyway, so it needs no closing row.
      if (product) {
        InsertMovement(session, product_id, 0, MovementKind::kRelease, &order_id, now_ms);
      }
    }
    return StockReservation{StockOutcome::kNothingReserved, {}, 0};
  }
  StockReservation reservation = *movements.reserved;
  if (movements.released) return reservation;  // kAlreadyApplied
  TS_RETURN_IF_ERROR(ChangeStock(session, reservation.product_id, &Release, reservation.quantity,
                                 &order_id, now_ms));
  reservation.outcome = StockOutcome::kApplied;
  return reservation;
}

Result<int64_t> SumOfMovements(soci::session& session, const ProductId& product_id) {
  const std::string product = product_id.value();
  long long sum = 0;
  soci::indicator sum_indicator = soci::i_ok;
  session
      << "SELECT CAST(SUM(delta) AS BIGINT) FROM stock_movements WHERE product_id = :product_id",
      soci::into(sum, sum_indicator), soci::use(product, "product_id");
  return sum_indicator == soci::i_null ? int64_t{0} : int64_t{sum};
}

}  // namespace tinysaga::inventory
