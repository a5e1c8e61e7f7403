#include "payment/handlers/payment_api.h"

#include <nlohmann/json.hpp>
#include <optional>

#include "payment/domain/list_query.h"
#include "payment/handlers/transaction_json.h"
#include "payment/payment_repository.h"
#include "tinysaga/http/problem.h"
#include "tinysaga/platform/service.h"

namespace tinysaga::payment {
namespace {

// A present, non-empty query parameter ("?orderId=" counts as absent).
std::optional<std::string> QueryValue(const http::Request& request, const std::string& name) {
  auto it = request.query.find(name);
  if (it == request.query.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

}  // namespace

PaymentApi::PaymentApi(storage::Db& db, const Clock& clock, Rng& rng, WalletClient& wallet,
                       OrderClient& orders, std::function<void()> notify_outbox)
    : db_(db),
      clock_(clock),
      rng_(rng),
      wallet_(wallet),
      orders_(orders),
      notify_outbox_(std::move(notify_outbox)) {}

http::Response PaymentApi::ListTransactions(const http::Request& request,
                                            const platform::Caller& caller) {
  if (!caller.authenticated())
    return http::Problem(MakeError(Errc::kUnauthorized, "authentication required"));
  TransactionQueryParams params{QueryValue(request, "userId"), QueryValue(request, "orderId"),
                                QueryValue(request, "limit")};
  auto query = ResolveQuery(caller.privileged(), caller.user_id, params);
  if (!query.ok()) return http::Problem(query.error());

  // The Wallet first, so that no database session is held across the network call.
  std::vector<Transaction> wallet_rows;
  if (query->include_wallet) {
    auto fetched = wallet_.ListWalletTransactions(*query->user_id, query->limit);
    if (!fetched.ok()) return http::Problem(fetched.error());
    wallet_rows = std::move(*fetched);
  }
  TransactionFilter filter{query->user_id, query->order_id, query->limit};
  auto own_rows = db_.Read<std::vector<Transaction>>(
      [&](soci::session& session) -> Result<std::vector<Transaction>> {
        return payment::ListTransactions(session, filter);
      });
  if (!own_rows.ok()) return http::Problem(own_rows.error());

  nlohmann::json items = nlohmann::json::array();
  for (const Transaction& transaction : MergeNewestFirst(
           std::move(*own_rows), std::move(wallet_rows), static_cast<size_t>(query->limit))) {
    items.push_back(TransactionJson(transaction));
  }
  return http::Response::Json(200, {{"transactions", std::move(items)}});
}

void PaymentApi::Register(http::Server& server, const std::string& internal_secret) {
  platform::RouteGuarded(server, internal_secret, "POST", "/api/payment", this,
                         &PaymentApi::PostPayment);
  platform::RouteGuarded(server, internal_secret, "GET", "/api/transactions", this,
                         &PaymentApi::ListTransactions);
}

}  // namespace tinysaga::payment
