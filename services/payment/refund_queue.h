#pragma once
// Refund commands waiting for the wallet (table refund_requests). The payment.commands handler
// runs inside the inbox transaction, which must not wait on HTTP, so it queues the command here
// and the refund worker (refund_worker.h) calls the wallet outside any transaction. One job per
// order: a resent command (the saga's retry) replaces the queued one, keeping its attempts.
//
// Functions run on the caller's session and transaction; they never commit.

#include <optional>
#include <string>
#include <vector>

#include "tinysaga/core/clock.h"
#include "tinysaga/core/ids.h"

namespace soci {
class session;
}

namespace tinysaga::payment {

// A job either answers a saga's Refund command, or (command_id empty) only voids a debit that
// may have gone through unseen, queued by Payment itself when it gave up on the wallet: so no
// money is kept even before (or without) a saga asking for it.
struct RefundJob {
  OrderId order_id;
  UserId user_id;
  std::string command_id;  // the Refund command's message id, answered by the reply; "" if none
  std::string command;     // the command as contracts::Serialize wrote it; "" if none
  int attempts = 0;        // wallet calls that failed so far
  TimestampMs next_attempt_at_ms = 0;
};

// Queues `job` for now, or replaces the order's queued command with it (unless the wallet
// refused the order's refund for good: see RefuseRefund).
void EnqueueRefund(soci::session& session, const RefundJob& job, TimestampMs now_ms);

// Queues the void of the order's debit unless a job for the order is queued already.
void EnqueueVoid(soci::session& session, const OrderId& order_id, const UserId& user_id,
                 TimestampMs now_ms);

// Jobs due at `now_ms`, earliest first, at most `limit`.
std::vector<RefundJob> DueRefunds(soci::session& session, TimestampMs now_ms, int limit);

// Sets the job's attempts and next time, unless its command was replaced meanwhile.
void RescheduleRefund(soci::session& session, const RefundJob& job, TimestampMs next_attempt_at_ms);

// Marks the job refused for good with the wallet's reason, unless its command was replaced
// meanwhile (false then): it is no longer due, and a resent command leaves it as it is.
bool RefuseRefund(soci::session& session, const RefundJob& job, const std::string& reason);

// The wallet's reason when the order's refund was refused for good; nullopt otherwise.
std::optional<std::string> RefusedReason(soci::session& session, const OrderId& order_id);

// Removes the job unless its command was replaced meanwhile (the newer one is answered next);
// false when nothing was removed (replaced, or done by another instance).
bool RemoveRefund(soci::session& session, const RefundJob& job);

}  // namespace tinysaga::payment
