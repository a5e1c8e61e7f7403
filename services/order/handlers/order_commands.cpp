#include "order/handlers/order_commands.h"

#include <optional>
#include <string>

#include "order/domain/order.h"
#include "order/order_repository.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/platform/handlers.h"
#include "tinysaga/sagas/order_sagas.h"

namespace tinysaga::order {
namespace {

// What a command asks for: the target status and, for MarkFailed, the reason.
struct Target {
  OrderStatus status = OrderStatus::kFailed;
  std::string status_info;  // empty: the status's default text
};

contracts::Payload Rejected(OrderStatus status, std::string detail) {
  return contracts::OrderStatusRejected{std::string(FormatOrderStatus(status)), std::move(detail)};
}

// A FAILED order that says its refund was not done (sagas::UnrefundedReason) while the saga,
// retried by an operator (issue 15), now fails it for the same reason with the refund done:
// the statusInfo tells the truth again, with a history line saying so. The status stays
// FAILED; nothing else changes an order in a final status.
Result<void> CorrectFailureReason(soci::session& session, Order& order, const Target& target,
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

// Decides and applies the change; returns the reply.
Result<contracts::Payload> Apply(soci::session& session, const OrderId& order_id,
                                 const Target& target, TimestampMs now_ms) {
  std::optional<Order> order = FindOrder(session, order_id);
  if (!order) {
    return Rejected(OrderStatus::kFailed, "order " + order_id.value() + " does not exist");
  }
  const SagaCommandDecision decision = PlanSagaCommand(*order, target.status);
  switch (decision.plan) {
    case SagaCommandPlan::kAlreadyDone:
      TS_RETURN_IF_ERROR(CorrectFailureReason(session, *order, target, now_ms));
      return contracts::Payload(
          contracts::OrderStatusChanged{std::string(FormatOrderStatus(order->status))});
    case SagaCommandPlan::kReject:
      return Rejected(order->status, decision.detail);
    case SagaCommandPlan::kChange:
      break;
  }
  const OrderStatus previous = order->status;
  TS_ASSIGN_OR_RETURN(StatusChange change, ChangeStatus(*order, target.status, Actor::kSaga,
                                                        target.status_info, now_ms));
  if (!UpdateOrderIf(session, *order, previous)) {
    return MakeError(Errc::kUnavailable, "order " + order_id.value() + " changed meanwhile");
  }
  AppendStatusChange(session, order_id, change);
  return contracts::Payload(
      contracts::OrderStatusChanged{std::string(FormatOrderStatus(order->status))});
}

}  // namespace

platform::MessageHandler OrderCommandHandler(const Clock& clock, Rng& rng) {
  // Each command asks for a target status; the decision and the reply are the same for all.
  auto to = [&clock](OrderStatus status) {
    return
        [&clock, status](soci::session& session, const contracts::Message& command, const auto&) {
          return Apply(session, command.envelope.order_id, Target{status, ""}, clock.NowMs());
        };
  };
  auto commands =
      platform::Handlers::ForCommands(std::string(contracts::kOrderCommandsTopic), clock, rng);
  commands.Answer<contracts::MarkPaymentDone>(to(OrderStatus::kPaymentDone))
      .Answer<contracts::MarkPlaced>(to(OrderStatus::kPlaced))
      .Answer<contracts::MarkCanceled>(to(OrderStatus::kCanceled))
      .Answer<contracts::MarkOnWay>(to(OrderStatus::kOnWay))
      .Answer<contracts::MarkFailed>([&clock](soci::session& session,
                                              const contracts::Message& command,
                                              const contracts::MarkFailed& failed) {
        return Apply(session, command.envelope.order_id,
                     Target{OrderStatus::kFailed, failed.reason}, clock.NowMs());
      });
  return std::move(commands).Build();
}

}  // namespace tinysaga::order
