#include "order/handlers/order_commands.h"

#include <optional>
#include <string>
#include <variant>

#include "order/domain/order.h"
#include "order/order_repository.h"
#include "tinysaga/contracts/topics.h"

namespace tinysaga::order {
namespace {

// What a command asks for: the target status and, for MarkFailed, the reason.
struct Target {
  OrderStatus status = OrderStatus::kFailed;
  std::string status_info;  // empty: the status's default text
};

std::optional<Target> TargetOf(const contracts::Payload& payload) {
  if (std::holds_alternative<contracts::MarkPaymentDone>(payload))
    return Target{OrderStatus::kPaymentDone, ""};
  if (std::holds_alternative<contracts::MarkPlaced>(payload))
    return Target{OrderStatus::kPlaced, ""};
  if (const auto* failed = std::get_if<contracts::MarkFailed>(&payload))
    return Target{OrderStatus::kFailed, failed->reason};
  if (std::holds_alternative<contracts::MarkCanceled>(payload))
    return Target{OrderStatus::kCanceled, ""};
  return std::nullopt;
}

contracts::Payload Rejected(OrderStatus status, std::string detail) {
  return contracts::OrderStatusRejected{std::string(FormatOrderStatus(status)), std::move(detail)};
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

Result<void> ApplyOrderCommand(soci::session& session, const contracts::Message& command,
                               const Clock& clock, Rng& rng) {
  std::optional<Target> target = TargetOf(command.payload);
  if (!target) {
    return MakeError(Errc::kInvalidRequest,
                     "order.commands does not take " + std::string(command.type()) + " messages");
  }
  const TimestampMs now_ms = clock.NowMs();
  TS_ASSIGN_OR_RETURN(contracts::Payload reply,
                      Apply(session, command.envelope.order_id, *target, now_ms));
  platform::AppendMessage(session, contracts::kSagaRepliesTopic,
                          platform::ReplyTo(command, std::move(reply), now_ms, rng), now_ms);
  return Ok();
}

platform::MessageHandler OrderCommandHandler(const Clock& clock, Rng& rng) {
  return [&clock, &rng](soci::session& session, const contracts::Message& command) {
    return ApplyOrderCommand(session, command, clock, rng);
  };
}

}  // namespace tinysaga::order
