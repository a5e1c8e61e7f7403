#pragma once
// Money movements as the API shows them (API.md "A transaction"), and the payment status rules.
// Pure: no I/O.
//
// Payment owns PAYMENT and REFUND rows (always for an order, always with a payment status);
// the Wallet owns DEPOSIT and WITHDRAWAL rows (never for an order, no payment status). The
// listing merges both.
//
// A payment's status: PENDING -> COMPLETED -> REFUNDED, or PENDING -> FAILED. FAILED and
// REFUNDED are final.

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tinysaga/core/clock.h"
#include "tinysaga/core/ids.h"
#include "tinysaga/core/result.h"

namespace tinysaga::payment {

enum class TransactionType { kDeposit, kWithdrawal, kPayment, kRefund };
enum class PaymentStatus { kPending, kCompleted, kFailed, kRefunded };

inline constexpr std::array<TransactionType, 4> kAllTransactionTypes = {
    TransactionType::kDeposit, TransactionType::kWithdrawal, TransactionType::kPayment,
    TransactionType::kRefund};
inline constexpr std::array<PaymentStatus, 4> kAllPaymentStatuses = {
    PaymentStatus::kPending, PaymentStatus::kCompleted, PaymentStatus::kFailed,
    PaymentStatus::kRefunded};

// Exactly as in API.md ("DEPOSIT", "PENDING", ...); parsing is exact and case-sensitive.
std::string_view FormatTransactionType(TransactionType type);
std::optional<TransactionType> ParseTransactionType(std::string_view text);
std::string_view FormatPaymentStatus(PaymentStatus status);
std::optional<PaymentStatus> ParsePaymentStatus(std::string_view text);

// PAYMENT and REFUND: the rows Payment itself stores.
bool IsOwnedByPayment(TransactionType type);

bool IsFinal(PaymentStatus status);

struct PaymentTransition {
  PaymentStatus from;
  PaymentStatus to;
};

// The whole table, for tests and documentation.
std::span<const PaymentTransition> PaymentTransitions();
bool IsAllowedPaymentTransition(PaymentStatus from, PaymentStatus to);
// Ok, or kConflict naming both statuses.
Result<void> CheckPaymentTransition(PaymentStatus from, PaymentStatus to);

// Why a PAYMENT is FAILED, recorded with it (transactions.failure_reason) so that a saga's
// ChargeWallet is answered from the recorded outcome:
// kInsufficientFunds -> PaymentDeclined, kUnavailable -> PaymentUnavailable (a debit may have
// gone through unseen; the saga's Refund voids it), kOrderRejected -> PaymentDeclined (the
// order could not be moved to PAYMENT_PENDING, so nothing was debited and no event was sent).
enum class FailureReason { kInsufficientFunds, kUnavailable, kOrderRejected };

std::string_view FormatFailureReason(FailureReason reason);  // "INSUFFICIENT_FUNDS", ...
std::optional<FailureReason> ParseFailureReason(std::string_view text);

struct Transaction {
  TransactionId transaction_id;
  UserId user_id;
  std::optional<OrderId> order_id;  // PAYMENT and REFUND only
  TransactionType type = TransactionType::kPayment;
  std::optional<PaymentStatus> payment_status;  // PAYMENT and REFUND only
  int64_t amount_cents = 0;
  std::string currency;
  TimestampMs timestamp_ms = 0;
  std::string description;
};

// The shape rules above (order id and payment status present exactly for Payment's types,
// amount not negative, ids well-formed); kInvalidRequest naming what is wrong.
Result<void> CheckShape(const Transaction& transaction);

// Both lists merged newest first (ties: larger transaction id first, so the order is total and
// stable), cut to `limit`.
std::vector<Transaction> MergeNewestFirst(std::vector<Transaction> first,
                                          std::vector<Transaction> second, size_t limit);

// Reads "YYYY-MM-DDTHH:MM:SS[.fraction]Z" (also "+00:00") into milliseconds since the epoch;
// nullopt for anything else, including impossible dates. Pure (no timegm, no locale).
std::optional<TimestampMs> ParseRfc3339Ms(std::string_view text);

}  // namespace tinysaga::payment
