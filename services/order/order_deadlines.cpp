#include "order/order_deadlines.h"

#include <spdlog/spdlog.h>

#include "order/handlers/saga_operations.h"
#include "order/order_repository.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/core/thread_name.h"
#include "tinysaga/platform/messaging.h"
#include "tinysaga/sagas/order_sagas.h"

namespace tinysaga::order {
namespace {

// When the cancel of `order` started waiting: its request, or an operator's last retry.
TimestampMs CancelWaitingSince(const Order& order,
                               const std::vector<saga::ChoreographyFact>& facts) {
  TimestampMs since = order.cancel_requested_at_ms.value_or(0);
  for (const saga::ChoreographyFact& fact : facts) {
    if (fact.saga_type == sagas::kCancelSagaType && fact.type == saga::kRetryFact)
      since = std::max(since, fact.time_ms);
  }
  return since;
}

std::string_view GiveUpReason(OrderStatus status) {
  return status == OrderStatus::kPaymentPending ? sagas::kReasonPaymentUnavailable
                                                : sagas::kReasonNoStockAnswer;
}

}  // namespace

OrderDeadlines::OrderDeadlines(storage::Db& db, const Clock& clock, Rng& rng,
                               std::function<void()> notify_outbox, OrderDeadlinesOptions options)
    : db_(db),
      clock_(clock),
      rng_(rng),
      notify_outbox_(std::move(notify_outbox)),
      options_(options) {}

OrderDeadlines::~OrderDeadlines() { Stop(); }

Result<size_t> OrderDeadlines::RunOnce(TimestampMs now_ms) {
  const Deadlines& deadlines = options_.deadlines;
  const std::pair<OrderStatus, int64_t> waits[] = {
      {OrderStatus::kPaymentPending, deadlines.payment_pending_ms},
      {OrderStatus::kPaymentDone, deadlines.payment_done_ms},
      {OrderStatus::kPlaced, deadlines.cancel_ms}};
  size_t acted = 0;
  for (const auto& [status, deadline_ms] : waits) {
    TS_ASSIGN_OR_RETURN(std::vector<Order> orders,
                        db_.Read<std::vector<Order>>([&](soci::session& session) {
                          return ListOrdersUnchangedSince(session, status, now_ms - deadline_ms,
                                                          options_.batch_max);
                        }));
    for (const Order& order : orders) {
      if (DeadlineActionFor(order, deadlines, now_ms) == DeadlineAction::kNone) continue;
      TS_ASSIGN_OR_RETURN(bool done, Act(order.order_id, now_ms));
      if (done) ++acted;
    }
  }
  if (acted > 0 && notify_outbox_) notify_outbox_();
  return acted;
}

// Decides again on the order as it is now, inside the transaction: it may have moved since.
Result<bool> OrderDeadlines::Act(const OrderId& order_id, TimestampMs now_ms) {
  return db_.Write<bool>([&](soci::session& session) -> Result<bool> {
    std::optional<Order> order = FindOrder(session, order_id);
    if (!order) return false;
    const OrderStatus previous = order->status;
    switch (DeadlineActionFor(*order, options_.deadlines, now_ms)) {
      case DeadlineAction::kNone:
        return false;
      case DeadlineAction::kGiveUp: {
        const std::string reason(GiveUpReason(previous));
        const TimestampMs waited_ms = now_ms - order->updated_at_ms;
        TS_ASSIGN_OR_RETURN(StatusChange change, ChangeStatus(*order, OrderStatus::kFailed,
                                                              Actor::kSaga, reason, now_ms));
        if (!UpdateOrderIf(session, *order, previous)) return false;  // moved: not overdue
        AppendStatusChange(session, order_id, change);
        TS_ASSIGN_OR_RETURN(contracts::Message event,
                            CancelRequestedEvent(*order, sagas::kOrderSagaType, now_ms, rng_));
        AppendSagaFact(session, order_id,
                       {std::string(sagas::kOrderSagaType), "OrderCancelRequested", now_ms,
                        "no answer in time", event.envelope.message_id});
        platform::AppendMessage(session, contracts::kOrderEventsTopic, event, now_ms);
        spdlog::warn("order: {} waited {} ms in {}; gave up: FAILED, stock released, refund",
                     order_id.value(), waited_ms, FormatOrderStatus(previous));
        return true;
      }
      case DeadlineAction::kAnnounceCancelAgain: {
        const TimestampMs since = CancelWaitingSince(*order, ListSagaFacts(session, order_id));
        if (now_ms - since >= options_.deadlines.cancel_give_up_ms) {
          if (!MarkCancelGaveUpIf(session, order_id, now_ms)) return false;
          AppendSagaFact(session, order_id,
                         {.saga_type = std::string(sagas::kCancelSagaType),
                          .type = std::string(saga::kGaveUpFact),
                          .time_ms = now_ms,
                          .detail = "no answer in time: an operator must act"});
          spdlog::warn("order: {} cancel not done {} ms after it was asked; gave up (GAVE_UP)",
                       order_id.value(), now_ms - since);
          return true;
        }
        order->updated_at_ms = now_ms;  // the next announcement is a deadline later
        if (!UpdateOrderIf(session, *order, previous)) return false;
        TS_ASSIGN_OR_RETURN(contracts::Message event,
                            CancelRequestedEvent(*order, sagas::kCancelSagaType, now_ms, rng_));
        // A resend, as the engine's next attempt: in the view and the saga's messages.
        AppendSagaFact(session, order_id,
                       {std::string(sagas::kCancelSagaType), "OrderCancelRequested", now_ms,
                        "announced again", event.envelope.message_id});
        platform::AppendMessage(session, contracts::kOrderEventsTopic, event, now_ms);
        spdlog::warn("order: {} cancel requested long ago and not done; announced again",
                     order_id.value());
        return true;
      }
    }
    return false;
  });
}

void OrderDeadlines::Start() {
  thread_ = std::thread([this] {
    NameThisThread("deadlines");
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      if (auto done = RunOnce(clock_.NowMs()); !done.ok())
        spdlog::error("order: deadlines: {}", done.error().detail);
      lock.lock();
      wake_.wait_for(lock, options_.scan_interval, [this] { return stopping_; });
    }
  });
}

void OrderDeadlines::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace tinysaga::order
