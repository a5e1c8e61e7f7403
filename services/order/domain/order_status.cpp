#include "order/domain/order_status.h"

#include <algorithm>
#include <string>

namespace tinysaga::order {
namespace {

using enum OrderStatus;

// The table. Adding a row here is the only way to make a new status change possible.
constexpr std::array kTransitions = {
    Transition{kInitiated, kPaymentPending, Actor::kSaga},  // order saga starts (payment asked)
    // Payment decided the debit but crashed before (or failed while) moving the order.
    Transition{kInitiated, kFailed, Actor::kSaga},
    Transition{kInitiated, kCanceled, Actor::kCustomer},  // cancel before paying
    Transition{kInitiated, kCanceled, Actor::kAdmin},
    Transition{kPaymentPending, kPaymentDone, Actor::kSaga},  // wallet debited
    Transition{kPaymentPending, kFailed, Actor::kSaga},       // insufficient funds, wallet down
    Transition{kPaymentDone, kPlaced, Actor::kSaga},          // stock reserved
    Transition{kPaymentDone, kFailed, Actor::kSaga},          // out of stock, payment refunded
    Transition{kPlaced, kOnWay, Actor::kAdmin},               // shipped
    Transition{kPlaced, kOnWay, Actor::kSaga},     // shipped by a saga (docs/adding-a-step.md)
    Transition{kPlaced, kCanceled, Actor::kSaga},  // cancel saga: restocked, refunded
    Transition{kOnWay, kDelivered, Actor::kAdmin},
};

}  // namespace

std::string_view FormatOrderStatus(OrderStatus status) {
  switch (status) {
    case kInitiated:
      return "INITIATED";
    case kPaymentPending:
      return "PAYMENT_PENDING";
    case kPaymentDone:
      return "PAYMENT_DONE";
    case kPlaced:
      return "PLACED";
    case kOnWay:
      return "ON_WAY";
    case kDelivered:
      return "DELIVERED";
    case kFailed:
      return "FAILED";
    case kCanceled:
      return "CANCELED";
  }
  return "UNKNOWN";
}

std::optional<OrderStatus> ParseOrderStatus(std::string_view text) {
  for (OrderStatus status : kAllOrderStatuses) {
    if (FormatOrderStatus(status) == text) return status;
  }
  return std::nullopt;
}

bool IsTerminal(OrderStatus status) {
  return status == kDelivered || status == kFailed || status == kCanceled;
}

std::string_view FormatActor(Actor actor) {
  switch (actor) {
    case Actor::kCustomer:
      return "customer";
    case Actor::kAdmin:
      return "admin";
    case Actor::kSaga:
      return "saga";
  }
  return "unknown";
}

std::span<const Transition> Transitions() { return kTransitions; }

bool IsAllowedTransition(OrderStatus from, OrderStatus to, Actor actor) {
  return std::any_of(kTransitions.begin(), kTransitions.end(), [&](const Transition& row) {
    return row.from == from && row.to == to && row.actor == actor;
  });
}

Result<void> CheckTransition(OrderStatus from, OrderStatus to, Actor actor) {
  if (IsAllowedTransition(from, to, actor)) return Ok();
  std::string detail = "order is " + std::string(FormatOrderStatus(from));
  if (IsTerminal(from)) {
    detail += ", a final status; it can no longer change";
  } else {
    detail += "; " + std::string(FormatActor(actor)) + " cannot move it to " +
              std::string(FormatOrderStatus(to));
  }
  return MakeError(Errc::kConflict, std::move(detail));
}

bool HasReached(OrderStatus current, OrderStatus target) {
  // The main line, in order; the side statuses (FAILED, CANCELED) are only reached by being in them.
  constexpr std::array kMainLine = {kInitiated, kPaymentPending, kPaymentDone,
                                    kPlaced,    kOnWay,          kDelivered};
  if (current == target) return true;
  auto current_at = std::find(kMainLine.begin(), kMainLine.end(), current);
  auto target_at = std::find(kMainLine.begin(), kMainLine.end(), target);
  return current_at != kMainLine.end() && target_at != kMainLine.end() && target_at < current_at;
}

CancelPlan PlanCancel(OrderStatus status, Actor actor) {
  if (IsAllowedTransition(status, kCanceled, actor)) return CancelPlan::kCancelNow;
  // A placed order is cancelled by the cancel saga, which the customer or an admin asks for.
  if (status == kPlaced && actor != Actor::kSaga) return CancelPlan::kStartCancelSaga;
  return CancelPlan::kRefuse;
}

}  // namespace tinysaga::order
