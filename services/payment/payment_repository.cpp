#include "payment/payment_repository.h"

#include <soci/soci.h>

#include <cassert>
#include <stdexcept>
#include <string>

namespace tinysaga::payment {
namespace {

constexpr const char* kColumns =
    "transaction_id, user_id, order_id, type, payment_status, amount_cents, currency, description, "
    "created_at_ms";

// One transactions row in the types SOCI binds (64-bit integers as long long).
struct TransactionRow {
  std::string transaction_id;
  std::string user_id;
  std::string order_id;
  std::string type;
  std::string payment_status;
  long long amount_cents = 0;
  std::string currency;
  std::string description;
  long long created_at_ms = 0;

  void BindInto(soci::statement& statement) {
    statement.exchange(soci::into(transaction_id));
    statement.exchange(soci::into(user_id));
    statement.exchange(soci::into(order_id));
    statement.exchange(soci::into(type));
    statement.exchange(soci::into(payment_status));
    statement.exchange(soci::into(amount_cents));
    statement.exchange(soci::into(currency));
    statement.exchange(soci::into(description));
    statement.exchange(soci::into(created_at_ms));
  }

  Transaction ToTransaction() const {
    auto parsed_type = ParseTransactionType(type);
    auto parsed_status = ParsePaymentStatus(payment_status);
    // Only this service writes these columns, through the Format functions (and CHECKs).
    if (!parsed_type || !parsed_status)
      throw std::runtime_error("transactions row " + transaction_id + " is corrupt");
    return Transaction{TransactionId(transaction_id),
                       UserId(user_id),
                       OrderId(order_id),
                       *parsed_type,
                       *parsed_status,
                       amount_cents,
                       currency,
                       created_at_ms,
                       description};
  }
};

// Runs a SELECT of kColumns with `where` and its bindings added by `bind`.
template <typename Bind>
std::vector<Transaction> Select(soci::session& session, const std::string& where, Bind bind) {
  TransactionRow row;
  soci::statement statement(session);
  row.BindInto(statement);
  bind(statement);
  statement.alloc();
  statement.prepare(std::string("SELECT ") + kColumns + " FROM transactions " + where);
  statement.define_and_bind();
  statement.execute();
  std::vector<Transaction> rows;
  while (statement.fetch()) rows.push_back(row.ToTransaction());
  return rows;
}

}  // namespace

void InsertTransaction(soci::session& session, const Transaction& transaction) {
  assert(IsOwnedByPayment(transaction.type) && CheckShape(transaction).ok());
  std::string type(FormatTransactionType(transaction.type));
  std::string status(FormatPaymentStatus(*transaction.payment_status));
  long long amount_cents = transaction.amount_cents;
  long long created_at_ms = transaction.timestamp_ms;
  session
      << "INSERT INTO transactions (" << kColumns
      << ", updated_at_ms) VALUES (:transaction_id, :user_id, :order_id, :type, :payment_status, "
         ":amount_cents, :currency, :description, :created_at_ms, :updated_at_ms)",
      soci::use(transaction.transaction_id.value(), "transaction_id"),
      soci::use(transaction.user_id.value(), "user_id"),
      soci::use(transaction.order_id->value(), "order_id"), soci::use(type, "type"),
      soci::use(status, "payment_status"), soci::use(amount_cents, "amount_cents"),
      soci::use(transaction.currency, "currency"),
      soci::use(transaction.description, "description"), soci::use(created_at_ms, "created_at_ms"),
      soci::use(created_at_ms, "updated_at_ms");
}

std::optional<Transaction> FindTransaction(soci::session& session,
                                           const TransactionId& transaction_id) {
  std::string id = transaction_id.value();
  auto rows = Select(
      session, "WHERE transaction_id = :transaction_id",
      [&](soci::statement& statement) { statement.exchange(soci::use(id, "transaction_id")); });
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

std::optional<Transaction> FindOrderTransaction(soci::session& session, const OrderId& order_id,
                                                TransactionType type) {
  std::string id = order_id.value();
  std::string type_text(FormatTransactionType(type));
  auto rows = Select(session, "WHERE order_id = :order_id AND type = :type",
                     [&](soci::statement& statement) {
                       statement.exchange(soci::use(id, "order_id"));
                       statement.exchange(soci::use(type_text, "type"));
                     });
  if (rows.empty()) return std::nullopt;
  return std::move(rows.front());
}

bool UpdatePaymentStatusIf(soci::session& session, const TransactionId& transaction_id,
                           PaymentStatus expected, PaymentStatus to, TimestampMs now_ms) {
  std::string expected_text(FormatPaymentStatus(expected));
  std::string to_text(FormatPaymentStatus(to));
  long long updated_at_ms = now_ms;
  soci::statement statement =
      (session.prepare
           << "UPDATE transactions SET payment_status = :to, updated_at_ms = :updated_at_ms "
              "WHERE transaction_id = :transaction_id AND payment_status = :expected",
       soci::use(to_text, "to"), soci::use(updated_at_ms, "updated_at_ms"),
       soci::use(transaction_id.value(), "transaction_id"), soci::use(expected_text, "expected"));
  statement.execute(true);
  return statement.get_affected_rows() == 1;
}

std::optional<PaymentRecord> FindPayment(soci::session& session, const OrderId& order_id) {
  std::optional<Transaction> payment =
      FindOrderTransaction(session, order_id, TransactionType::kPayment);
  if (!payment) return std::nullopt;
  std::string reason_text;
  soci::indicator reason_indicator = soci::i_null;
  session << "SELECT failure_reason FROM transactions WHERE transaction_id = :transaction_id",
      soci::into(reason_text, reason_indicator),
      soci::use(payment->transaction_id.value(), "transaction_id");
  std::optional<FailureReason> reason;
  if (reason_indicator == soci::i_ok) {
    reason = ParseFailureReason(reason_text);
    if (!reason)
      throw std::runtime_error("payment " + payment->transaction_id.value() +
                               " has an unknown failure reason");
  }
  return PaymentRecord{std::move(*payment), reason};
}

bool FinishPaymentIf(soci::session& session, const TransactionId& transaction_id, PaymentStatus to,
                     std::optional<FailureReason> reason, TimestampMs now_ms) {
  assert(IsAllowedPaymentTransition(PaymentStatus::kPending, to));
  assert((to == PaymentStatus::kFailed) == reason.has_value());
  const std::string pending(FormatPaymentStatus(PaymentStatus::kPending));
  const std::string to_text(FormatPaymentStatus(to));
  const std::string reason_text(reason ? FormatFailureReason(*reason) : std::string_view());
  soci::indicator reason_indicator = reason ? soci::i_ok : soci::i_null;
  const long long updated_at_ms = now_ms;
  soci::statement statement =
      (session.prepare << "UPDATE transactions SET payment_status = :to, failure_reason = :reason, "
                          "updated_at_ms = :updated_at_ms "
                          "WHERE transaction_id = :transaction_id AND payment_status = :pending",
       soci::use(to_text, "to"), soci::use(reason_text, reason_indicator, "reason"),
       soci::use(updated_at_ms, "updated_at_ms"),
       soci::use(transaction_id.value(), "transaction_id"), soci::use(pending, "pending"));
  statement.execute(true);
  return statement.get_affected_rows() == 1;
}

std::vector<Transaction> ListPendingPayments(soci::session& session, TimestampMs created_before_ms,
                                             int limit) {
  std::string pending(FormatPaymentStatus(PaymentStatus::kPending));
  std::string type(FormatTransactionType(TransactionType::kPayment));
  long long before = created_before_ms;
  return Select(session,
                "WHERE payment_status = :pending AND type = :type AND created_at_ms < :before "
                "ORDER BY created_at_ms, transaction_id LIMIT :limit",
                [&](soci::statement& statement) {
                  statement.exchange(soci::use(pending, "pending"));
                  statement.exchange(soci::use(type, "type"));
                  statement.exchange(soci::use(before, "before"));
                  statement.exchange(soci::use(limit, "limit"));
                });
}

std::vector<Transaction> ListTransactions(soci::session& session, const TransactionFilter& filter) {
  std::string user_id = filter.user_id ? filter.user_id->value() : "";
  std::string order_id = filter.order_id ? filter.order_id->value() : "";
  int limit = filter.limit;
  std::string where = "WHERE 1 = 1";
  if (filter.user_id) where += " AND user_id = :user_id";
  if (filter.order_id) where += " AND order_id = :order_id";
  where += " ORDER BY created_at_ms DESC, transaction_id DESC LIMIT :limit";
  return Select(session, where, [&](soci::statement& statement) {
    if (filter.user_id) statement.exchange(soci::use(user_id, "user_id"));
    if (filter.order_id) statement.exchange(soci::use(order_id, "order_id"));
    statement.exchange(soci::use(limit, "limit"));
  });
}

}  // namespace tinysaga::payment
