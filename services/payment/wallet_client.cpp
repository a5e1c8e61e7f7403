#include "payment/wallet_client.h"

#include <nlohmann/json.hpp>

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

}  // namespace

WalletClient::WalletClient(http::Client& client, std::vector<http::Endpoint> endpoints,
                           std::string internal_secret, std::chrono::milliseconds timeout)
    : peer_(client, "wallet", std::move(endpoints), std::move(internal_secret), timeout) {}

Result<std::vector<Transaction>> WalletClient::ListWalletTransactions(const UserId& user_id,
                                                                      int limit) {
  http::Request request;
  request.method = "GET";
  request.target = "/internal/wallet-transactions?userId=" + http::PercentEncode(user_id.value()) +
                   "&limit=" + std::to_string(limit);
  TS_ASSIGN_OR_RETURN(http::Response response, peer_.SendAsService(std::move(request)));
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
