#include "payment/refund_queue.h"

#include <soci/soci.h>

namespace tinysaga::payment {

void EnqueueRefund(soci::session& session, const RefundJob& job, TimestampMs now_ms) {
  const long long at_ms = now_ms;
  session << "INSERT INTO refund_requests (order_id, user_id, command_id, command, attempts, "
             "next_attempt_at_ms, created_at_ms) VALUES (:order_id, :user_id, :command_id, "
             ":command, 0, :next_attempt_at_ms, :created_at_ms) "
             "ON CONFLICT (order_id) DO UPDATE SET command_id = excluded.command_id, "
             "command = excluded.command, next_attempt_at_ms = excluded.next_attempt_at_ms "
             "WHERE refund_requests.refused_reason IS NULL",
      soci::use(job.order_id.value(), "order_id"), soci::use(job.user_id.value(), "user_id"),
      soci::use(job.command_id, "command_id"), soci::use(job.command, "command"),
      soci::use(at_ms, "next_attempt_at_ms"), soci::use(at_ms, "created_at_ms");
}

void EnqueueVoid(soci::session& session, const OrderId& order_id, const UserId& user_id,
                 TimestampMs now_ms) {
  const long long at_ms = now_ms;
  session << "INSERT INTO refund_requests (order_id, user_id, command_id, command, attempts, "
             "next_attempt_at_ms, created_at_ms) VALUES (:order_id, :user_id, '', '', 0, "
             ":next_attempt_at_ms, :created_at_ms) ON CONFLICT (order_id) DO NOTHING",
      soci::use(order_id.value(), "order_id"), soci::use(user_id.value(), "user_id"),
      soci::use(at_ms, "next_attempt_at_ms"), soci::use(at_ms, "created_at_ms");
}

std::vector<RefundJob> DueRefunds(soci::session& session, TimestampMs now_ms, int limit) {
  std::string order_id;
  std::string user_id;
  std::string command_id;
  std::string command;
  int attempts = 0;
  long long next_attempt_at_ms = 0;
  const long long now = now_ms;
  soci::statement statement =
      (session.prepare << "SELECT order_id, user_id, command_id, command, attempts, "
                          "next_attempt_at_ms FROM refund_requests "
                          "WHERE next_attempt_at_ms <= :now AND refused_reason IS NULL "
                          "ORDER BY next_attempt_at_ms, order_id LIMIT :limit",
       soci::into(order_id), soci::into(user_id), soci::into(command_id), soci::into(command),
       soci::into(attempts), soci::into(next_attempt_at_ms), soci::use(now, "now"),
       soci::use(limit, "limit"));
  statement.execute();
  std::vector<RefundJob> jobs;
  while (statement.fetch()) {
    jobs.push_back(RefundJob{.order_id = OrderId(order_id),
                             .user_id = UserId(user_id),
                             .command_id = command_id,
                             .command = command,
                             .attempts = attempts,
                             .next_attempt_at_ms = next_attempt_at_ms});
  }
  return jobs;
}

void RescheduleRefund(soci::session& session, const RefundJob& job,
                      TimestampMs next_attempt_at_ms) {
  const long long next = next_attempt_at_ms;
  session << "UPDATE refund_requests SET attempts = :attempts, next_attempt_at_ms = :next "
             "WHERE order_id = :order_id AND command_id = :command_id",
      soci::use(job.attempts, "attempts"), soci::use(next, "next"),
      soci::use(job.order_id.value(), "order_id"), soci::use(job.command_id, "command_id");
}

bool RefuseRefund(soci::session& session, const RefundJob& job, const std::string& reason) {
  soci::statement statement =
      (session.prepare << "UPDATE refund_requests SET refused_reason = :reason "
                          "WHERE order_id = :order_id AND command_id = :command_id",
       soci::use(reason, "reason"), soci::use(job.order_id.value(), "order_id"),
       soci::use(job.command_id, "command_id"));
  statement.execute(true);
  return statement.get_affected_rows() == 1;
}

std::optional<std::string> RefusedReason(soci::session& session, const OrderId& order_id) {
  std::string reason;
  soci::indicator indicator = soci::i_null;
  session << "SELECT refused_reason FROM refund_requests WHERE order_id = :order_id",
      soci::use(order_id.value(), "order_id"), soci::into(reason, indicator);
  if (!session.got_data() || indicator != soci::i_ok) return std::nullopt;
  return reason;
}

bool RemoveRefund(soci::session& session, const RefundJob& job) {
  soci::statement statement =
      (session.prepare
           << "DELETE FROM refund_requests WHERE order_id = :order_id AND command_id = :command_id",
       soci::use(job.order_id.value(), "order_id"), soci::use(job.command_id, "command_id"));
  statement.execute(true);
  return statement.get_affected_rows() == 1;
}

}  // namespace tinysaga::payment
