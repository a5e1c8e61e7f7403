#include "payment/payment_requests.h"

#include <soci/soci.h>

namespace tinysaga::payment {
namespace {

constexpr const char* kClaimColumns =
    "user_id, idempotency_key, fingerprint, order_id, product_id, quantity, traceparent, "
    "status_code, response_body";

// One payment_requests row in the types SOCI binds.
struct ClaimRow {
  std::string user_id;
  std::string key;
  std::string fingerprint;
  std::string order_id;
  std::string product_id;
  long long quantity = 0;
  std::string traceparent;
  int status_code = 0;
  soci::indicator status_indicator = soci::i_null;
  std::string response_body;
  soci::indicator body_indicator = soci::i_null;

  void BindInto(soci::statement& statement) {
    statement.exchange(soci::into(user_id));
    statement.exchange(soci::into(key));
    statement.exchange(soci::into(fingerprint));
    statement.exchange(soci::into(order_id));
    statement.exchange(soci::into(product_id));
    statement.exchange(soci::into(quantity));
    statement.exchange(soci::into(traceparent));
    statement.exchange(soci::into(status_code, status_indicator));
    statement.exchange(soci::into(response_body, body_indicator));
  }

  ClaimState ToState() const {
    ClaimState state{.claim = PaymentClaim{.scope = user_id,
                                           .key = key,
                                           .fingerprint = fingerprint,
                                           .order_id = OrderId(order_id),
                                           .product_id = ProductId(product_id),
                                           .quantity = quantity,
                                           .traceparent = traceparent},
                     .response = std::nullopt};
    if (status_indicator == soci::i_ok) {
      state.response = storage::StoredResponse{
          status_code, body_indicator == soci::i_ok ? response_body : std::string()};
    }
    return state;
  }
};

template <typename Bind>
std::optional<ClaimState> SelectOne(soci::session& session, const std::string& where, Bind bind) {
  ClaimRow row;
  soci::statement statement(session);
  row.BindInto(statement);
  bind(statement);
  statement.alloc();
  statement.prepare(std::string("SELECT ") + kClaimColumns + " FROM payment_requests " + where);
  statement.define_and_bind();
  statement.execute();
  if (!statement.fetch()) return std::nullopt;
  return row.ToState();
}

}  // namespace

std::optional<ClaimState> FindClaim(soci::session& session, const std::string& scope,
                                    const std::string& key) {
  return SelectOne(session, "WHERE user_id = :user_id AND idempotency_key = :idempotency_key",
                   [&](soci::statement& statement) {
                     statement.exchange(soci::use(scope, "user_id"));
                     statement.exchange(soci::use(key, "idempotency_key"));
                   });
}

std::optional<ClaimState> FindClaimOfOrder(soci::session& session, const OrderId& order_id) {
  return SelectOne(session, "WHERE order_id = :order_id", [&](soci::statement& statement) {
    statement.exchange(soci::use(order_id.value(), "order_id"));
  });
}

void InsertClaim(soci::session& session, const PaymentClaim& claim, TimestampMs now_ms) {
  const long long quantity = claim.quantity;
  const long long at_ms = now_ms;
  session << "INSERT INTO payment_requests (user_id, idempotency_key, fingerprint, order_id, "
             "product_id, quantity, traceparent, status_code, response_body, created_at_ms, "
             "updated_at_ms) VALUES (:user_id, :idempotency_key, :fingerprint, :order_id, "
             ":product_id, :quantity, :traceparent, NULL, NULL, :created_at_ms, :updated_at_ms)",
      soci::use(claim.scope, "user_id"), soci::use(claim.key, "idempotency_key"),
      soci::use(claim.fingerprint, "fingerprint"), soci::use(claim.order_id.value(), "order_id"),
      soci::use(claim.product_id.value(), "product_id"), soci::use(quantity, "quantity"),
      soci::use(claim.traceparent, "traceparent"), soci::use(at_ms, "created_at_ms"),
      soci::use(at_ms, "updated_at_ms");
}

bool FinishClaimOfOrder(soci::session& session, const OrderId& order_id,
                        const storage::StoredResponse& response, TimestampMs now_ms) {
  const long long updated_at_ms = now_ms;
  soci::statement statement =
      (session.prepare << "UPDATE payment_requests SET status_code = :status_code, "
                          "response_body = :response_body, updated_at_ms = :updated_at_ms "
                          "WHERE order_id = :order_id AND status_code IS NULL",
       soci::use(response.status, "status_code"), soci::use(response.body, "response_body"),
       soci::use(updated_at_ms, "updated_at_ms"), soci::use(order_id.value(), "order_id"));
  statement.execute(true);
  return statement.get_affected_rows() == 1;
}

}  // namespace tinysaga::payment
