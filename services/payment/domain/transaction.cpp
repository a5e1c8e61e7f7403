#include "payment/domain/transaction.h"

#include <algorithm>

namespace tinysaga::payment {
namespace {

constexpr std::array kPaymentTransitions = {
    PaymentTransition{PaymentStatus::kPending, PaymentStatus::kCompleted},   // wallet debited
    PaymentTransition{PaymentStatus::kPending, PaymentStatus::kFailed},      // refused or voided
    PaymentTransition{PaymentStatus::kCompleted, PaymentStatus::kRefunded},  // compensation
};

// Digits at text[at, at+count) as a number; -1 if any is not a digit.
int Digits(std::string_view text, size_t at, size_t count) {
  if (at + count > text.size()) return -1;
  int value = 0;
  for (size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

// Days from 1970-01-01 to the given civil date (Howard Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t year, int month, int day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

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
  // 2026-01-01T00:00:00 is 19 characters; then an optional fraction, then the zone.
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':') {
    return std::nullopt;
  }
  const int year = Digits(text, 0, 4), month = Digits(text, 5, 2), day = Digits(text, 8, 2);
  const int hour = Digits(text, 11, 2), minute = Digits(text, 14, 2), second = Digits(text, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 ||
      minute > 59 || second < 0 || second > 59 || day > DaysInMonth(year, month)) {
    return std::nullopt;
  }
  size_t at = 19;
  int millis = 0;
  if (text[at] == '.') {
    const size_t fraction_start = ++at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
    const size_t fraction_length = at - fraction_start;
    if (fraction_length == 0 || fraction_length > 9) return std::nullopt;
    for (size_t i = 0; i < 3; ++i) {
      millis = millis * 10 + (i < fraction_length ? text[fraction_start + i] - '0' : 0);
    }
  }
  const std::string_view zone = text.substr(at);
  if (zone != "Z" && zone != "+00:00") return std::nullopt;
  const int64_t days = DaysFromCivil(year, month, day);
  return ((days * 24 + hour) * 60 + minute) * 60'000 + second * 1'000 + millis;
}

}  // namespace tinysaga::payment
