#include "order/handlers/order_commands.h"

#include <optional>
#include <span>
#include <string>

#include "order/domain/order.h"
#include "order/handlers/order_events.h"
#include "order/handlers/status_moves.h"
#include "order/order_repository.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/platform/handlers.h"
#include "tinysaga/sagas/order_sagas.h"

namespace tinysaga::order {
namespace {

contracts::Payload Rejected(OrderStatus status, std::string detail) {
  return contracts::OrderStatusRejected{std::string(FormatOrderStatus(status)), std::move(detail)};
}

// A FAILED order that says its refund was not done (sagas::UnrefundedReason) while the saga,
// retried by an operator (issue 15), now fails it for the same reason with the refund done:
// the statusInfo tells the truth again, with a history line saying so. The status stays
// FAILED; nothing else changes an order in a final status.
Result<void> CorrectFailureReason(soci::session& session, Order& order, const StatusTarget& target,
                                  TimestampMs now_ms) {
  if (order.status != OrderStatus::kFailed || target.status != OrderStatus::kFailed ||
      target.status_info.empty() || order.status_info == target.status_info ||
      order.status_info != sagas::UnrefundedReason(target.status_info)) {
    return Ok();
  }
  order.status_info = target.status_info;
  order.updated_at_ms = now_ms;
  if (!UpdateOrderIf(session, order, OrderStatus::kFailed)) {
    return MakeError(Errc::kUnavailable, "order " + order.order_id.value() + " changed meanwhile");
  }
  AppendStatusChange(session, order.order_id,
                     StatusChange{OrderStatus::kFailed, target.status_info, now_ms});
  return Ok();
}

// Moves the order through `targets` (the last is the command's); returns the reply.
Result<contracts::Payload> Apply(soci::session& session, const OrderId& order_id,
                                 std::span<const StatusTarget> targets, TimestampMs now_ms) {
  std::optional<Order> order = FindOrder(session, order_id);
  if (!order) {
    return Rejected(OrderStatus::kFailed, "order " + order_id.value() + " does not exist");
  }
  TS_RETURN_IF_ERROR(CorrectFailureReason(session, *order, targets.back(), now_ms));
  TS_ASSIGN_OR_RETURN(std::optional<std::string> refused,
                      MoveOrder(session, *order, targets, now_ms));
  if (refused) return Rejected(order->status, std::move(*refused));
  return contracts::Payload(
      contracts::OrderStatusChanged{std::string(FormatOrderStatus(order->status))});
}

}  // namespace

std::vector<std::string> OrderCommandTopics() {
  return {std::string(contracts::kOrderCommandsTopic), std::string(contracts::kPaymentEventsTopic)};
}

platform::MessageHandler OrderCommandHandler(const Clock& clock, Rng& rng) {
  // Each command asks for target statuses; the decision and the reply are the same for all.
  auto to = [&clock](std::vector<StatusTarget> targets) {
    return [&clock, targets = std::move(targets)](soci::session& session,
                                                  const contracts::Message& command, const auto&) {
      return Apply(session, command.envelope.order_id, targets, clock.NowMs());
    };
  };
  using enum OrderStatus;
  auto commands =
      platform::Handlers::ForCommands(std::string(contracts::kOrderCommandsTopic), clock, rng);
  // MarkPlaced may overtake the PaymentCompleted it follows: they travel on different topics.
  commands.Answer<contracts::MarkPlaced>(to({{kPaymentDone, ""}, {kPlaced, ""}}))
      .Answer<contracts::MarkCanceled>(to({{kCanceled, ""}}))
      .Answer<contracts::MarkOnWay>(to({{kOnWay, ""}}))
      .Answer<contracts::MarkFailed>([&clock](soci::session& session,
                                              const contracts::Message& command,
                                              const contracts::MarkFailed& failed) {
        const StatusTarget failed_for{kFailed, failed.reason};
        return Apply(session, command.envelope.order_id, std::span(&failed_for, 1), clock.NowMs());
      })
      // Payment's event, not a command: the charge is done, so is the payment (one command
      // and its reply fewer per saga than the orchestrator asking).
      .On<contracts::PaymentCompleted>([&clock](soci::session& session,
                                                const contracts::Message& event,
                                                const contracts::PaymentCompleted&) {
        return FollowOrderEvent(session, event, clock);
      })
      // A declined charge had no effect, so nothing is undone before the order FAILs: Order
      // follows it at once, as in choreography, and the saga's MarkFailed finds it done (two
      // hops sooner for the customer). A charge whose effect is unknown is voided by the saga
      // first, so that MarkFailed says whether the money came back.
      .On<contracts::PaymentFailed>([&clock](soci::session& session,
                                             const contracts::Message& event,
                                             const contracts::PaymentFailed& failed) {
        if (failed.failure != contracts::PaymentFailure::kInsufficientFunds) return Ok();
        return FollowOrderEvent(session, event, clock);
      });
  return std::move(commands).Build();
}

}  // namespace tinysaga::order
