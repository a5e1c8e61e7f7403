#include "tinysaga/saga/choreography.h"

#include <algorithm>
#include <array>
#include <set>
#include <tuple>
#include <utility>

#include "tinysaga/saga/order_sagas.h"

namespace tinysaga::saga {
namespace {

// What one fact means for the saga's steps: the step events it stands for, and the status
// the saga has after it (nullopt: unchanged).
struct StepMark {
  std::string_view step;
  ActionKind kind;
  StepEventType type;
};
struct Rule {
  std::string_view saga_type;
  std::string_view fact;  // a message type, or "status:<ORDER STATUS>"
  std::array<std::optional<StepMark>, 2> marks;
  std::optional<SagaStatus> status_after;
};

constexpr auto kFwd = ActionKind::kForward;
constexpr auto kUndo = ActionKind::kCompensation;
constexpr auto kSent = StepEventType::kSent;
constexpr auto kDone = StepEventType::kSucceeded;
constexpr auto kFailed = StepEventType::kFailed;
constexpr auto kGaveUp = StepEventType::kGaveUp;
constexpr auto kCompensating = SagaStatus::kCompensating;

// In each saga, a fact marks the end of one step and the start of the next: the table reads
// like the flow in choreography.h. Steps run by several services at once show as running at
// once (Order marks the payment done while Inventory reserves).
const Rule kRules[] = {
    {kOrderSagaType, "status:PAYMENT_PENDING", {StepMark{"order", kFwd, kDone}, StepMark{"charge_wallet", kFwd, kSent}}, {}},
    {kOrderSagaType, "PaymentCompleted", {StepMark{"charge_wallet", kFwd, kDone}, StepMark{"reserve_stock", kFwd, kSent}}, {}},
    {kOrderSagaType, "status:PAYMENT_DONE", {StepMark{"order_payment_done", kFwd, kDone}, {}}, {}},
    {kOrderSagaType, "PaymentFailed", {StepMark{"charge_wallet", kFwd, kFailed}, StepMark{"order", kUndo, kSent}}, kCompensating},
    {kOrderSagaType, "StockReserved", {StepMark{"reserve_stock", kFwd, kDone}, StepMark{"order_placed", kFwd, kSent}}, {}},
    {kOrderSagaType, "status:PLACED", {StepMark{"order_placed", kFwd, kDone}, {}}, SagaStatus::kCompleted},
    {kOrderSagaType, "OutOfStock", {StepMark{"reserve_stock", kFwd, kFailed}, StepMark{"charge_wallet", kUndo, kSent}}, kCompensating},
    // The Order service gave up waiting for Inventory: release whatever was reserved, refund.
    {kOrderSagaType, "OrderCancelRequested", {StepMark{"reserve_stock", kFwd, kGaveUp}, StepMark{"reserve_stock", kUndo, kSent}}, kCompensating},
    {kOrderSagaType, "StockReleased", {StepMark{"reserve_stock", kUndo, kDone}, StepMark{"charge_wallet", kUndo, kSent}}, {}},
    {kOrderSagaType, "Refunded", {StepMark{"charge_wallet", kUndo, kDone}, StepMark{"order", kUndo, kSent}}, {}},
    {kOrderSagaType, "RefundRefused", {StepMark{"charge_wallet", kUndo, kFailed}, StepMark{"order", kUndo, kSent}}, {}},
    {kOrderSagaType, "status:FAILED", {StepMark{"order", kUndo, kDone}, {}}, SagaStatus::kFailed},

    {kCancelSagaType, "OrderCancelRequested", {StepMark{"release_stock", kFwd, kSent}, {}}, {}},
    {kCancelSagaType, "StockReleased", {StepMark{"release_stock", kFwd, kDone}, StepMark{"refund", kFwd, kSent}}, {}},
    {kCancelSagaType, "Refunded", {StepMark{"refund", kFwd, kDone}, StepMark{"order_canceled", kFwd, kSent}}, {}},
    {kCancelSagaType, "RefundRefused", {StepMark{"refund", kFwd, kFailed}, {}}, SagaStatus::kGaveUp},
    {kCancelSagaType, "status:CANCELED", {StepMark{"order_canceled", kFwd, kDone}, {}}, SagaStatus::kCompleted},
};

const Rule* RuleFor(std::string_view saga_type, const ChoreographyFact& fact) {
  const std::string key =
      fact.type == kStatusFact ? "status:" + fact.detail : fact.type;
  for (const Rule& rule : kRules) {
    if (rule.saga_type == saga_type && rule.fact == key) return &rule;
  }
  return nullptr;
}

int StepIndex(const SagaDefinition& definition, std::string_view name) {
  for (size_t i = 0; i < definition.steps.size(); ++i) {
    if (definition.steps[i].name == name) return static_cast<int>(i);
  }
  return -1;  // BuildView skips events of unknown steps
}

}  // namespace

Result<void> CheckChoreographyRules() {
  std::set<std::tuple<std::string_view, int, ActionKind>> ended;  // (saga, step, kind) marked done
  for (const Rule& rule : kRules) {
    const SagaDefinition* definition = DefaultDefinition(rule.saga_type);
    if (definition == nullptr) {
      return MakeError(Errc::kInvalidRequest,
                       "a rule names the unknown saga '" + std::string(rule.saga_type) + "'");
    }
    for (const auto& mark : rule.marks) {
      if (!mark) continue;
      const int step = StepIndex(*definition, mark->step);
      if (step < 0) {
        return MakeError(Errc::kInvalidRequest, "the rule for " + std::string(rule.fact) +
                                                    " names the unknown step '" +
                                                    std::string(mark->step) + "'");
      }
      if (mark->type == kDone) ended.insert({rule.saga_type, step, mark->kind});
    }
  }
  for (const SagaDefinition& definition : AllSagas()) {
    for (size_t i = 0; i < definition.steps.size(); ++i) {
      const Step& step = definition.steps[i];
      const int index = static_cast<int>(i);
      const bool done = ended.contains({definition.type, index, kFwd});
      const bool undone = !step.compensation || ended.contains({definition.type, index, kUndo});
      if (!done || !undone) {
        return MakeError(Errc::kInvalidRequest, "no fact ends step '" + step.name + "' of the " +
                                                    definition.type + " saga" +
                                                    (done ? "'s undo" : ""));
      }
    }
  }
  return Ok();
}

SagaId ChoreographySagaId(std::string_view saga_type, const OrderId& order_id) {
  std::string id = std::string(saga_type) + "-" + order_id.value();
  id.resize(std::min(id.size(), kSagaIdLengthMax));
  return SagaId(std::move(id));
}

std::optional<SagaView> ChoreographyView(std::string_view saga_type, const OrderId& order_id,
                                         const std::vector<ChoreographyFact>& facts,
                                         const std::string& failure_reason) {
  const SagaDefinition* definition = DefaultDefinition(saga_type);
  if (definition == nullptr) return std::nullopt;
  SagaState state{.saga_id = ChoreographySagaId(saga_type, order_id),
                  .type = std::string(saga_type),
                  .order_id = order_id};
  bool any = false;
  // The steps (by index and kind) that succeeded, failed or were undone: a later fact does not
  // start them again (an event heard twice, or the refund after Order gave up and FAILED).
  std::set<std::pair<int, ActionKind>> ended;
  for (const ChoreographyFact& fact : facts) {
    if (fact.saga_type != saga_type) continue;
    const Rule* rule = RuleFor(saga_type, fact);
    if (!rule) continue;  // a fact that does not move this saga (e.g. status INITIATED)
    if (!any) state.started_ms = fact.time_ms;
    any = true;
    state.updated_ms = fact.time_ms;
    for (const auto& mark : rule->marks) {
      if (!mark) continue;
      const std::pair<int, ActionKind> step{StepIndex(*definition, mark->step), mark->kind};
      if (mark->type == kSent && ended.contains(step)) continue;
      if (mark->type != kSent) ended.insert(step);
      const bool failure = mark->type == kFailed || mark->type == kGaveUp;
      state.history.push_back(StepEvent{.time_ms = fact.time_ms,
                                        .step_index = step.first,
                                        .kind = mark->kind,
                                        .attempt = 1,
                                        .type = mark->type,
                                        .reply_type = fact.type == kStatusFact ? "" : fact.type,
                                        .error = failure ? fact.detail : ""});
    }
    if (rule->status_after) state.status = *rule->status_after;
    if (rule->status_after == kCompensating && state.failure_reason.empty())
      state.failure_reason = fact.detail;
  }
  if (!any) return std::nullopt;
  // As the engine ends: an abandoned undo makes a failed saga one for an operator.
  if (state.status == SagaStatus::kFailed) state.status = FailedEnd(*definition, state.history);
  if (state.terminal() && state.status != SagaStatus::kCompleted && !failure_reason.empty())
    state.failure_reason = failure_reason;
  return BuildView(*definition, state, kChoreographyMode);
}

}  // namespace tinysaga::saga
