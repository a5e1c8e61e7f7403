#include "payment/domain/list_query.h"

namespace tinysaga::payment {
namespace {

Result<int> ParseLimit(const std::optional<std::string>& text) {
  if (!text) return kListLimitDefault;
  const Error invalid =
      MakeError(Errc::kInvalidRequest, "query parameter 'limit' must be an integer from 1 to " +
                                           std::to_string(kListLimitMax));
  if (text->empty() || text->size() > 3) return invalid;
  int value = 0;
  for (char c : *text) {
    if (c < '0' || c > '9') return invalid;
    value = value * 10 + (c - '0');
  }
  if (value < 1 || value > kListLimitMax) return invalid;
  return value;
}

}  // namespace

Result<TransactionQuery> ResolveQuery(bool privileged, const std::string& caller_user_id,
                                      const TransactionQueryParams& params) {
  TransactionQuery query;
  TS_ASSIGN_OR_RETURN(query.limit, ParseLimit(params.limit));
  if (params.user_id && !IsValidName(*params.user_id)) {
    return MakeError(Errc::kInvalidRequest,
                     "query parameter 'userId' must match [A-Za-z0-9_-]{1,64}");
  }
  if (params.order_id && !IsValidId(*params.order_id)) {
    return MakeError(Errc::kInvalidRequest,
                     "query parameter 'orderId' must match [A-Za-z0-9_-]{1,64}");
  }
  if (params.order_id) query.order_id = OrderId(*params.order_id);
  if (privileged) {
    if (params.user_id) query.user_id = UserId(*params.user_id);
  } else {
    if (params.user_id && *params.user_id != caller_user_id) {
      return MakeError(Errc::kNotFound, "user '" + *params.user_id + "' not found");
    }
    query.user_id = UserId(caller_user_id);
  }
  query.include_wallet = query.user_id.has_value() && !query.order_id.has_value();
  return query;
}

}  // namespace tinysaga::payment
