// POST /api/payment: the order saga's entry (README "The payment flow"). Two short
// transactions around the HTTP calls, none held across them:
//   checks (key, body, order) -> transaction 1 (PENDING payment + key claimed)
//   -> order INITIATED -> PAYMENT_PENDING -> wallet debit with retries
//   -> transaction 2 (outcome + event + final response of the key) -> answer.

#include <nlohmann/json.hpp>

#include "payment/handlers/payment_api.h"
#include "payment/log.h"
#include "payment/payment_repository.h"
#include "payment/payment_requests.h"
#include "payment/refund_queue.h"
#include "tinysaga/contracts/codec.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/core/breaks.h"
#include "tinysaga/core/json_reader.h"
#include "tinysaga/http/problem.h"
#include "tinysaga/platform/messaging.h"
#include "tinysaga/platform/service.h"
#include "tinysaga/storage/idempotency.h"

namespace tinysaga::payment {
namespace {

// Services act for the system; their keys live in a scope no user id can name (as in
// platform::Idempotent).
constexpr std::string_view kServiceScope = "@service";
constexpr std::string_view kReplayedHeader = "Idempotent-Replayed";
constexpr std::string_view kTraceparentHeader = "traceparent";

http::Response ProblemFor(const Error& error) {
  if (error.code != Errc::kInternal) return http::Problem(error);
  Log()->error("internal error: {}", error.detail);
  return http::Problem(500, "internal", "internal error");
}

Result<OrderId> ParseOrderIdBody(const std::string& body) {
  TS_ASSIGN_OR_RETURN(JsonReader json, JsonReader::ParseBody(body));
  auto order_id = json.ReadId<OrderId>("orderId");
  TS_RETURN_IF_ERROR(json.Finish());
  return order_id;
}

storage::StoredResponse ToStored(const http::Response& response) {
  return storage::StoredResponse{response.status, response.body};
}

// A stored final response as it was first sent: JSON for 2xx, a problem otherwise.
http::Response FromStored(const storage::StoredResponse& stored, bool replayed) {
  http::Response response{.status = stored.status, .headers = {}, .body = stored.body};
  const bool success = stored.status >= 200 && stored.status < 300;
  http::SetHeader(response.headers, "Content-Type",
                  success ? "application/json" : "application/problem+json");
  if (replayed) http::SetHeader(response.headers, kReplayedHeader, "true");
  return response;
}

// What a claimed key means for a new request with it; nullopt when the key is new.
std::optional<http::Response> AnswerFor(const std::optional<ClaimState>& state,
                                        const std::string& fingerprint) {
  if (!state) return std::nullopt;
  if (state->claim.fingerprint != fingerprint) {
    return http::Problem(
        MakeError(Errc::kIdempotencyMismatch,
                  "this Idempotency-Key was already used for a different request"));
  }
  if (state->response) return FromStored(*state->response, /*replayed=*/true);
  return http::Problem(409, "idempotency-in-progress",
                       "a request with this Idempotency-Key is still being processed");
}

nlohmann::json CompletedBody(const OrderView& order, const TransactionId& payment_id) {
  return {{"orderId", order.order_id.value()},
          {"transactionId", payment_id.value()},
          {"paymentStatus", FormatPaymentStatus(PaymentStatus::kCompleted)},
          {"amount", order.price.cents()},
          {"currency", order.price.currency()},
          {"orderStatus", kOrderPaymentPending}};
}

contracts::PaymentFailed FailedEvent(const OrderView& order, contracts::PaymentFailure failure) {
  return contracts::PaymentFailed{.user_id = order.user_id,
                                  .amount = order.price,
                                  .product_id = order.product_id,
                                  .quantity = order.quantity,
                                  .failure = failure};
}

}  // namespace

http::Response PaymentApi::PostPayment(const http::Request& request,
                                       const platform::Caller& caller) {
  if (!caller.authenticated()) {
    return ProblemFor(MakeError(Errc::kUnauthorized, "authentication required"));
  }
  const std::optional<std::string_view> key = request.Header(platform::kIdempotencyKeyHeader);
  if (!key || !storage::IsValidIdempotencyKey(*key)) {
    return ProblemFor(MakeError(Errc::kInvalidRequest,
                                "the Idempotency-Key header (1-128 printable ASCII characters) "
                                "is required"));
  }
  auto order_id = ParseOrderIdBody(request.body);
  if (!order_id.ok()) return ProblemFor(order_id.error());
  const std::string path = request.path.empty() ? request.target : request.path;
  const std::string traceparent(request.Header(kTraceparentHeader).value_or(""));
  Attempt attempt{
      .scope = caller.role == platform::CallerRole::kService ? std::string(kServiceScope)
                                                             : caller.user_id,
      .key = std::string(*key),
      .fingerprint = storage::RequestFingerprint(request.method, path, request.body),
      .traceparent = contracts::IsValidTraceparent(traceparent) ? traceparent : std::string(),
      .order_id = std::move(order_id).value(),
      .order = std::nullopt,
      .payment = std::nullopt};
  if (auto answer = AnswerForClaimedKey(attempt)) return *answer;

  // The order, read before anything is written: a refusal here changes nothing.
  auto order = orders_.GetOrder(attempt.order_id);
  if (!order.ok()) return ProblemFor(order.error());
  if (!caller.CanAccess(order->user_id.value())) {
    return ProblemFor(MakeError(Errc::kNotFound, "no such order"));
  }
  if (order->status != kOrderInitiated) {
    return ProblemFor(MakeError(Errc::kConflict, "order " + attempt.order_id.value() + " is " +
                                                     order->status +
                                                     "; only an INITIATED order can be paid"));
  }
  if (order->price.cents() < 1) {
    return ProblemFor(MakeError(Errc::kUnprocessable, "the order has no price to pay"));
  }
  attempt.order = std::move(order).value();
  if (auto refused = ClaimPayment(attempt)) return *refused;
  return Finish(attempt, MoveOrderAndDebit(attempt));
}

std::optional<http::Response> PaymentApi::AnswerForClaimedKey(const Attempt& attempt) {
  auto state = db_.Read<std::optional<ClaimState>>(
      [&](soci::session& session) -> Result<std::optional<ClaimState>> {
        return FindClaim(session, attempt.scope, attempt.key);
      });
  if (!state.ok()) return ProblemFor(state.error());
  return AnswerFor(*state, attempt.fingerprint);
}

std::optional<http::Response> PaymentApi::ClaimPayment(Attempt& attempt) {
  const OrderView& order = *attempt.order;
  const TransactionId payment_id(NewId("txn", rng_));
  const TimestampMs now_ms = clock_.NowMs();
  std::optional<http::Response> refused;
  auto written = db_.Write<bool>([&](soci::session& session) -> Result<bool> {
    // A twin request with the same key may have claimed it since the first look.
    refused = AnswerFor(FindClaim(session, attempt.scope, attempt.key), attempt.fingerprint);
    if (refused) return false;
    if (auto existing = FindOrderTransaction(session, order.order_id, TransactionType::kPayment)) {
      refused = ProblemFor(MakeError(
          Errc::kConflict, "order " + order.order_id.value() + " already has a payment (" +
                               std::string(FormatPaymentStatus(*existing->payment_status)) + ")"));
      return false;
    }
    InsertTransaction(session,
                      Transaction{.transaction_id = payment_id,
                                  .user_id = order.user_id,
                                  .order_id = order.order_id,
                                  .type = TransactionType::kPayment,
                                  .payment_status = PaymentStatus::kPending,
                                  .amount_cents = order.price.cents(),
                                  .currency = order.price.currency(),
                                  .timestamp_ms = now_ms,
                                  .description = "Payment for order " + order.order_id.value()});
    InsertClaim(session,
                PaymentClaim{.scope = attempt.scope,
                             .key = attempt.key,
                             .fingerprint = attempt.fingerprint,
                             .order_id = order.order_id,
                             .product_id = order.product_id,
                             .quantity = order.quantity,
                             .traceparent = attempt.traceparent},
                now_ms);
    return true;
  });
  if (!written.ok()) {
    // PostgreSQL: a concurrent twin inserted the key or the order's payment first.
    if (written.error().code == Errc::kConflict) {
      if (auto answer = AnswerForClaimedKey(attempt)) return answer;
      return ProblemFor(MakeError(Errc::kConflict, "the order is being paid by another request"));
    }
    return ProblemFor(written.error());
  }
  if (refused) return refused;
  attempt.payment = payment_id;
  Log()->info("payment {} PENDING order={} user={} amount={}", payment_id.value(),
              order.order_id.value(), order.user_id.value(), order.price.cents());
  return std::nullopt;
}

// INITIATED -> PAYMENT_PENDING at the Order service. A 409 may be our own request seen twice:
// when Order dies after committing the change and before answering, the HTTP client sends the
// request again on a new connection and the restarted Order refuses it, the order being
// PAYMENT_PENDING already. Only the request holding the order's PENDING payment row (unique
// per order) ever asks for this change, and nothing else moves an order out of INITIATED into
// PAYMENT_PENDING, so an order found PAYMENT_PENDING was moved by this request. (Found by the
// crash test.)
Result<void> PaymentApi::MovedToPaymentPending(const OrderId& order_id) {
  auto moved = orders_.MarkPaymentPending(order_id);
  if (moved.ok() || moved.error().code != Errc::kConflict) return moved;
  auto order = orders_.GetOrder(order_id);
  if (order.ok() && order->status == kOrderPaymentPending) {
    Log()->warn("order={} was already PAYMENT_PENDING: our change, its answer lost", order_id.value());
    return Ok();
  }
  return moved;
}

PaymentApi::Outcome PaymentApi::MoveOrderAndDebit(const Attempt& attempt) {
  const OrderView& order = *attempt.order;
  const auto unavailable = [&](const std::string& detail, bool void_debit) {
    return Outcome{.status = PaymentStatus::kFailed,
                   .reason = FailureReason::kUnavailable,
                   .event = FailedEvent(order, contracts::PaymentFailure::kUnavailable),
                   .void_debit = void_debit,
                   .response = http::Problem(503, "service-unavailable", detail)};
  };
  if (auto moved = MovedToPaymentPending(order.order_id); !moved.ok()) {
    const Error& error = moved.error();
    if (error.code == Errc::kConflict || error.code == Errc::kNotFound) {
      // The order changed meanwhile (e.g. canceled): it never became PAYMENT_PENDING and
      // nothing was debited, so there is no saga to start.
      return Outcome{.status = PaymentStatus::kFailed,
                     .reason = FailureReason::kOrderRejected,
                     .event = std::nullopt,
                     .void_debit = false,
                     .response = http::Problem(error)};
    }
    // Unknown whether the order moved; nothing was debited. The saga started by the event
    // fails the order from either status.
    return unavailable("the Order service did not confirm the payment: " + error.detail, false);
  }
  auto debit = wallet_.Debit(order.order_id, order.user_id, order.price);
  if (debit.ok()) {
    return Outcome{.status = PaymentStatus::kCompleted,
                   .reason = std::nullopt,
                   .event = contracts::PaymentCompleted{.user_id = order.user_id,
                                                        .amount = order.price,
                                                        .transaction_id = *attempt.payment,
                                                        .product_id = order.product_id,
                                                        .quantity = order.quantity},
                   .void_debit = false,
                   .response = http::Response::Json(200, CompletedBody(order, *attempt.payment))};
  }
  if (debit.error().code == Errc::kInsufficientFunds) {
    return Outcome{.status = PaymentStatus::kFailed,
                   .reason = FailureReason::kInsufficientFunds,
                   .event = FailedEvent(order, contracts::PaymentFailure::kInsufficientFunds),
                   .void_debit = false,
                   .response = http::Problem(
                       402, "insufficient-funds",
                       "the wallet cannot pay " + std::to_string(order.price.cents()) + " cents")};
  }
  // Retries exhausted (or a refusal that retrying cannot change): the debit may have gone
  // through unseen, so its void is queued with the outcome.
  Log()->warn("payment {} order={}: wallet failed: {}", attempt.payment->value(),
              order.order_id.value(), debit.error().detail);
  return unavailable(
      "the wallet could not be reached; the payment failed and any debit that "
      "went through is given back",
      true);
}

http::Response PaymentApi::Finish(const Attempt& attempt, Outcome outcome) {
  const OrderView& order = *attempt.order;
  const TimestampMs now_ms = clock_.NowMs();
  bool appended = false;
  auto written = db_.Write<http::Response>([&](soci::session& session) -> Result<http::Response> {
    appended = false;
    if (!FinishPaymentIf(session, *attempt.payment, outcome.status, outcome.reason, now_ms)) {
      // The reconciler resolved this payment first (the request outlived the stale limit):
      // its outcome, event and response stand.
      auto state = FindClaimOfOrder(session, order.order_id);
      if (state && state->response) return FromStored(*state->response, /*replayed=*/false);
      return MakeError(Errc::kInternal, "payment " + attempt.payment->value() +
                                            " was resolved without a response for its request");
    }
    if (outcome.event) {
      platform::AppendMessage(
          session, contracts::kPaymentEventsTopic,
          platform::NewEvent(order.order_id, *outcome.event, now_ms, rng_, attempt.traceparent),
          now_ms);
      appended = true;
    }
    // --break void-of-unseen-debit-skipped (simulator only, core/breaks.h) removes the void:
    // a debit the wallet applied while its answer was lost stays taken.
    if (outcome.void_debit && !IsBroken(Break::kVoidOfUnseenDebitSkipped)) {
      EnqueueVoid(session, order.order_id, order.user_id, now_ms);
    }
    FinishClaimOfOrder(session, order.order_id, ToStored(outcome.response), now_ms);
    return outcome.response;
  });
  if (!written.ok()) {
    // A commit reported failed may still have taken effect, and then the key holds the
    // outcome. If it did not, the payment stays PENDING and the key in progress; the reconciler
    // fails the payment, voids any debit and stores a 503 for the key. Either way the same key
    // asked again answers what happened.
    Log()->error("payment {} order={}: outcome not recorded: {}", attempt.payment->value(),
                 order.order_id.value(), written.error().detail);
    return http::Problem(503, "service-unavailable",
                         "the payment's outcome may not have been recorded; ask again with the "
                         "same Idempotency-Key to learn it (a payment left unrecorded fails on "
                         "its own, and any debit is given back)");
  }
  if (appended && notify_outbox_) notify_outbox_();
  Log()->info("payment {} order={} user={} -> HTTP {}", attempt.payment->value(),
              order.order_id.value(), order.user_id.value(), written->status);
  return std::move(written).value();
}

}  // namespace tinysaga::payment
