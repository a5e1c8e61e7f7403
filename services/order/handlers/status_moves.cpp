#include "order/handlers/status_moves.h"

#include "order/order_repository.h"

namespace tinysaga::order {

Result<std::optional<std::string>> MoveOrder(soci::session& session, Order& order,
                                             std::span<const StatusTarget> targets,
                                             TimestampMs now_ms) {
  for (const StatusTarget& target : targets) {
    const SagaCommandDecision decision = PlanSagaCommand(order, target.status);
    if (decision.plan == SagaCommandPlan::kAlreadyDone) continue;
    if (decision.plan == SagaCommandPlan::kReject)
      return std::optional<std::string>(decision.detail);
    const OrderStatus previous = order.status;
    TS_ASSIGN_OR_RETURN(StatusChange change, ChangeStatus(order, target.status, Actor::kSaga,
                                                          target.status_info, now_ms));
    if (!UpdateOrderIf(session, order, previous)) {
      return MakeError(Errc::kUnavailable,
                       "order " + order.order_id.value() + " changed meanwhile");
    }
    AppendStatusChange(session, order.order_id, change);
  }
  return std::optional<std::string>();
}

}  // namespace tinysaga::order
