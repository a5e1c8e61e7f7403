#include "order/domain/choreography.h"

#include <algorithm>
#include <cassert>
#include <variant>

#include "tinysaga/saga/choreography_reactions.h"
#include "tinysaga/sagas/order_sagas.h"

namespace tinysaga::order {

std::optional<std::vector<StatusTarget>> FollowEvent(const Order& order,
                                                     const contracts::Payload& event) {
  using Targets = std::vector<StatusTarget>;
  const StatusTarget payment_done{OrderStatus::kPaymentDone, ""};
  if (std::holds_alternative<contracts::PaymentCompleted>(event)) return Targets{payment_done};
  if (const auto* failed = std::get_if<contracts::PaymentFailed>(&event)) {
    const bool broke = failed->failure == contracts::PaymentFailure::kInsufficientFunds;
    return Targets{{OrderStatus::kFailed, std::string(broke ? sagas::kReasonInsufficientFunds
                                                            : sagas::kReasonPaymentUnavailable)}};
  }
  if (std::holds_alternative<contracts::StockReserved>(event)) {
    return Targets{payment_done, {OrderStatus::kPlaced, ""}};
  }
  if (std::holds_alternative<contracts::OutOfStock>(event)) return Targets{payment_done};
  if (std::holds_alternative<contracts::StockReleased>(event)) return Targets{};
  if (std::holds_alternative<contracts::Refunded>(event)) {
    if (order.status == OrderStatus::kPlaced && order.cancel_requested()) {
      return Targets{{OrderStatus::kCanceled, ""}};
    }
    return Targets{{OrderStatus::kFailed, std::string(sagas::kReasonOutOfStock)}};
  }
  // The money stays debited until an operator acts; a canceled order stays PLACED, the cancel
  // unfinished (its saga GAVE_UP).
  if (std::holds_alternative<contracts::RefundRefused>(event)) {
    if (order.status == OrderStatus::kPlaced && order.cancel_requested()) return Targets{};
    return Targets{{OrderStatus::kFailed, sagas::UnrefundedReason(sagas::kReasonOutOfStock)}};
  }
  return std::nullopt;
}

bool Follows(const contracts::Payload& event) {
  return FollowEvent(Order{}, event).has_value();
}

saga::ChoreographyFact FactOf(const contracts::Message& event) {
  const OrderId& order_id = event.envelope.order_id;
  const bool cancel =
      event.envelope.saga_id == saga::ChoreographySagaId(sagas::kCancelSagaType, order_id);
  saga::ChoreographyFact fact{
      .saga_type = std::string(cancel ? sagas::kCancelSagaType : sagas::kOrderSagaType),
      .type = std::string(event.type()),
      .time_ms = event.envelope.time_ms,
      .detail = "",
      .message_id = event.envelope.message_id};
  if (const auto* failed = std::get_if<contracts::PaymentFailed>(&event.payload)) {
    fact.detail = failed->failure == contracts::PaymentFailure::kInsufficientFunds
                      ? sagas::kReasonInsufficientFunds
                      : sagas::kReasonPaymentUnavailable;
  } else if (const auto* refused = std::get_if<contracts::RefundRefused>(&event.payload)) {
    fact.detail = refused->reason;
  } else if (const auto* out = std::get_if<contracts::OutOfStock>(&event.payload)) {
    fact.detail = "out of stock (" + std::to_string(out->available_count) + " available)";
  }
  return fact;
}

namespace {

// The saga whose declaration names `status` as a fact ("status:<NAME>"), the first when
// several do; nullptr when none does (INITIATED, the shipping statuses an admin sets).
const saga::SagaDefinition* SagaOfStatus(OrderStatus status) {
  const std::string fact =
      std::string(saga::kStatusFact) + ":" + std::string(FormatOrderStatus(status));
  for (const saga::SagaDefinition& definition : sagas::DefaultDefinitions()) {
    if (definition.start_fact == fact) return &definition;
    for (const saga::Step& step : definition.steps) {
      for (const std::string* declared : step.facts.All()) {
        if (*declared == fact) return &definition;
      }
    }
  }
  return nullptr;
}

}  // namespace

std::vector<saga::ChoreographyFact> SagaFacts(const Order& order,
                                              const std::vector<StatusChange>& history,
                                              const std::vector<saga::ChoreographyFact>& recorded) {
  std::vector<saga::ChoreographyFact> facts = recorded;
  for (const StatusChange& change : history) {
    // Only the statuses a saga declares as its facts, in that saga: a step added with a
    // status fact shows in the view without a word here.
    const saga::SagaDefinition* saga = SagaOfStatus(change.status);
    if (saga == nullptr) continue;
    facts.push_back({saga->type, std::string(saga::kStatusFact), change.at_ms,
                     std::string(FormatOrderStatus(change.status))});
  }
  // The cancel request, unless it was recorded as the event it sent (with its id, for the
  // saga's messages), as it is since issue 15.
  const bool recorded_cancel = std::any_of(recorded.begin(), recorded.end(), [](const auto& fact) {
    return fact.saga_type == sagas::kCancelSagaType && fact.type == "OrderCancelRequested";
  });
  if (order.cancel_requested_at_ms && !recorded_cancel) {
    facts.push_back({std::string(sagas::kCancelSagaType), "OrderCancelRequested",
                     *order.cancel_requested_at_ms, ""});
  }
  // Stable, and recorded facts first: at equal times the event precedes what it caused.
  std::stable_sort(facts.begin(), facts.end(), [](const auto& a, const auto& b) {
    return a.time_ms < b.time_ms;
  });
  return facts;
}

Deadlines DeadlinesOf(const std::vector<saga::SagaDefinition>& definitions) {
  const saga::SagaDefinition* order = saga::FindDefinition(definitions, sagas::kOrderSagaType);
  const saga::SagaDefinition* cancel = saga::FindDefinition(definitions, sagas::kCancelSagaType);
  assert(order != nullptr && cancel != nullptr);
  const auto wait_after = [order](std::string_view fact) {
    std::optional<int64_t> wait = saga::ChoreographyWaitMs(*order, fact);
    assert(wait.has_value());
    return wait.value_or(0);
  };
  Deadlines deadlines;
  deadlines.payment_pending_ms = wait_after(order->start_fact);
  deadlines.payment_done_ms = wait_after(contracts::TypeNameOf<contracts::PaymentCompleted>());
  for (const saga::Step& step : cancel->steps) {
    if (step.forward) deadlines.cancel_ms += step.forward->timeout_ms;
  }
  deadlines.cancel_give_up_ms = saga::ForwardBudgetMs(*cancel);
  return deadlines;
}

const Deadlines& DefaultDeadlines() {
  static const Deadlines defaults = DeadlinesOf(sagas::DefaultDefinitions());
  return defaults;
}

DeadlineAction DeadlineActionFor(const Order& order, const Deadlines& deadlines,
                                 TimestampMs now_ms) {
  const TimestampMs waited_ms = now_ms - order.updated_at_ms;
  switch (order.status) {
    case OrderStatus::kPaymentPending:
      return waited_ms >= deadlines.payment_pending_ms ? DeadlineAction::kGiveUp
                                                       : DeadlineAction::kNone;
    case OrderStatus::kPaymentDone:
      return waited_ms >= deadlines.payment_done_ms ? DeadlineAction::kGiveUp
                                                    : DeadlineAction::kNone;
    case OrderStatus::kPlaced:
      return order.cancel_requested() && waited_ms >= deadlines.cancel_ms
                 ? DeadlineAction::kAnnounceCancelAgain
                 : DeadlineAction::kNone;
    default:
      return DeadlineAction::kNone;
  }
}

}  // namespace tinysaga::order
