#include "payment/wallet_client.h"

#include <latch>
#include <nlohmann/json.hpp>
#include <optional>

namespace tinysaga::payment {
namespace {

// One wallet row, or nullopt when the row is not a deposit/withdrawal of `user_id`.
Result<std::optional<Transaction>> ParseWalletRow(const nlohmann::json& row,
                                                  const UserId& user_id) {
  const Error broken = MakeError(Errc::kUnavailable, "wallet answered a malformed transaction");
  if (!row.is_object()) return broken;
  auto text = [&](const char* name) -> std::optional<std::string> {
    auto it = row.find(name);
    if (it == row.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  auto type_text = text("type");
  if (!type_text) return broken;
  // Only deposits and withdrawals are the Wallet's to report; its debit and credit lines
  // (whatever it calls them) mirror Payment's own PAYMENT and REFUND rows.
  auto type = ParseTransactionType(*type_text);
  if (type != TransactionType::kDeposit && type != TransactionType::kWithdrawal)
    return std::optional<Transaction>();
  auto id = text("transactionId");
  auto owner = text("userId");
  auto currency = text("currency");
  auto timestamp = ParseRfc3339Ms(text("timestamp").value_or(""));
  auto amount = row.find("amount");
  if (!id || !owner || !currency || !timestamp || amount == row.end() ||
      !amount->is_number_integer())
    return broken;
  if (amount->is_number_unsigned() && amount->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
    return broken;
  if (*owner != user_id.value()) return std::optional<Transaction>();
  Transaction transaction{TransactionId(*id),
                          UserId(*owner),
                          std::nullopt,
                          *type,
                          std::nullopt,
                          amount->get<int64_t>(),
                          *currency,
                          *timestamp,
                          text("description").value_or("")};
  if (!CheckShape(transaction).ok()) return broken;
  return std::optional<Transaction>(std::move(transaction));
}

// The body of POST /internal/refunds for the order.
std::string RefundBody(const OrderId& order_id, const UserId& user_id) {
  return nlohmann::json{{"debitOperationId", DebitOperationId(order_id)},
                        {"operationId", RefundOperationId(order_id)},
                        {"userId", user_id.value()},
                        {"orderId", order_id.value()}}
      .dump();
}

}  // namespace

std::string DebitOperationId(const OrderId& order_id) { return "pay:" + order_id.value(); }
std::string RefundOperationId(const OrderId& order_id) { return "refund:" + order_id.value(); }

WalletClient::WalletClient(http::Client& client, std::vector<http::Endpoint> endpoints,
                           std::string internal_secret, Retrier retrier,
                           std::chrono::milliseconds list_timeout)
    : list_peer_(client, "wallet", endpoints, internal_secret, list_timeout),
      operation_peer_(client, "wallet", std::move(endpoints), std::move(internal_secret),
                      retrier.policy().per_attempt_timeout),
      retrier_(std::move(retrier)) {}

Result<http::Response> WalletClient::PostOnce(const std::string& target, const std::string& body) {
  return Meaning(operation_peer_.SendAsService(PostRequest(target, body)));
}

http::Request WalletClient::PostRequest(const std::string& target, const std::string& body) {
  http::Request request;
  request.method = "POST";
  request.target = target;
  request.headers.emplace_back("Content-Type", "application/json");
  request.body = body;
  return request;
}

Result<http::Response> WalletClient::Meaning(Result<http::Response> sent) {
  TS_ASSIGN_OR_RETURN(http::Response response, std::move(sent));
  const std::string answered = "wallet answered HTTP " + std::to_string(response.status) + ": " +
                               response.body.substr(0, 300);
  if (response.status >= 200 && response.status < 300) return response;
  switch (response.status) {
    case 402:
      return MakeError(Errc::kInsufficientFunds, answered);
    case 409:
      return MakeError(Errc::kConflict, answered);
    case 422:
      return MakeError(Errc::kIdempotencyMismatch, answered);
    case 429:
      return MakeError(Errc::kUnavailable, answered);
    default:
      // 5xx: the wallet (or its database) is down or overloaded: try again. Any other refusal
      // means this client sent something the wallet does not take: a bug, not worth retrying.
      return MakeError(response.status >= 500 ? Errc::kUnavailable : Errc::kInternal, answered);
  }
}

Result<WalletDebit> WalletClient::Debit(const OrderId& order_id, const UserId& user_id,
                                        const Money& amount) {
  const std::string body = nlohmann::json{
      {"operationId", DebitOperationId(order_id)},
      {"userId", user_id.value()},
      {"orderId", order_id.value()},
      {"amount", amount.cents()},
      {"currency",
       amount.currency()}}.dump();
  return retrier_.Run<WalletDebit>(
      "wallet debit order=" + order_id.value(), [&](int) -> Result<WalletDebit> {
        TS_ASSIGN_OR_RETURN(http::Response response, PostOnce("/internal/debits", body));
        return ParseWalletDebit(response.body);
      });
}

Result<WalletRefund> WalletClient::Refund(const OrderId& order_id, const UserId& user_id) {
  const std::string body = RefundBody(order_id, user_id);
  return retrier_.Run<WalletRefund>(
      "wallet refund order=" + order_id.value(), [&](int) -> Result<WalletRefund> {
        TS_ASSIGN_OR_RETURN(http::Response response, PostOnce("/internal/refunds", body));
        return ParseWalletRefund(response.body);
      });
}

std::vector<Result<WalletRefund>> WalletClient::RefundEach(
    const std::vector<std::pair<OrderId, UserId>>& refunds) {
  std::vector<std::optional<Result<WalletRefund>>> answers(refunds.size());
  std::latch all_answered(static_cast<std::ptrdiff_t>(refunds.size()));
  for (size_t i = 0; i < refunds.size(); ++i) {
    const auto& [order_id, user_id] = refunds[i];
    operation_peer_.SendAsService(PostRequest("/internal/refunds", RefundBody(order_id, user_id)),
                                  [&answers, &all_answered, i](Result<http::Response> sent) {
                                    auto response = Meaning(std::move(sent));
                                    answers[i] = response.ok()
                                                     ? ParseWalletRefund(response->body)
                                                     : Result<WalletRefund>(response.error());
                                    all_answered.count_down();
                                  });
  }
  all_answered.wait();
  std::vector<Result<WalletRefund>> answered;
  answered.reserve(answers.size());
  for (auto& answer : answers) answered.push_back(std::move(*answer));
  return answered;
}

Result<std::vector<Transaction>> WalletClient::ListWalletTransactions(const UserId& user_id,
                                                                      int limit) {
  http::Request request;
  request.method = "GET";
  request.target = "/internal/wallet-transactions?userId=" + http::PercentEncode(user_id.value()) +
                   "&limit=" + std::to_string(limit);
  TS_ASSIGN_OR_RETURN(http::Response response, list_peer_.SendAsService(std::move(request)));
  if (response.status == 404) return std::vector<Transaction>();  // no wallet yet, so no deposits
  if (response.status != 200) {
    return MakeError(Errc::kUnavailable, "wallet answered HTTP " + std::to_string(response.status));
  }
  return ParseWalletTransactions(response.body, user_id);
}

Result<std::vector<Transaction>> ParseWalletTransactions(const std::string& body,
                                                         const UserId& user_id) {
  const Error broken =
      MakeError(Errc::kUnavailable, "wallet answered a malformed transaction list");
  nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return broken;
  auto rows = json.find("transactions");
  if (rows == json.end() || !rows->is_array()) return broken;
  std::vector<Transaction> transactions;
  for (const nlohmann::json& row : *rows) {
    TS_ASSIGN_OR_RETURN(auto transaction, ParseWalletRow(row, user_id));
    if (transaction) transactions.push_back(std::move(*transaction));
  }
  return transactions;
}

}  // namespace tinysaga::payment

namespace tinysaga::payment {
namespace {

// The JSON object of a 2xx answer, or nullopt when it is not one.
std::optional<nlohmann::json> ObjectOf(const std::string& body) {
  nlohmann::json json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return std::nullopt;
  return json;
}

bool IsId(const nlohmann::json& json, const char* field) {
  auto it = json.find(field);
  return it != json.end() && it->is_string() && IsValidId(it->get<std::string>());
}

bool IsCount(const nlohmann::json& json, const char* field, int64_t max = Money::kAmountCentsMax) {
  auto it = json.find(field);
  return it != json.end() && it->is_number_integer() && it->get<int64_t>() >= 0 &&
         it->get<int64_t>() <= max;
}

}  // namespace

Result<WalletDebit> ParseWalletDebit(const std::string& body) {
  auto json = ObjectOf(body);
  if (!json || !IsId(*json, "transactionId") || !IsCount(*json, "balance", Money::kBalanceCentsMax) ||
      !json->contains("replayed") || !(*json)["replayed"].is_boolean()) {
    return MakeError(Errc::kUnavailable,
                     "wallet answered a malformed debit: " + body.substr(0, 300));
  }
  return WalletDebit{.entry_id = TransactionId((*json)["transactionId"].get<std::string>()),
                     .balance_cents = (*json)["balance"].get<int64_t>(),
                     .replayed = (*json)["replayed"].get<bool>()};
}

Result<WalletRefund> ParseWalletRefund(const std::string& body) {
  auto json = ObjectOf(body);
  const bool voided = json && json->contains("transactionId") && (*json)["transactionId"].is_null();
  if (!json || !IsCount(*json, "refunded") || (!voided && !IsId(*json, "transactionId")) ||
      (voided != ((*json)["refunded"].get<int64_t>() == 0))) {
    return MakeError(Errc::kUnavailable,
                     "wallet answered a malformed refund: " + body.substr(0, 300));
  }
  WalletRefund refund{.refunded_cents = (*json)["refunded"].get<int64_t>(),
                      .entry_id = std::nullopt};
  if (!voided) refund.entry_id = TransactionId((*json)["transactionId"].get<std::string>());
  return refund;
}

}  // namespace tinysaga::payment
