#pragma once
// The order's life cycle as data: the statuses, which status may follow which, and who may
// cause each change. Pure (no I/O): the HTTP handlers ask it today, the sagas will tomorrow.
//
// INITIATED -> PAYMENT_PENDING -> PAYMENT_DONE -> PLACED -> ON_WAY -> DELIVERED, with FAILED
// and CANCELED on the side. FAILED, CANCELED and DELIVERED are terminal: no row of the table
// leaves them, so no order ever leaves a terminal state.

#include <array>
#include <optional>
#include <span>
#include <string_view>

#include "tinysaga/core/result.h"

namespace tinysaga::order {

enum class OrderStatus {
  kInitiated,
  kPaymentPending,
  kPaymentDone,
  kPlaced,
  kOnWay,
  kDelivered,
  kFailed,
  kCanceled,
};

inline constexpr std::array<OrderStatus, 8> kAllOrderStatuses = {
    OrderStatus::kInitiated, OrderStatus::kPaymentPending, OrderStatus::kPaymentDone,
    OrderStatus::kPlaced,    OrderStatus::kOnWay,          OrderStatus::kDelivered,
    OrderStatus::kFailed,    OrderStatus::kCanceled,
};

// "INITIATED", "PAYMENT_PENDING", ... exactly as in API.md.
std::string_view FormatOrderStatus(OrderStatus status);
// Exact, case-sensitive; nullopt for anything else.
std::optional<OrderStatus> ParseOrderStatus(std::string_view text);

bool IsTerminal(OrderStatus status);

// Who causes a status change.
enum class Actor {
  kCustomer,  // the order's owner (cancel)
  kAdmin,     // an administrator (cancel, shipping)
  kSaga,      // the order or cancel saga (payment, placement, failure, saga-driven cancel)
};

std::string_view FormatActor(Actor actor);

// One allowed change. An (from, to) pair open to several actors has one row per actor.
struct Transition {
  OrderStatus from;
  OrderStatus to;
  Actor actor;
};

// The whole table, for documentation, tests and the simulator's invariant checks.
std::span<const Transition> Transitions();

bool IsAllowedTransition(OrderStatus from, OrderStatus to, Actor actor);

// Ok, or kConflict with a detail naming the statuses (a terminal `from` says so).
Result<void> CheckTransition(OrderStatus from, OrderStatus to, Actor actor);

// True when an order in `current` is in `target` or went through it: on the main line
// (INITIATED ... DELIVERED) every later status implies the earlier ones, e.g. an ON_WAY order
// was PLACED. The side statuses FAILED and CANCELED are reached only by being in them.
bool HasReached(OrderStatus current, OrderStatus target);

// What a cancel request means in a given status.
enum class CancelPlan {
  kCancelNow,        // INITIATED: nothing was charged or reserved, CANCELED at once
  kStartCancelSaga,  // PLACED: stock and money must be given back first (cancel saga)
  kRefuse,           // a saga is running, or the order is shipped or finished
};

CancelPlan PlanCancel(OrderStatus status, Actor actor);

}  // namespace tinysaga::order
