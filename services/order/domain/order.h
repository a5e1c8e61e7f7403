#pragma once
// The order and the rules that create, revise and move it. Pure: the handlers fetch the
// product from Inventory and the time from a Clock, then ask these functions what to write.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "order/domain/order_status.h"
#include "tinysaga/core/clock.h"
#include "tinysaga/core/ids.h"
#include "tinysaga/core/money.h"
#include "tinysaga/core/result.h"

namespace tinysaga::order {

inline constexpr int64_t kQuantityMin = 1;
inline constexpr int64_t kQuantityMax = 1'000'000;
// Counted in Unicode code points, not bytes, so that non-Latin text gets the same room.
inline constexpr size_t kStatusInfoLengthMax = 500;

// What Inventory said about a product at one moment.
struct ProductSnapshot {
  ProductId product_id;
  int64_t price_cents = 0;  // unit price
  std::string currency;
  int64_t available_count = 0;
};

struct Order {
  OrderId order_id;
  UserId user_id;
  ProductId product_id;
  int64_t quantity = 0;
  int64_t price_cents = 0;  // unit price x quantity, fixed when the order is created or revised
  std::string currency;
  OrderStatus status = OrderStatus::kInitiated;
  std::string status_info;
  TimestampMs created_at_ms = 0;
  TimestampMs updated_at_ms = 0;
  // Set when the owner or an admin asked to cancel a PLACED order: the cancel saga is giving
  // back stock and money, and only its MarkCanceled may move the order now.
  std::optional<TimestampMs> cancel_requested_at_ms;

  bool cancel_requested() const { return cancel_requested_at_ms.has_value(); }
};

// One line of an order's history: every status change, the first one included.
struct StatusChange {
  OrderStatus status = OrderStatus::kInitiated;
  std::string status_info;
  TimestampMs at_ms = 0;
};

// kInvalidRequest unless kQuantityMin <= quantity <= kQuantityMax.
Result<void> CheckQuantity(int64_t quantity);

// The order's price for `quantity` units: kOutOfStock when fewer are available,
// kUnprocessable when the price would overflow Money's range.
Result<Money> PriceFor(const ProductSnapshot& product, int64_t quantity);

struct NewOrder {
  Order order;
  StatusChange first_change;
};

// A new order in INITIATED for `quantity` units of `product`, priced now.
Result<NewOrder> CreateOrder(OrderId order_id, UserId user_id, const ProductSnapshot& product,
                             int64_t quantity, TimestampMs now_ms);

// kConflict unless the order is INITIATED: once payment has started, what is being paid for
// is fixed.
Result<void> CheckRevisable(const Order& order);

// A saga is moving the order on by itself: it is being paid for (PAYMENT_PENDING,
// PAYMENT_DONE) or canceled (a cancel requested). Otherwise it rests until someone acts:
// INITIATED waits for its payment, PLACED and ON_WAY for an admin, and the rest are final.
// What GET /api/orders/{orderId}?waitMs= waits out.
bool IsSagaMoving(const Order& order);

// Changes the product and/or quantity of an INITIATED order and re-prices it (kConflict in any
// other status, see CheckRevisable).
Result<void> ReviseOrder(Order& order, const ProductSnapshot& product, int64_t quantity,
                         TimestampMs now_ms);

// Moves the order to `to` if the transition table allows it for `actor` (kConflict otherwise)
// and returns the history line to record. An empty `status_info` gets a default text.
// While a cancel is requested, CANCELED is the only way on (kConflict for the rest, e.g. a
// PLACED order cannot be shipped while its money is being refunded).
Result<StatusChange> ChangeStatus(Order& order, OrderStatus to, Actor actor,
                                  std::string status_info, TimestampMs now_ms);

// Records a cancel request on a PLACED order (PlanCancel said kStartCancelSaga). kConflict in
// any other status. Returns false, changing nothing, when a cancel was requested already.
Result<bool> RequestCancel(Order& order, TimestampMs now_ms);

// A status a saga moves the order to.
struct StatusTarget {
  OrderStatus status = OrderStatus::kFailed;
  std::string status_info;  // for FAILED: the reason; else empty (the default text)
};

// What a saga's move to `target` does to an order, decided on the order as read: the
// orchestrator's commands (order.commands: MarkPlaced, MarkFailed, MarkCanceled, MarkOnWay)
// and the events Order follows.
enum class SagaCommandPlan {
  kChange,       // apply ChangeStatus(order, target, Actor::kSaga, ...)
  kAlreadyDone,  // the order is in the target status or went through it: answer as done
  kReject,       // the status table (or a missing cancel request) forbids it
};
struct SagaCommandDecision {
  SagaCommandPlan plan = SagaCommandPlan::kReject;
  std::string detail;  // kReject: why, for OrderStatusRejected
};
SagaCommandDecision PlanSagaCommand(const Order& order, OrderStatus target);

// kInvalidRequest when `text` is longer than kStatusInfoLengthMax code points. `text` is
// valid UTF-8 (it came through the JSON parser).
Result<void> CheckStatusInfo(std::string_view text);

// Code points in valid UTF-8 text (continuation bytes are not counted).
size_t CountCodePoints(std::string_view text);

}  // namespace tinysaga::order
