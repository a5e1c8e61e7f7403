#include "wallet/handlers/wallet_api.h"

#include <nlohmann/json.hpp>

#include "tinysaga/core/json_reader.h"
#include "tinysaga/core/query.h"
#include "tinysaga/platform/service.h"
#include "wallet/handlers/problem_for.h"
#include "wallet/log.h"
#include "wallet/wallet_repository.h"

namespace tinysaga::wallet {
namespace {

Result<void> RequireAuthenticated(const platform::Caller& caller) {
  if (!caller.authenticated()) return MakeError(Errc::kUnauthorized, "authentication required");
  return Ok();
}

// The {userId} path parameter of a wallet the caller may see. An impossible id and another
// user's wallet are both simply not found, so a user cannot probe which wallets exist.
Result<UserId> AccessibleUserFromPath(const http::Request& request,
                                      const platform::Caller& caller) {
  TS_RETURN_IF_ERROR(RequireAuthenticated(caller));
  auto it = request.path_params.find("userId");
  if (it == request.path_params.end() || !IsValidName(it->second) ||
      !caller.CanAccess(it->second)) {
    return MakeError(Errc::kNotFound, "no such wallet");
  }
  return UserId(it->second);
}

nlohmann::json TransactionJson(const LedgerEntry& entry) {
  return {
      {"transactionId", entry.entry_id.value()},
      {"userId", entry.user_id.value()},
      {"orderId", entry.order_id ? nlohmann::json(entry.order_id->value()) : nlohmann::json()},
      {"type", EntryTypeName(entry.type)},
      {"paymentStatus", nullptr},
      {"amount", entry.amount.cents()},
      {"currency", entry.amount.currency()},
      {"timestamp", FormatRfc3339(entry.created_at_ms)},
      {"description", entry.description},
  };
}

// Who acted, for the logs: the user id, or "service" for a service caller.
std::string CallerName(const platform::Caller& caller) {
  return caller.user_id.empty() ? std::string("service") : caller.user_id;
}

}  // namespace

WalletApi::WalletApi(storage::Db& db, const Clock& clock, Rng& rng)
    : db_(db), clock_(clock), rng_(rng) {}

http::Response WalletApi::GetWallet(const http::Request& request, const platform::Caller& caller) {
  auto user_id = AccessibleUserFromPath(request, caller);
  if (!user_id.ok()) return ProblemFor(user_id.error());
  auto wallet = db_.Read<std::optional<Wallet>>(
      [&](soci::session& session) { return FindWallet(session, *user_id); });
  if (!wallet.ok()) return ProblemFor(wallet.error());
  if (!*wallet) return ProblemFor(MakeError(Errc::kNotFound, "no such wallet"));
  const Wallet& found = **wallet;
  return http::Response::Json(200, {{"userId", found.user_id.value()},
                                    {"balance", found.balance.cents()},
                                    {"currency", found.balance.currency()},
                                    {"updatedAt", FormatRfc3339(found.updated_at_ms)}});
}

http::Response WalletApi::PostDeposit(const http::Request& request,
                                      const platform::Caller& caller) {
  return PostEntry(request, caller, EntryType::kDeposit);
}

http::Response WalletApi::PostWithdrawal(const http::Request& request,
                                         const platform::Caller& caller) {
  return PostEntry(request, caller, EntryType::kWithdrawal);
}

// Deposits and withdrawals differ only in their entry type. The body is checked before the
// Idempotency-Key bookkeeping, so a malformed request never reaches the database.
http::Response WalletApi::PostEntry(const http::Request& request, const platform::Caller& caller,
                                    EntryType type) {
  auto user_id = AccessibleUserFromPath(request, caller);
  if (!user_id.ok()) return ProblemFor(user_id.error());
  auto json = JsonReader::ParseBody(request.body);
  if (!json.ok()) return ProblemFor(json.error());
  const int64_t amount_cents = json->Integer("amount", 1, Money::kAmountCentsMax);
  if (auto finished = json->Finish(); !finished.ok()) return ProblemFor(finished.error());
  auto amount = ValidateAmount("amount", amount_cents);
  if (!amount.ok()) return ProblemFor(amount.error());
  const LedgerEntry entry{
      .entry_id = TransactionId(NewId("txn", rng_)),
      .user_id = *user_id,
      .type = type,
      .amount = *amount,
      .order_id = std::nullopt,
      .operation_id = std::nullopt,
      .description = DefaultDescription(type),
      .created_at_ms = clock_.NowMs(),
  };
  return platform::Idempotent(
      request, caller, db_, clock_, [&](soci::session& session) -> Result<http::Response> {
        TS_ASSIGN_OR_RETURN(AppliedEntry applied, ApplyEntry(session, entry));
        Log()->info("{} user={} amount={} balance={} txn={} by={}", EntryTypeName(type),
                    entry.user_id.value(), entry.amount.cents(), applied.balance.cents(),
                    entry.entry_id.value(), CallerName(caller));
        return http::Response::Json(
            201, {{"transactionId", entry.entry_id.value()}, {"balance", applied.balance.cents()}});
      });
}

http::Response WalletApi::GetTransactions(const http::Request& request,
                                          const platform::Caller& caller) {
  if (auto allowed = RequireAuthenticated(caller); !allowed.ok()) {
    return ProblemFor(allowed.error());
  }
  if (!caller.privileged()) {
    return ProblemFor(MakeError(Errc::kForbidden, "internal endpoint: services and admins only"));
  }
  std::optional<UserId> user_id;
  if (auto text = request.Query("userId")) {
    if (!IsValidName(*text)) {
      return ProblemFor(MakeError(Errc::kInvalidRequest,
                                  "query parameter 'userId' must match [A-Za-z0-9_-]{1,64}"));
    }
    user_id = UserId(*text);
  }
  auto limit = ParseQueryInteger("limit", request.Query("limit"), 1, kTransactionsLimitMax,
                                 kTransactionsLimitDefault);
  if (!limit.ok()) return ProblemFor(limit.error());
  auto entries = db_.Read<std::vector<LedgerEntry>>([&](soci::session& session) {
    return ListDepositsAndWithdrawals(session, user_id, static_cast<size_t>(*limit));
  });
  if (!entries.ok()) return ProblemFor(entries.error());
  nlohmann::json list = nlohmann::json::array();
  for (const LedgerEntry& entry : *entries) list.push_back(TransactionJson(entry));
  return http::Response::Json(200, {{"transactions", std::move(list)}});
}

void WalletApi::Register(http::Server& server, const std::string& internal_secret) {
  platform::RouteGuarded(server, internal_secret, "GET", "/api/wallets/{userId}", this,
                         &WalletApi::GetWallet);
  platform::RouteGuarded(server, internal_secret, "POST", "/api/wallets/{userId}/deposits", this,
                         &WalletApi::PostDeposit);
  platform::RouteGuarded(server, internal_secret, "POST", "/api/wallets/{userId}/withdrawals", this,
                         &WalletApi::PostWithdrawal);
  platform::RouteGuarded(server, internal_secret, "GET", "/internal/wallet-transactions", this,
                         &WalletApi::GetTransactions);
}

}  // namespace tinysaga::wallet
