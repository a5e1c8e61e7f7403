#include "payment/domain/transaction.h"

#include <algorithm>

namespace tinysaga::payment {
namespace {

constexpr std::array kPaymentTransitions = {
    PaymentTransition{PaymentStatus::kPending, PaymentStatus::kCompleted},   // wallet debited
    PaymentTransition{PaymentStatus::kPending, PaymentStatus::kFailed},      // refused or voided
    PaymentTransition{PaymentStatus::kCompleted, PaymentStatus::kRefunded},  // compensation
};

}  // namespace

std::string_view FormatTransactionType(TransactionType type) {
  switch (type) {
    case TransactionType::kDeposit:
      return "DEPOSIT";
    case TransactionType::kWithdrawal:
      return "WITHDRAWAL";
    case TransactionType::kPayment:
      return "PAYMENT";
    case TransactionType::kRefund:
      return "REFUND";
  }
  return "UNKNOWN";
}

std::optional<TransactionType> ParseTransactionType(std::string_view text) {
  for (TransactionType type : kAllTransactionTypes) {
    if (FormatTransactionType(type) == text) return type;
  }
  return std::nullopt;
}

std::string_view FormatPaymentStatus(PaymentStatus status) {
  switch (status) {
    case PaymentStatus::kPending:
      return "PENDING";
    case PaymentStatus::kCompleted:
      return "COMPLETED";
    case PaymentStatus::kFailed:
      return "FAILED";
    case PaymentStatus::kRefunded:
      return "REFUNDED";
  }
  return "UNKNOWN";
}

std::optional<PaymentStatus> ParsePaymentStatus(std::string_view text) {
  for (PaymentStatus status : kAllPaymentStatuses) {
    if (FormatPaymentStatus(status) == text) return status;
  }
  return std::nullopt;
}

std::string_view FormatFailureReason(FailureReason reason) {
  switch (reason) {
    case FailureReason::kInsufficientFunds:
      return "INSUFFICIENT_FUNDS";
    case FailureReason::kUnavailable:
      return "UNAVAILABLE";
    case FailureReason::kOrderRejected:
      return "ORDER_REJECTED";
  }
  return "UNKNOWN";
}

std::optional<FailureReason> ParseFailureReason(std::string_view text) {
  for (FailureReason reason : {FailureReason::kInsufficientFunds, FailureReason::kUnavailable,
                               FailureReason::kOrderRejected}) {
    if (FormatFailureReason(reason) == text) return reason;
  }
  return std::nullopt;
}

bool IsOwnedByPayment(TransactionType type) {
  return type == TransactionType::kPayment || type == TransactionType::kRefund;
}

bool IsFinal(PaymentStatus status) {
  return status == PaymentStatus::kFailed || status == PaymentStatus::kRefunded;
}

std::span<const PaymentTransition> PaymentTransitions() { return kPaymentTransitions; }

bool IsAllowedPaymentTransition(PaymentStatus from, PaymentStatus to) {
  return std::any_of(
      kPaymentTransitions.begin(), kPaymentTransitions.end(),
      [&](const PaymentTransition& row) { return row.from == from && row.to == to; });
}

Result<void> CheckPaymentTransition(PaymentStatus from, PaymentStatus to) {
  if (IsAllowedPaymentTransition(from, to)) return Ok();
  return MakeError(Errc::kConflict, "payment is " + std::string(FormatPaymentStatus(from)) +
                                        "; it cannot become " +
                                        std::string(FormatPaymentStatus(to)));
}

Result<void> CheckShape(const Transaction& transaction) {
  const bool owned = IsOwnedByPayment(transaction.type);
  const std::string type(FormatTransactionType(transaction.type));
  if (!IsValidId(transaction.transaction_id.value()))
    return MakeError(Errc::kInvalidRequest, "bad transactionId");
  if (!IsValidName(transaction.user_id.value()))
    return MakeError(Errc::kInvalidRequest, "bad userId");
  if (owned != transaction.order_id.has_value()) {
    return MakeError(Errc::kInvalidRequest,
                     type + (owned ? " needs an orderId" : " has no orderId"));
  }
  if (transaction.order_id && !IsValidId(transaction.order_id->value())) {
    return MakeError(Errc::kInvalidRequest, "bad orderId");
  }
  if (owned != transaction.payment_status.has_value()) {
    return MakeError(Errc::kInvalidRequest,
                     type + (owned ? " needs a paymentStatus" : " has no paymentStatus"));
  }
  if (transaction.amount_cents < 0)
    return MakeError(Errc::kInvalidRequest, "amount must not be negative");
  return Ok();
}

std::vector<Transaction> MergeNewestFirst(std::vector<Transaction> first,
                                          std::vector<Transaction> second, size_t limit) {
  for (Transaction& transaction : second) first.push_back(std::move(transaction));
  auto newer = [](const Transaction& a, const Transaction& b) {
    if (a.timestamp_ms != b.timestamp_ms) return a.timestamp_ms > b.timestamp_ms;
    return a.transaction_id.value() > b.transaction_id.value();
  };
  std::sort(first.begin(), first.end(), newer);
  if (first.size() > limit) first.resize(limit);
  return first;
}

std::optional<TimestampMs> ParseRfc3339Ms(std::string_view text) {
  // Peers may write UTC as "+00:00"; everything else is the form the core parser reads.
  constexpr std::string_view kNumericUtc = "+00:00";
  std::string canonical(text);
  if (text.ends_with(kNumericUtc))
    canonical = std::string(text.substr(0, text.size() - kNumericUtc.size())) + "Z";
  auto parsed = ParseRfc3339(canonical);
  return parsed.ok() ? std::optional<TimestampMs>(*parsed) : std::nullopt;
}

}  // namespace tinysaga::payment
