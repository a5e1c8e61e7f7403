#pragma once
// Who may list which transactions, decided from the caller and the query alone. Pure.
//
// A user lists their own: an explicit other userId is not found (404), an orderId filter only
// narrows their own rows. Admins and services list everyone's, filters optional. Wallet rows
// (deposits, withdrawals) belong to no order, so they are fetched only when the listing is for
// one known user and not narrowed to an order.

#include <optional>
#include <string>

#include "tinysaga/core/ids.h"
#include "tinysaga/core/result.h"

namespace tinysaga::payment {

inline constexpr int kListLimitDefault = 50;
inline constexpr int kListLimitMax = 200;

struct TransactionQuery {
  std::optional<UserId> user_id;    // nullopt: every user's
  std::optional<OrderId> order_id;  // nullopt: any order
  int limit = kListLimitDefault;
  bool include_wallet = false;  // ask the Wallet for this user's deposits and withdrawals
};

struct TransactionQueryParams {
  std::optional<std::string> user_id;   // ?userId=
  std::optional<std::string> order_id;  // ?orderId=
  std::optional<std::string> limit;     // ?limit=
};

// `privileged`: admin or service; `caller_user_id`: the user's own id otherwise.
// kInvalidRequest for malformed parameters, kNotFound for another user's id.
Result<TransactionQuery> ResolveQuery(bool privileged, const std::string& caller_user_id,
                                      const TransactionQueryParams& params);

}  // namespace tinysaga::payment
