#include "wallet/handlers/payment_operations_api.h"

#include <nlohmann/json.hpp>

#include "tinysaga/core/json_reader.h"
#include "tinysaga/http/problem.h"
#include "tinysaga/platform/service.h"
#include "wallet/domain/ledger.h"
#include "wallet/handlers/problem_for.h"
#include "wallet/log.h"
#include "wallet/payment_operations.h"

namespace tinysaga::wallet {
namespace {

std::string ReadOperationId(JsonReader& json, std::string_view field) {
  std::string text = json.String(field, 0, kOperationIdLengthMax);
  if (json.ok() && !IsValidOperationId(text)) json.Fail(field, "must match [A-Za-z0-9_:.-]{1,128}");
  return text;
}

Result<DebitRequest> ParseDebit(const std::string& body) {
  TS_ASSIGN_OR_RETURN(JsonReader json, JsonReader::ParseBody(body));
  std::string operation_id = ReadOperationId(json, "operationId");
  auto user_id = json.ReadId<UserId>("userId");
  auto order_id = json.ReadId<OrderId>("orderId");
  const int64_t amount_cents = json.Integer("amount", 1, Money::kAmountCentsMax);
  auto currency = json.OptionalString("currency", 0, 3);
  if (currency && !IsValidCurrency(*currency))
    json.Fail("currency", "must be three capital letters");
  TS_RETURN_IF_ERROR(json.Finish());
  TS_ASSIGN_OR_RETURN(Money amount,
                      ValidateAmount("amount", amount_cents,
                                     currency.value_or(std::string(Money::kDefaultCurrency))));
  return DebitRequest{.operation_id = std::move(operation_id),
                      .user_id = std::move(user_id),
                      .order_id = std::move(order_id),
                      .amount = std::move(amount)};
}

Result<RefundRequest> ParseRefund(const std::string& body) {
  TS_ASSIGN_OR_RETURN(JsonReader json, JsonReader::ParseBody(body));
  std::string debit_operation_id = ReadOperationId(json, "debitOperationId");
  std::string operation_id = ReadOperationId(json, "operationId");
  auto user_id = json.ReadId<UserId>("userId");
  auto order_id = json.ReadId<OrderId>("orderId");
  TS_RETURN_IF_ERROR(json.Finish());
  if (operation_id == debit_operation_id) {
    return MakeError(Errc::kInvalidRequest,
                     "fields 'operationId' and 'debitOperationId' must differ");
  }
  return RefundRequest{.debit_operation_id = std::move(debit_operation_id),
                       .operation_id = std::move(operation_id),
                       .user_id = std::move(user_id),
                       .order_id = std::move(order_id)};
}

// The compare-and-set on the balance gave up after concurrent changes: nothing was written,
// and the same operation id may simply be sent again, so it is a temporary unavailability
// (Payment retries 503s) rather than a final 409, which Payment reads as "voided".
Error Retryable(const Error& error) {
  if (error.code != Errc::kConflict) return error;
  return MakeError(Errc::kUnavailable, error.detail);
}

nlohmann::json NullableId(const std::optional<TransactionId>& id) {
  return id ? nlohmann::json(id->value()) : nlohmann::json(nullptr);
}

}  // namespace

PaymentOperationsApi::PaymentOperationsApi(storage::Db& db, const Clock& clock, Rng& rng,
                                           bool dev_mode)
    : db_(db), clock_(clock), rng_(rng), dev_mode_(dev_mode) {}

Result<void> PaymentOperationsApi::Admit(const platform::Caller& caller) const {
  if (!caller.authenticated()) return MakeError(Errc::kUnauthorized, "authentication required");
  if (caller.role != platform::CallerRole::kService) {
    return MakeError(Errc::kForbidden, "internal endpoint: the Payment service only");
  }
  if (clock_.NowMs() < unavailable_until_ms_.load()) {
    return MakeError(Errc::kUnavailable, "the wallet is unavailable (injected fault)");
  }
  return Ok();
}

http::Response PaymentOperationsApi::PostDebit(const http::Request& request,
                                               const platform::Caller& caller) {
  if (auto admitted = Admit(caller); !admitted.ok()) return ProblemFor(admitted.error());
  auto debit = ParseDebit(request.body);
  if (!debit.ok()) return ProblemFor(debit.error());
  const TransactionId entry_id(NewId("txn", rng_));
  auto applied = db_.Write<std::optional<AppliedEntry>>([&](soci::session& session) {
    return ApplyDebit(session, *debit, entry_id, clock_.NowMs());
  });
  if (!applied.ok()) return ProblemFor(Retryable(applied.error()));
  if (!*applied) {
    Log()->info("DEBIT refused: operation {} was voided order={} user={}", debit->operation_id,
                debit->order_id.value(), debit->user_id.value());
    return http::Problem(
        409, "operation-voided",
        "operation " + debit->operation_id + " was voided by a refund; nothing was debited");
  }
  const AppliedEntry& entry = **applied;
  Log()->info("DEBIT order={} user={} amount={} balance={} txn={} operation={}{}",
              debit->order_id.value(), debit->user_id.value(), debit->amount.cents(),
              entry.balance.cents(), entry.entry.entry_id.value(), debit->operation_id,
              entry.replayed ? " (replayed)" : "");
  return http::Response::Json(201, {{"transactionId", entry.entry.entry_id.value()},
                                    {"balance", entry.balance.cents()},
                                    {"replayed", entry.replayed}});
}

http::Response PaymentOperationsApi::PostRefund(const http::Request& request,
                                                const platform::Caller& caller) {
  if (auto admitted = Admit(caller); !admitted.ok()) return ProblemFor(admitted.error());
  auto refund = ParseRefund(request.body);
  if (!refund.ok()) return ProblemFor(refund.error());
  const TransactionId entry_id(NewId("txn", rng_));
  auto result = db_.Write<RefundResult>([&](soci::session& session) {
    return ApplyRefund(session, *refund, entry_id, clock_.NowMs());
  });
  if (!result.ok()) return ProblemFor(Retryable(result.error()));
  Log()->info("REFUND order={} user={} refunded={} of operation {} txn={} operation={}{}",
              refund->order_id.value(), refund->user_id.value(), result->refunded_cents,
              refund->debit_operation_id,
              result->transaction_id ? result->transaction_id->value() : "-(voided)",
              refund->operation_id, result->replayed ? " (replayed)" : "");
  return http::Response::Json(
      200, {{"refunded", result->refunded_cents},
            {"transactionId", NullableId(result->transaction_id)},
            {"balance",
             result->balance ? nlohmann::json(result->balance->cents()) : nlohmann::json(nullptr)},
            {"replayed", result->replayed}});
}

http::Response PaymentOperationsApi::PostFaults(const http::Request& request,
                                                const platform::Caller& caller) {
  if (!dev_mode_) return http::Problem(404, "not-found", "no such endpoint");
  if (!caller.authenticated()) {
    return ProblemFor(MakeError(Errc::kUnauthorized, "authentication required"));
  }
  if (!caller.privileged()) {
    return ProblemFor(MakeError(Errc::kForbidden, "admins and services only"));
  }
  auto json = JsonReader::ParseBody(request.body);
  if (!json.ok()) return ProblemFor(json.error());
  const int64_t duration_ms = json->Integer("unavailableForMs", 0, kFaultDurationMsMax);
  if (auto finished = json->Finish(); !finished.ok()) return ProblemFor(finished.error());
  const TimestampMs until_ms = clock_.NowMs() + duration_ms;
  unavailable_until_ms_.store(until_ms);
  Log()->warn("fault switch: debits and refunds answer 503 for {} ms (until {}), by {}",
              duration_ms, FormatRfc3339(until_ms),
              caller.user_id.empty() ? std::string("service") : caller.user_id);
  return http::Response::Json(
      200, {{"unavailableForMs", duration_ms}, {"unavailableUntil", FormatRfc3339(until_ms)}});
}

void PaymentOperationsApi::Register(http::Server& server, const std::string& internal_secret) {
  platform::RouteGuarded(server, internal_secret, "POST", "/internal/debits", this,
                         &PaymentOperationsApi::PostDebit);
  platform::RouteGuarded(server, internal_secret, "POST", "/internal/refunds", this,
                         &PaymentOperationsApi::PostRefund);
  platform::RouteGuarded(server, internal_secret, "POST", "/api/dev/faults/wallet", this,
                         &PaymentOperationsApi::PostFaults);
}

}  // namespace tinysaga::wallet
