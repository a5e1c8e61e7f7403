#include "payment/refund_worker.h"

#include <algorithm>

#include "payment/handlers/payment_commands.h"
#include "payment/log.h"
#include "tinysaga/contracts/codec.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/core/backoff.h"
#include "tinysaga/platform/messaging.h"

namespace tinysaga::payment {
namespace {

std::chrono::milliseconds Backoff(const RefundWorkerOptions& options, int attempts) {
  return ExponentialBackoff{options.retry_initial, 2, options.retry_max}.Cap(attempts);
}

// The currency of the order's money: the payment's, else the command's, else the default.
std::string CurrencyOf(const std::optional<PaymentRecord>& payment,
                       const std::optional<contracts::Message>& command) {
  if (payment) return payment->transaction.currency;
  if (command) {
    if (const auto* refund = std::get_if<contracts::Refund>(&command->payload)) {
      return refund->amount.currency();
    }
  }
  return std::string(Money::kDefaultCurrency);
}

// The wallet's refusal as a reason a message may carry: not empty, at most
// kReasonLengthMax bytes, cut at a character boundary (a reader rejects broken UTF-8).
std::string RefusalReason(const std::string& detail) {
  if (detail.empty()) return "refused by the wallet";
  size_t length = std::min(detail.size(), contracts::kReasonLengthMax);
  while (length < detail.size() && length > 0 &&
         (static_cast<unsigned char>(detail[length]) & 0xC0) == 0x80) {
    --length;
  }
  return detail.substr(0, length);
}

}  // namespace

RefundWorker::RefundWorker(storage::Db& db, WalletClient& wallet, const Clock& clock, Rng& rng,
                           std::function<void()> notify_outbox, RefundWorkerOptions options,
                           std::function<void()> on_refused)
    : db_(db),
      wallet_(wallet),
      clock_(clock),
      rng_(rng),
      notify_outbox_(std::move(notify_outbox)),
      options_(options),
      on_refused_(std::move(on_refused)) {}

Result<size_t> RefundWorker::RunOnce(TimestampMs now_ms) {
  TS_ASSIGN_OR_RETURN(std::vector<RefundJob> jobs,
                      db_.Read<std::vector<RefundJob>>(
                          [&](soci::session& session) -> Result<std::vector<RefundJob>> {
                            return DueRefunds(session, now_ms, options_.batch_max);
                          }));
  if (jobs.empty()) return 0;
  TS_ASSIGN_OR_RETURN(
      std::vector<Known> known,
      db_.Read<std::vector<Known>>([&](soci::session& session) -> Result<std::vector<Known>> {
        std::vector<Known> found;
        found.reserve(jobs.size());
        for (const RefundJob& job : jobs) {
          found.push_back(
              Known{FindPayment(session, job.order_id),
                    FindOrderTransaction(session, job.order_id, TransactionType::kRefund)});
        }
        return found;
      }));
  std::vector<Answered> answered;
  std::vector<Answered> to_ask;  // `refunded` filled in by the wallet's answer
  for (size_t i = 0; i < jobs.size(); ++i) {
    std::optional<Answered> next = Prepare(std::move(jobs[i]), known[i], now_ms);
    if (!next) continue;
    (known[i].refund ? answered : to_ask).push_back(std::move(*next));
  }
  AskTheWallet(std::move(to_ask), now_ms, answered);
  if (answered.empty()) return 0;
  if (auto recorded = Record(answered, clock_.NowMs()); !recorded.ok()) {
    Log()->error("refunds: {} answered by the wallet not recorded ({}); tried again later",
                 answered.size(), recorded.error().detail);
    return 0;
  }
  return answered.size();
}

std::optional<RefundWorker::Answered> RefundWorker::Prepare(RefundJob job, const Known& known,
                                                            TimestampMs now_ms) {
  std::optional<contracts::Message> command;
  if (!job.command.empty()) {
    auto parsed = contracts::Parse(job.command);
    if (!parsed.ok()) {
      Log()->error("refund order={}: queued command unreadable ({}); dropped", job.order_id.value(),
                   parsed.error().detail);
      Drop(job);
      return std::nullopt;
    }
    command = std::move(parsed).value();
  }
  WalletRefund refunded;
  if (known.refund) {
    refunded.refunded_cents = known.refund->amount_cents;  // done before: answer from it
  } else if (known.payment &&
             known.payment->transaction.payment_status == PaymentStatus::kPending) {
    Reschedule(job, now_ms + options_.pending_wait.count());
    return std::nullopt;
  } else if (known.payment) {
    job.user_id = known.payment->transaction.user_id;  // the debit's own user
  }
  return Answered{std::move(job), std::move(command), refunded};
}

void RefundWorker::AskTheWallet(std::vector<Answered> to_ask, TimestampMs now_ms,
                                std::vector<Answered>& answered) {
  if (to_ask.empty()) return;
  std::vector<std::pair<OrderId, UserId>> refunds;
  refunds.reserve(to_ask.size());
  for (const Answered& ask : to_ask) refunds.emplace_back(ask.job.order_id, ask.job.user_id);
  std::vector<Result<WalletRefund>> answers = wallet_.RefundEach(refunds);
  for (size_t i = 0; i < to_ask.size(); ++i) {
    RefundJob& job = to_ask[i].job;
    Result<WalletRefund>& answer = answers[i];
    if (answer.ok()) {
      to_ask[i].refunded = *answer;
      answered.push_back(std::move(to_ask[i]));
    } else if (!answer.error().Retryable()) {
      Log()->error(
          "refund order={}: the wallet refused for good: {}; kept as refused for an "
          "operator (tinysaga check reports it)",
          job.order_id.value(), answer.error().detail);
      Refuse(job, to_ask[i].command, answer.error().detail);
    } else {
      ++job.attempts;
      const auto delay = Backoff(options_, job.attempts);
      Log()->warn("refund order={}: wallet failed ({}); attempt {} again in {} ms",
                  job.order_id.value(), answer.error().detail, job.attempts, delay.count());
      Reschedule(job, now_ms + delay.count());
    }
  }
}

Result<void> RefundWorker::Record(const std::vector<Answered>& answered, TimestampMs now_ms) {
  std::vector<bool> replied;
  auto written = db_.Write<bool>([&](soci::session& session) -> Result<bool> {
    replied.assign(answered.size(), false);
    for (size_t i = 0; i < answered.size(); ++i) {
      TS_ASSIGN_OR_RETURN(replied[i], RecordOne(session, answered[i], now_ms));
    }
    return true;
  });
  if (!written.ok()) return written.error();
  bool any_reply = false;
  for (size_t i = 0; i < answered.size(); ++i) {
    Log()->info("refund order={}: {} cents back{}", answered[i].job.order_id.value(),
                answered[i].refunded.refunded_cents, replied[i] ? ", Refunded sent" : "");
    any_reply = any_reply || replied[i];
  }
  if (any_reply && notify_outbox_) notify_outbox_();
  return Ok();
}

Result<bool> RefundWorker::RecordOne(soci::session& session, const Answered& answered,
                                     TimestampMs now_ms) {
  const RefundJob& job = answered.job;
  const std::optional<contracts::Message>& command = answered.command;
  const bool mine = RemoveRefund(session, job);
  const std::optional<PaymentRecord> payment = FindPayment(session, job.order_id);
  const std::string currency = CurrencyOf(payment, command);
  std::optional<Transaction> refund =
      FindOrderTransaction(session, job.order_id, TransactionType::kRefund);
  if (!refund && answered.refunded.refunded_cents > 0) {
    refund = Transaction{.transaction_id = TransactionId(NewId("txn", rng_)),
                         .user_id = payment ? payment->transaction.user_id : job.user_id,
                         .order_id = job.order_id,
                         .type = TransactionType::kRefund,
                         .payment_status = PaymentStatus::kCompleted,
                         .amount_cents = answered.refunded.refunded_cents,
                         .currency = currency,
                         .timestamp_ms = now_ms,
                         .description = "Refund for order " + job.order_id.value()};
    InsertTransaction(session, *refund);
  }
  if (payment && payment->transaction.payment_status == PaymentStatus::kCompleted) {
    if (answered.refunded.refunded_cents > 0) {
      UpdatePaymentStatusIf(session, payment->transaction.transaction_id, PaymentStatus::kCompleted,
                            PaymentStatus::kRefunded, now_ms);
    } else {
      Log()->error("refund order={}: payment {} is COMPLETED but the wallet has no debit of it",
                   job.order_id.value(), payment->transaction.transaction_id.value());
    }
  }
  if (!mine || !command) return false;  // nobody to answer (or answered by another instance)
  TS_ASSIGN_OR_RETURN(Money amount, Money::FromCents(refund ? refund->amount_cents : 0, currency));
  contracts::Refunded reply{
      .transaction_id =
          refund ? std::optional<TransactionId>(refund->transaction_id) : std::nullopt,
      .amount = std::move(amount)};
  platform::AppendMessage(session, RefundAnswerTopic(*command),
                          platform::ReplyTo(*command, reply, now_ms, rng_), now_ms);
  return true;
}

void RefundWorker::Reschedule(const RefundJob& job, TimestampMs next_attempt_at_ms) {
  auto written = db_.Write<bool>([&](soci::session& session) -> Result<bool> {
    RescheduleRefund(session, job, next_attempt_at_ms);
    return true;
  });
  if (!written.ok())
    Log()->warn("refund order={}: not rescheduled: {}", job.order_id.value(),
                written.error().detail);
}

void RefundWorker::Refuse(const RefundJob& job, const std::optional<contracts::Message>& command,
                          const std::string& detail) {
  const std::string reason = RefusalReason(detail);
  bool replied = false;
  auto written = db_.Write<bool>([&](soci::session& session) -> Result<bool> {
    replied = false;
    if (!RefuseRefund(session, job, reason) || !command) return true;
    // Answered, so that the saga gives up on the refund now instead of resending it for its
    // whole budget: a resent command would get this same answer.
    const TimestampMs now_ms = clock_.NowMs();
    platform::AppendMessage(
        session, RefundAnswerTopic(*command),
        platform::ReplyTo(*command, contracts::RefundRefused{reason}, now_ms, rng_), now_ms);
    replied = true;
    return true;
  });
  if (!written.ok()) {
    Log()->warn("refund order={}: not marked refused: {}", job.order_id.value(),
                written.error().detail);
    return;
  }
  if (replied && notify_outbox_) notify_outbox_();
  if (on_refused_) on_refused_();
}

void RefundWorker::Drop(const RefundJob& job) {
  auto written = db_.Write<bool>(
      [&](soci::session& session) -> Result<bool> { return RemoveRefund(session, job); });
  if (!written.ok())
    Log()->warn("refund order={}: not dropped: {}", job.order_id.value(), written.error().detail);
}

}  // namespace tinysaga::payment
