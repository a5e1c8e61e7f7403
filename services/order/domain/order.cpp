#include "order/domain/order.h"

#include <algorithm>
#include <utility>

namespace tinysaga::order {
namespace {

std::string DefaultStatusInfo(OrderStatus status, Actor actor) {
  switch (status) {
    case OrderStatus::kInitiated:
      return "order created";
    case OrderStatus::kPaymentPending:
      return "payment in progress";
    case OrderStatus::kPaymentDone:
      return "payment received";
    case OrderStatus::kPlaced:
      return "stock reserved, order placed";
    case OrderStatus::kFailed:
      return "failed";
    case OrderStatus::kOnWay:
      return "on its way";
    case OrderStatus::kDelivered:
      return "delivered";
    case OrderStatus::kCanceled:
      return actor == Actor::kCustomer ? "canceled by the customer"
             : actor == Actor::kAdmin  ? "canceled by an admin"
                                       : "canceled: stock released and payment refunded";
    default:
      return std::string(FormatOrderStatus(status));
  }
}

}  // namespace

Result<void> CheckQuantity(int64_t quantity) {
  if (quantity < kQuantityMin || quantity > kQuantityMax) {
    return MakeError(Errc::kInvalidRequest, "field 'quantity' must be an integer from " +
                                                std::to_string(kQuantityMin) + " to " +
                                                std::to_string(kQuantityMax));
  }
  return Ok();
}

Result<Money> PriceFor(const ProductSnapshot& product, int64_t quantity) {
  TS_RETURN_IF_ERROR(CheckQuantity(quantity));
  if (product.available_count < quantity) {
    return MakeError(Errc::kOutOfStock,
                     "product '" + product.product_id.value() + "' has " +
                         std::to_string(std::max<int64_t>(product.available_count, 0)) +
                         " available, " + std::to_string(quantity) + " asked");
  }
  auto unit_price = Money::FromCents(product.price_cents, product.currency);
  if (!unit_price.ok()) {
    // Inventory's data, not the request, is out of range: still not a 5xx for the client.
    return MakeError(Errc::kUnprocessable,
                     "product '" + product.product_id.value() +
                         "' has an unusable price: " + unit_price.error().detail);
  }
  auto price = unit_price->Times(quantity);
  if (!price.ok()) {
    return MakeError(Errc::kUnprocessable, "price of " + std::to_string(quantity) +
                                               " units is too large (" + price.error().detail +
                                               ")");
  }
  return price;
}

Result<NewOrder> CreateOrder(OrderId order_id, UserId user_id, const ProductSnapshot& product,
                             int64_t quantity, TimestampMs now_ms) {
  TS_ASSIGN_OR_RETURN(Money price, PriceFor(product, quantity));
  NewOrder created;
  Order& order = created.order;
  order.order_id = std::move(order_id);
  order.user_id = std::move(user_id);
  order.product_id = product.product_id;
  order.quantity = quantity;
  order.price_cents = price.cents();
  order.currency = price.currency();
  order.status = OrderStatus::kInitiated;
  order.status_info = DefaultStatusInfo(OrderStatus::kInitiated, Actor::kCustomer);
  order.created_at_ms = now_ms;
  order.updated_at_ms = now_ms;
  created.first_change = StatusChange{order.status, order.status_info, now_ms};
  return created;
}

Result<void> CheckRevisable(const Order& order) {
  if (order.status != OrderStatus::kInitiated) {
    return MakeError(Errc::kConflict, "order is " + std::string(FormatOrderStatus(order.status)) +
                                          "; only an INITIATED order can be changed");
  }
  return Ok();
}

bool IsSagaMoving(const Order& order) {
  return order.status == OrderStatus::kPaymentPending ||
         order.status == OrderStatus::kPaymentDone || order.cancel_requested();
}

Result<void> ReviseOrder(Order& order, const ProductSnapshot& product, int64_t quantity,
                         TimestampMs now_ms) {
  TS_RETURN_IF_ERROR(CheckRevisable(order));
  TS_ASSIGN_OR_RETURN(Money price, PriceFor(product, quantity));
  order.product_id = product.product_id;
  order.quantity = quantity;
  order.price_cents = price.cents();
  order.currency = price.currency();
  order.updated_at_ms = now_ms;
  return Ok();
}

Result<StatusChange> ChangeStatus(Order& order, OrderStatus to, Actor actor,
                                  std::string status_info, TimestampMs now_ms) {
  TS_RETURN_IF_ERROR(CheckTransition(order.status, to, actor));
  if (order.cancel_requested() && to != OrderStatus::kCanceled) {
    return MakeError(Errc::kConflict,
                     "order is " + std::string(FormatOrderStatus(order.status)) +
                         " with a cancel requested; it can only become CANCELED now");
  }
  TS_RETURN_IF_ERROR(CheckStatusInfo(status_info));
  if (status_info.empty()) status_info = DefaultStatusInfo(to, actor);
  order.status = to;
  order.status_info = status_info;
  order.updated_at_ms = now_ms;
  return StatusChange{to, std::move(status_info), now_ms};
}

Result<bool> RequestCancel(Order& order, TimestampMs now_ms) {
  if (order.status != OrderStatus::kPlaced) {
    return MakeError(Errc::kConflict, "order is " + std::string(FormatOrderStatus(order.status)) +
                                          "; only a PLACED order goes through the cancel saga");
  }
  if (order.cancel_requested()) return false;
  order.cancel_requested_at_ms = now_ms;
  order.updated_at_ms = now_ms;
  return true;
}

SagaCommandDecision PlanSagaCommand(const Order& order, OrderStatus target) {
  if (HasReached(order.status, target)) return {SagaCommandPlan::kAlreadyDone, ""};
  // A CANCELED order whose cancel was requested was PLACED first (RequestCancel), so it went
  // through every status up to PLACED: a command for one of them that comes late (its first
  // answer lost, the saga's retry meeting the cancel saga's end) is done, not refused. Found by
  // the simulator (seed 12).
  const bool was_placed = order.status == OrderStatus::kCanceled && order.cancel_requested();
  if (was_placed && HasReached(OrderStatus::kPlaced, target)) {
    return {SagaCommandPlan::kAlreadyDone, ""};
  }
  if (target == OrderStatus::kCanceled && !order.cancel_requested()) {
    return {SagaCommandPlan::kReject, "order is " + std::string(FormatOrderStatus(order.status)) +
                                          " and nobody asked to cancel it"};
  }
  if (auto allowed = CheckTransition(order.status, target, Actor::kSaga); !allowed.ok()) {
    return {SagaCommandPlan::kReject, allowed.error().detail};
  }
  if (order.cancel_requested() && target != OrderStatus::kCanceled) {
    return {SagaCommandPlan::kReject, "order has a cancel requested"};
  }
  return {SagaCommandPlan::kChange, ""};
}

Result<void> CheckStatusInfo(std::string_view text) {
  if (CountCodePoints(text) > kStatusInfoLengthMax) {
    return MakeError(Errc::kInvalidRequest, "field 'statusInfo' is longer than " +
                                                std::to_string(kStatusInfoLengthMax) +
                                                " characters");
  }
  return Ok();
}

size_t CountCodePoints(std::string_view text) {
  size_t count = 0;
  for (char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++count;
  }
  return count;
}

}  // namespace tinysaga::order
