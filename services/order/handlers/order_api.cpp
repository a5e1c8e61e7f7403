#include "order/handlers/order_api.h"

#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "order/domain/list_query.h"
#include "order/domain/order.h"
#include "order/handlers/order_json.h"
#include "order/handlers/saga_operations.h"
#include "order/handlers/saga_view.h"
#include "order/order_repository.h"
#include "tinysaga/contracts/topics.h"
#include "tinysaga/core/json_reader.h"
#include "tinysaga/core/query.h"
#include "tinysaga/http/problem.h"
#include "tinysaga/platform/messaging.h"
#include "tinysaga/platform/service.h"
#include "tinysaga/saga/choreography.h"
#include "tinysaga/saga/definition_json.h"
#include "tinysaga/saga/view.h"
#include "tinysaga/sagas/order_sagas.h"
#include "tinysaga/storage/idempotency.h"

namespace tinysaga::order {
namespace {

using platform::Caller;
using platform::CallerRole;

// Status infos are limited in characters; a UTF-8 character takes at most 4 bytes.
constexpr size_t kStatusInfoBytesMax = kStatusInfoLengthMax * 4;
// An operator's reason for a saga verb, as the orchestrator and the dead letters take it.
constexpr size_t kSagaReasonBytesMax = 500;
// GET /api/sagas?stuckForS: at most a year.
constexpr int64_t kStuckForSecondsMax = 365LL * 24 * 60 * 60;

Result<void> RequireAuthenticated(const Caller& caller) {
  if (!caller.authenticated()) return MakeError(Errc::kUnauthorized, "authentication required");
  return Ok();
}

// Orders belong to a user: users and admins place them; a service caller has no user id.
Result<UserId> OrderingUser(const Caller& caller) {
  TS_RETURN_IF_ERROR(RequireAuthenticated(caller));
  if (caller.role == CallerRole::kService) {
    return MakeError(Errc::kForbidden, "orders are placed by users");
  }
  return UserId(caller.user_id);
}

// Ids in paths that cannot exist are simply not found.
Result<OrderId> PathOrderId(const http::Request& request) {
  auto it = request.path_params.find("orderId");
  if (it == request.path_params.end() || !IsValidId(it->second)) {
    return MakeError(Errc::kNotFound, "order not found");
  }
  return OrderId(it->second);
}

// A present, non-empty query parameter ("?status=" counts as absent).
std::optional<std::string> QueryValue(const http::Request& request, const std::string& name) {
  auto it = request.query.find(name);
  if (it == request.query.end() || it->second.empty()) return std::nullopt;
  return it->second;
}

// The order if it exists and the caller may see it; others' orders are not found (API.md).
Result<Order> LoadVisibleOrder(soci::session& session, const OrderId& order_id,
                               const Caller& caller) {
  auto order = FindOrder(session, order_id);
  if (!order || !caller.CanAccess(order->user_id.value())) {
    return MakeError(Errc::kNotFound, "order '" + order_id.value() + "' not found");
  }
  return std::move(*order);
}

// A body for a route that takes no fields: nothing, blank or {}.
Result<void> CheckEmptyBody(const std::string& body_text) {
  TS_ASSIGN_OR_RETURN(JsonReader body, JsonReader::ParseBody(body_text));
  return body.Finish();
}

struct CreateInput {
  ProductId product_id;
  int64_t quantity = 0;
};

Result<CreateInput> ParseCreate(const std::string& body_text) {
  TS_ASSIGN_OR_RETURN(JsonReader body, JsonReader::ParseBody(body_text));
  auto product_id = body.ReadId<ProductId>("productId");
  const int64_t quantity = body.Integer("quantity", kQuantityMin, kQuantityMax);
  TS_RETURN_IF_ERROR(body.Finish());
  return CreateInput{std::move(product_id), quantity};
}

struct UpdateInput {
  std::optional<ProductId> product_id;
  std::optional<int64_t> quantity;
};

Result<UpdateInput> ParseUpdate(const std::string& body_text) {
  TS_ASSIGN_OR_RETURN(JsonReader body, JsonReader::ParseBody(body_text));
  UpdateInput input;
  input.product_id = body.OptionalId<ProductId>("productId");
  input.quantity = body.OptionalInteger("quantity", kQuantityMin, kQuantityMax);
  TS_RETURN_IF_ERROR(body.Finish());
  if (!input.product_id && !input.quantity) {
    return MakeError(Errc::kInvalidRequest, "body must contain 'quantity' and/or 'productId'");
  }
  return input;
}

struct StatusInput {
  OrderStatus status = OrderStatus::kOnWay;
  std::string status_info;
};

Result<StatusInput> ParseStatus(const std::string& body_text) {
  TS_ASSIGN_OR_RETURN(JsonReader body, JsonReader::ParseBody(body_text));
  auto status = ParseOrderStatus(body.String("status", 0, 32));
  // The other statuses belong to the sagas and to cancel.
  if (body.ok() && status != OrderStatus::kOnWay && status != OrderStatus::kDelivered) {
    body.Fail("status", "must be \"ON_WAY\" or \"DELIVERED\"");
  }
  // An empty statusInfo is no information, as when it is left out (openapi.json allows it).
  std::string status_info = body.OptionalString("statusInfo", 0, kStatusInfoBytesMax).value_or("");
  TS_RETURN_IF_ERROR(body.Finish());
  StatusInput input{*status, std::move(status_info)};
  TS_RETURN_IF_ERROR(CheckStatusInfo(input.status_info));
  return input;
}

struct ListInput {
  OrderFilter filter;
  int limit = kListLimitDefault;
};

Result<ListInput> ParseList(const http::Request& request, const Caller& caller) {
  ListInput input;
  if (auto status_text = QueryValue(request, "status")) {
    input.filter.status = ParseOrderStatus(*status_text);
    if (!input.filter.status) {
      return MakeError(Errc::kInvalidRequest, "query parameter 'status' is not an order status");
    }
  }
  TS_ASSIGN_OR_RETURN(input.limit, ParseLimit(QueryValue(request, "limit")));
  if (auto cursor_text = QueryValue(request, "cursor")) {
    TS_ASSIGN_OR_RETURN(input.filter.after, ParseCursor(*cursor_text));
  }
  auto user_id = QueryValue(request, "userId");
  if (user_id && !IsValidName(*user_id)) {
    return MakeError(Errc::kInvalidRequest,
                     "query parameter 'userId' must match [A-Za-z0-9_-]{1,64}");
  }
  if (caller.privileged()) {
    if (user_id) input.filter.user_id = UserId(*user_id);
  } else {
    // A user lists their own orders; naming anyone else is asking for what does not exist.
    if (user_id && *user_id != caller.user_id) return MakeError(Errc::kNotFound, "user not found");
    input.filter.user_id = UserId(caller.user_id);
  }
  input.filter.limit = input.limit + 1;  // one more tells whether there is a next page
  return input;
}

std::optional<Actor> CancelActor(const Caller& caller) {
  if (caller.role == CallerRole::kUser) return Actor::kCustomer;
  if (caller.role == CallerRole::kAdmin) return Actor::kAdmin;
  return std::nullopt;  // the sagas cancel through their own messages, not this endpoint
}

Error CancelRefused(const Order& order) {
  const std::string status(FormatOrderStatus(order.status));
  if (IsTerminal(order.status)) {
    return MakeError(Errc::kConflict,
                     "order is " + status + ", a final status; it can no longer be canceled");
  }
  if (order.status == OrderStatus::kOnWay) {
    return MakeError(Errc::kConflict, "order is ON_WAY; a shipped order can no longer be canceled");
  }
  return MakeError(Errc::kConflict, "order is " + status +
                                        "; its payment is being processed, so it cannot be "
                                        "canceled until it is PLACED");
}

// The order with its history, as every single-order answer has it.
http::Response OrderResponse(soci::session& session, const Order& order, int status = 200) {
  return http::Response::Json(status, OrderJson(order, ListStatusChanges(session, order.order_id)));
}

}  // namespace

OrderApi::OrderApi(storage::Db& db, const Clock& clock, Rng& rng, InventoryClient& inventory,
                   OrderApiHooks hooks)
    : db_(db), clock_(clock), rng_(rng), inventory_(inventory), hooks_(std::move(hooks)) {}

void OrderApi::Changed(const OrderId& order_id, bool event_appended) {
  if (event_appended && hooks_.notify_outbox) hooks_.notify_outbox();
  if (hooks_.order_changed) hooks_.order_changed(order_id);
}

http::Response OrderApi::Create(const http::Request& request, const Caller& caller) {
  auto user_id = OrderingUser(caller);
  if (!user_id.ok()) return http::Problem(user_id.error());
  auto key = request.Header(platform::kIdempotencyKeyHeader);
  if (!key || !storage::IsValidIdempotencyKey(*key)) {
    return http::Problem(
        MakeError(Errc::kInvalidRequest,
                  "header 'Idempotency-Key' is required (1-128 printable ASCII characters)"));
  }
  auto input = ParseCreate(request.body);
  if (!input.ok()) return http::Problem(input.error());

  // A key seen before is answered from the idempotency table alone: the replay must not
  // depend on the product as it is now, and Inventory need not be asked again.
  // The same scope, path and fingerprint as platform::Idempotent computes.
  const std::string path = request.path.empty() ? request.target : request.path;
  const std::string fingerprint = storage::RequestFingerprint(request.method, path, request.body);
  auto known = db_.Read<std::optional<storage::StoredResponse>>([&](soci::session& session) {
    return storage::FindIdempotentResponse(session, caller.user_id, *key, fingerprint);
  });
  if (!known.ok() && known.error().code != Errc::kIdempotencyMismatch)
    return http::Problem(known.error());
  if (!known.ok() || known->has_value()) {
    // platform::Idempotent replays (or refuses a reused key) inside its transaction. The
    // effect runs only if the key vanished in between, which a client may simply retry.
    return platform::Idempotent(
        request, caller, db_, clock_, [](soci::session&) -> Result<http::Response> {
          return MakeError(Errc::kConflict, "the Idempotency-Key changed state meanwhile; retry");
        });
  }

  auto product = inventory_.GetProduct(input->product_id);
  if (!product.ok()) return http::Problem(product.error());
  auto created =
      CreateOrder(OrderId(NewId("ord", rng_)), *user_id, *product, input->quantity, clock_.NowMs());
  if (!created.ok()) return http::Problem(created.error());

  return platform::Idempotent(
      request, caller, db_, clock_, [&](soci::session& session) -> Result<http::Response> {
        InsertOrder(session, created->order);
        AppendStatusChange(session, created->order.order_id, created->first_change);
        return http::Response::Json(201, OrderJson(created->order, {created->first_change}));
      });
}

void OrderApi::Get(const http::Request& request, const Caller& caller, http::Respond respond) {
  if (auto status = RequireAuthenticated(caller); !status.ok())
    return respond(http::Problem(status.error()));
  auto order_id = PathOrderId(request);
  if (!order_id.ok()) return respond(http::Problem(order_id.error()));
  auto wait_ms = ParseQueryInteger("waitMs", request.Query("waitMs"), 0, kOrderWaitMsMax, 0);
  if (!wait_ms.ok()) return respond(http::Problem(wait_ms.error()));
  const uint64_t generation = hooks_.waits ? hooks_.waits->Generation() : 0;
  OrderWaits::Look now = Look(*order_id, caller, /*answer_if_moving=*/true);
  if (*wait_ms > 0 && now.saga_moving && hooks_.waits &&
      hooks_.waits->Hold(*order_id, caller, clock_.NowMs() + *wait_ms, generation, respond)) {
    return;
  }
  respond(std::move(*now.response));
}

OrderWaits::Look OrderApi::Look(const OrderId& order_id, const Caller& caller,
                                bool answer_if_moving) {
  OrderWaits::Look look;
  auto read = db_.Read<bool>([&](soci::session& session) -> Result<bool> {
    TS_ASSIGN_OR_RETURN(Order order, LoadVisibleOrder(session, order_id, caller));
    look.saga_moving = IsSagaMoving(order);
    if (!look.saga_moving || answer_if_moving) look.response = OrderResponse(session, order);
    return true;
  });
  if (!read.ok()) return {false, http::Problem(read.error())};
  return look;
}

http::Response OrderApi::EventsHead(const http::Request& request, const Caller& caller) {
  if (auto status = RequireAuthenticated(caller); !status.ok())
    return http::Problem(status.error());
  auto order_id = PathOrderId(request);
  if (!order_id.ok()) return http::Problem(order_id.error());
  auto visible = db_.Read<Order>([&](soci::session& session) -> Result<Order> {
    return LoadVisibleOrder(session, *order_id, caller);
  });
  if (!visible.ok()) return http::Problem(visible.error());
  http::Response head;
  head.status = 200;
  head.headers = {{"Content-Type", "text/event-stream"},
                  {"Cache-Control", "no-cache"},
                  {"X-Accel-Buffering", "no"}};  // proxies must pass events on at once
  return head;
}

http::Response OrderApi::List(const http::Request& request, const Caller& caller) {
  if (auto status = RequireAuthenticated(caller); !status.ok())
    return http::Problem(status.error());
  auto input = ParseList(request, caller);
  if (!input.ok()) return http::Problem(input.error());
  auto orders =
      db_.Read<std::vector<Order>>([&](soci::session& session) -> Result<std::vector<Order>> {
        return ListOrders(session, input->filter);
      });
  if (!orders.ok()) return http::Problem(orders.error());

  nlohmann::json next_cursor = nullptr;
  if (orders->size() > static_cast<size_t>(input->limit)) {
    orders->resize(input->limit);
    const Order& last = orders->back();
    next_cursor = FormatCursor(OrderCursor{last.created_at_ms, last.order_id});
  }
  nlohmann::json items = nlohmann::json::array();
  for (const Order& order : *orders) items.push_back(OrderJson(order));
  return http::Response::Json(
      200, {{"orders", std::move(items)}, {"nextCursor", std::move(next_cursor)}});
}

http::Response OrderApi::Update(const http::Request& request, const Caller& caller) {
  if (auto status = RequireAuthenticated(caller); !status.ok())
    return http::Problem(status.error());
  auto order_id = PathOrderId(request);
  if (!order_id.ok()) return http::Problem(order_id.error());
  auto input = ParseUpdate(request.body);
  if (!input.ok()) return http::Problem(input.error());

  // Look first, so that a request that will be refused costs no call to Inventory.
  auto current = db_.Read<Order>([&](soci::session& session) -> Result<Order> {
    TS_ASSIGN_OR_RETURN(Order order, LoadVisibleOrder(session, *order_id, caller));
    TS_RETURN_IF_ERROR(CheckRevisable(order));
    return order;
  });
  if (!current.ok()) return http::Problem(current.error());
  auto product = inventory_.GetProduct(input->product_id.value_or(current->product_id));
  if (!product.ok()) return http::Problem(product.error());
  const int64_t quantity = input->quantity.value_or(current->quantity);

  auto response = db_.Write<http::Response>([&](soci::session& session) -> Result<http::Response> {
    TS_ASSIGN_OR_RETURN(Order order, LoadVisibleOrder(session, *order_id, caller));
    TS_RETURN_IF_ERROR(ReviseOrder(order, *product, quantity, clock_.NowMs()));
    if (!UpdateOrderIf(session, order, OrderStatus::kInitiated)) {
      return MakeError(Errc::kConflict, "order changed meanwhile; it is no longer INITIATED");
    }
    return OrderResponse(session, order);
  });
  if (!response.ok()) return http::Problem(response.error());
  Changed(*order_id, /*event_appended=*/false);
  return std::move(response).value();
}

http::Response OrderApi::SetStatus(const http::Request& request, const Caller& caller) {
  if (auto status = RequireAuthenticated(caller); !status.ok())
    return http::Problem(status.error());
  if (caller.role != CallerRole::kAdmin) {
    return http::Problem(
        MakeError(Errc::kForbidden, "only an admin may change the shipping status"));
  }
  auto order_id = PathOrderId(request);
  if (!order_id.ok()) return http::Problem(order_id.error());
  auto input = ParseStatus(request.body);
  if (!input.ok()) return http::Problem(input.error());

  auto response = db_.Write<http::Response>([&](soci::session& session) -> Result<http::Response> {
    TS_ASSIGN_OR_RETURN(Order order, LoadVisibleOrder(session, *order_id, caller));
    const OrderStatus previous = order.status;
    TS_ASSIGN_OR_RETURN(StatusChange change, ChangeStatus(order, input->status, Actor::kAdmin,
                                                          input->status_info, clock_.NowMs()));
    if (!UpdateOrderIf(session, order, previous)) {
      return MakeError(Errc::kConflict, "order changed meanwhile; read it again");
    }
    AppendStatusChange(session, order.order_id, change);
    return OrderResponse(session, order);
  });
  if (!response.ok()) return http::Problem(response.error());
  Changed(*order_id, /*event_appended=*/false);
  return std::move(response).value();
}

http::Response OrderApi::Cancel(const http::Request& request, const Caller& caller) {
  if (auto status = RequireAuthenticated(caller); !status.ok())
    return http::Problem(status.error());
  auto actor = CancelActor(caller);
  if (!actor)
    return http::Problem(
        MakeError(Errc::kForbidden, "orders are canceled by their owner or an admin"));
  auto order_id = PathOrderId(request);
  if (!order_id.ok()) return http::Problem(order_id.error());
  // No body is expected; anything but nothing or {} is refused like any unknown field.
  if (auto empty = CheckEmptyBody(request.body); !empty.ok()) return http::Problem(empty.error());

  bool event_appended = false;
  auto response = db_.Write<http::Response>([&](soci::session& session) -> Result<http::Response> {
    event_appended = false;  // the transaction may be run again
    TS_ASSIGN_OR_RETURN(Order order, LoadVisibleOrder(session, *order_id, caller));
    switch (PlanCancel(order.status, *actor)) {
      case CancelPlan::kCancelNow:
        return CancelNow(session, order, *actor);
      case CancelPlan::kStartCancelSaga:
        return StartCancelSaga(session, order, event_appended);
      case CancelPlan::kRefuse:
        break;
    }
    return CancelRefused(order);
  });
  if (!response.ok()) return http::Problem(response.error());
  Changed(*order_id, event_appended);
  return std::move(response).value();
}

Result<http::Response> OrderApi::CancelNow(soci::session& session, Order& order, Actor actor) {
  const OrderStatus previous = order.status;
  TS_ASSIGN_OR_RETURN(StatusChange change,
                      ChangeStatus(order, OrderStatus::kCanceled, actor, "", clock_.NowMs()));
  if (!UpdateOrderIf(session, order, previous)) {
    return MakeError(Errc::kConflict, "order changed meanwhile; read it again");
  }
  AppendStatusChange(session, order.order_id, change);
  return OrderResponse(session, order);
}

// Records the request and puts OrderCancelRequested in the outbox, both in this transaction;
// the cancel saga (release stock, refund, MarkCanceled) takes it from there. 202: accepted,
// not done. A repeated request finds the first one and answers the same, with no new event.
Result<http::Response> OrderApi::StartCancelSaga(soci::session& session, Order& order,
                                                 bool& event_appended) {
  const TimestampMs now_ms = clock_.NowMs();
  TS_ASSIGN_OR_RETURN(bool requested_now, RequestCancel(order, now_ms));
  if (requested_now) {
    if (!RecordCancelRequestIf(session, order)) {
      return MakeError(Errc::kConflict, "order changed meanwhile; read it again");
    }
    TS_ASSIGN_OR_RETURN(Money amount, Money::FromCents(order.price_cents, order.currency));
    contracts::OrderCancelRequested event{order.user_id, std::move(amount), order.product_id,
                                          order.quantity};
    contracts::Message message = platform::NewEvent(order.order_id, std::move(event), now_ms, rng_);
    // Choreography: the cancel saga's start, with the event's id, so that the saga's messages
    // list it (issue 15). The orchestrator keeps its own record.
    if (hooks_.saga_view.mode == SagaMode::kChoreography) {
      AppendSagaFact(session, order.order_id,
                     {std::string(sagas::kCancelSagaType), "OrderCancelRequested", now_ms, "",
                      message.envelope.message_id});
    }
    platform::AppendMessage(session, contracts::kOrderEventsTopic, message, now_ms);
    event_appended = true;
  }
  return OrderResponse(session, order, 202);
}

http::Response OrderApi::PaymentPending(const http::Request& request, const Caller& caller) {
  // Only Payment moves an order into payment; to anyone else the route does not exist.
  if (caller.role != CallerRole::kService) {
    return http::Problem(MakeError(Errc::kNotFound, "no route for " + request.path));
  }
  auto order_id = PathOrderId(request);
  if (!order_id.ok()) return http::Problem(order_id.error());
  if (auto empty = CheckEmptyBody(request.body); !empty.ok()) return http::Problem(empty.error());

  auto response = db_.Write<http::Response>([&](soci::session& session) -> Result<http::Response> {
    TS_ASSIGN_OR_RETURN(Order order, LoadVisibleOrder(session, *order_id, caller));
    const OrderStatus previous = order.status;
    if (previous != OrderStatus::kInitiated) {
      // Also when it is PAYMENT_PENDING already: Payment keeps its own idempotency, and a
      // second payment for one order must not pass this gate.
      return MakeError(Errc::kConflict, "order is " + std::string(FormatOrderStatus(previous)) +
                                            "; only an INITIATED order can be paid");
    }
    TS_ASSIGN_OR_RETURN(StatusChange change, ChangeStatus(order, OrderStatus::kPaymentPending,
                                                          Actor::kSaga, "", clock_.NowMs()));
    if (!UpdateOrderIf(session, order, previous)) {
      return MakeError(Errc::kConflict, "order changed meanwhile; it is no longer INITIATED");
    }
    AppendStatusChange(session, order.order_id, change);
    return OrderResponse(session, order);
  });
  if (!response.ok()) return http::Problem(response.error());
  Changed(*order_id, /*event_appended=*/false);
  return std::move(response).value();
}

http::Response OrderApi::Saga(const http::Request& request, const Caller& caller) {
  if (auto status = RequireAuthenticated(caller); !status.ok())
    return http::Problem(status.error());
  auto order_id = PathOrderId(request);
  if (!order_id.ok()) return http::Problem(order_id.error());
  auto order = db_.Read<Order>([&](soci::session& session) -> Result<Order> {
    return LoadVisibleOrder(session, *order_id, caller);
  });
  if (!order.ok()) return http::Problem(order.error());
  const SagaViewSource& source = hooks_.saga_view;
  const SagaObservation saga =
      source.observe ? source.observe(*order_id) : SagaObservation{SagaPresence::kAbsent};
  switch (saga.presence) {
    case SagaPresence::kPresent:
      return http::Response::Text(200, saga.json, "application/json");
    case SagaPresence::kAbsent: {
      nlohmann::json body = saga::NotStartedViewJson(
          *sagas::DefaultDefinition(sagas::kOrderSagaType), *order_id, source.mode);
      body["userId"] = order->user_id.value();
      body["startedAt"] = nullptr;
      body["updatedAt"] = nullptr;
      body["earlierSagas"] = nlohmann::json::array();
      return http::Response::Json(200, body);
    }
    case SagaPresence::kUnknown:
      break;
  }
  return http::Problem(MakeError(Errc::kUnavailable, "the saga view is unavailable; try again"));
}

http::Response OrderApi::Sagas(const http::Request& request, const Caller& caller) {
  if (auto status = RequireAuthenticated(caller); !status.ok())
    return http::Problem(status.error());
  if (!caller.privileged())
    return http::Problem(MakeError(Errc::kForbidden, "the saga list is for admins"));
  auto limit = ParseLimit(QueryValue(request, "limit"));
  if (!limit.ok()) return http::Problem(limit.error());
  std::optional<OrderCursor> after;
  if (auto text = QueryValue(request, "cursor")) {
    auto cursor = ParseCursor(*text);
    if (!cursor.ok()) return http::Problem(cursor.error());
    after = *cursor;
  }
  const std::optional<std::string> state = QueryValue(request, "state");
  if (state && *state != "RUNNING" && *state != "COMPENSATING" && *state != "COMPLETED" &&
      *state != "FAILED" && *state != "GAVE_UP" && *state != "OVERDUE") {
    return http::Problem(MakeError(Errc::kInvalidRequest,
                                   "query parameter 'state' must be RUNNING, COMPENSATING, "
                                   "COMPLETED, FAILED, GAVE_UP or OVERDUE"));
  }
  const bool overdue = state == "OVERDUE";
  auto stuck_for_s =
      ParseQueryInteger("stuckForS", QueryValue(request, "stuckForS"), 1, kStuckForSecondsMax, 0);
  if (!stuck_for_s.ok()) return http::Problem(stuck_for_s.error());
  const TimestampMs now_ms = clock_.NowMs();
  // Whether `saga` (a view of `order`) passes the filters.
  auto wanted = [&](const Order& order, const nlohmann::json& saga) {
    const std::string shown = saga.value("state", "");
    const bool unfinished = shown == "RUNNING" || shown == "COMPENSATING";
    if (overdue && (!unfinished ||
                    DeadlineActionFor(order, hooks_.deadlines, now_ms) == DeadlineAction::kNone)) {
      return false;
    }
    if (state && !overdue && shown != *state) return false;
    if (*stuck_for_s > 0) {
      const auto updated = ParseRfc3339(saga.value("updatedAt", ""));
      if (!unfinished || !updated.ok() || *updated > now_ms - *stuck_for_s * 1000) return false;
    }
    return true;
  };
  // There is no saga table to page through: orders are, newest first, a bounded number per
  // request; the cursor says where the next page goes on.
  constexpr int kOrdersScannedMax = 2'000;
  auto response = db_.Read<http::Response>([&](soci::session& session) -> Result<http::Response> {
    nlohmann::json sagas = nlohmann::json::array();
    std::optional<OrderCursor> last;
    bool more = true;
    for (int scanned = 0;
         more && scanned < kOrdersScannedMax && sagas.size() < static_cast<size_t>(*limit);) {
      const std::vector<Order> orders =
          ListOrders(session, OrderFilter{.after = last ? last : after, .limit = kListLimitMax});
      more = orders.size() == static_cast<size_t>(kListLimitMax);
      for (const Order& order : orders) {
        ++scanned;
        last = OrderCursor{order.created_at_ms, order.order_id};
        auto saga = ChoreographySagaJson(session, order);
        if (saga && wanted(order, *saga)) {
          for (const char* detail : {"earlierSagas", "history", "messages"}) saga->erase(detail);
          sagas.push_back(std::move(*saga));
          if (sagas.size() == static_cast<size_t>(*limit)) {
            more = true;
            break;
          }
        }
      }
    }
    nlohmann::json next = more && last ? nlohmann::json(FormatCursor(*last)) : nullptr;
    return http::Response::Json(200, {{"sagas", std::move(sagas)}, {"nextCursor", next}});
  });
  return response.ok() ? std::move(response).value() : http::Problem(response.error());
}

http::Response OrderApi::SagaRetry(const http::Request& request, const Caller& caller) {
  return SagaVerb(request, caller, /*retry=*/true);
}

http::Response OrderApi::SagaAbort(const http::Request& request, const Caller& caller) {
  return SagaVerb(request, caller, /*retry=*/false);
}

http::Response OrderApi::SagaVerb(const http::Request& request, const Caller& caller, bool retry) {
  if (auto status = RequireAuthenticated(caller); !status.ok())
    return http::Problem(status.error());
  if (!caller.privileged())
    return http::Problem(MakeError(Errc::kForbidden, "the saga verbs are for admins"));
  auto order_id = PathOrderId(request);
  if (!order_id.ok()) return http::Problem(order_id.error());
  auto body = JsonReader::ParseBody(request.body);
  if (!body.ok()) return http::Problem(body.error());
  const std::string reason = body->NonBlankString("reason", kSagaReasonBytesMax);
  if (auto finished = body->Finish(); !finished.ok()) return http::Problem(finished.error());
  // Who acted: the admin's user id, or "service" for a service acting for the system.
  const saga::OperatorRequest operator_request{caller.user_id.empty() ? "service" : caller.user_id,
                                               reason};
  bool applied = false;
  auto response = db_.Write<http::Response>([&](soci::session& session) -> Result<http::Response> {
    const TimestampMs now_ms = clock_.NowMs();
    TS_ASSIGN_OR_RETURN(
        applied, retry
                     ? RetryChoreographedSaga(session, *order_id, operator_request, now_ms, rng_)
                     : AbortChoreographedSaga(session, *order_id, operator_request, now_ms, rng_));
    std::optional<Order> order = FindOrder(session, *order_id);
    std::optional<nlohmann::json> saga =
        order ? ChoreographySagaJson(session, *order) : std::nullopt;
    if (!saga) return MakeError(Errc::kNotFound, "order '" + order_id->value() + "' has no saga");
    return http::Response::Json(200, std::move(*saga));
  });
  const platform::OperatorVerb verb =
      retry ? platform::OperatorVerb::kRetry : platform::OperatorVerb::kAbort;
  if (!response.ok()) {
    // A failing database is not the operator's refusal: the verb may be asked again.
    if (!response.error().Retryable() && hooks_.operator_acted) {
      hooks_.operator_acted(verb, platform::OperatorOutcome::kRefused);
    }
    return http::Problem(response.error());
  }
  if (hooks_.operator_acted) {
    hooks_.operator_acted(verb, applied ? platform::OperatorOutcome::kApplied
                                        : platform::OperatorOutcome::kUnchanged);
  }
  if (applied) Changed(*order_id, /*event_appended=*/true);
  return std::move(response).value();
}

void OrderApi::RegisterSagaView(http::Server& server, const std::string& internal_secret) {
  platform::RouteGuarded(server, internal_secret, "GET", "/api/orders/{orderId}/saga", this,
                         &OrderApi::Saga);
}

http::Response OrderApi::SagaDefinitions(const http::Request&, const platform::Caller&) {
  // The definitions never change while the process runs.
  static const nlohmann::json kBody =
      saga::DefinitionsJson(sagas::DefaultDefinitions(), SagaMode::kChoreography);
  return http::Response::Json(200, kBody);
}

void OrderApi::RegisterSagaList(http::Server& server, const std::string& internal_secret) {
  platform::RouteGuarded(server, internal_secret, "GET", "/api/sagas", this, &OrderApi::Sagas);
  platform::RouteGuarded(server, internal_secret, "POST", "/api/orders/{orderId}/saga/retry", this,
                         &OrderApi::SagaRetry);
  platform::RouteGuarded(server, internal_secret, "POST", "/api/orders/{orderId}/saga/abort", this,
                         &OrderApi::SagaAbort);
  platform::RouteGuarded(server, internal_secret, "GET", "/api/sagas/definitions", this,
                         &OrderApi::SagaDefinitions, platform::RunsOn::kIoThread);
}

void OrderApi::Register(http::Server& server, const std::string& internal_secret) {
  platform::RouteGuarded(server, internal_secret, "POST", "/api/orders", this, &OrderApi::Create);
  platform::RouteGuarded(server, internal_secret, "GET", "/api/orders", this, &OrderApi::List);
  // Polled by clients until the saga ends, and read by Payment before each payment: a short
  // read, answered on the I/O thread (or held, with ?waitMs=, by the waits).
  server.RouteAsync(
      "GET", "/api/orders/{orderId}",
      platform::GuardedAsync(internal_secret, [this](const http::Request& request,
                                                     const Caller& caller, http::Respond respond) {
        Get(request, caller, std::move(respond));
      }));
  platform::RouteGuarded(server, internal_secret, "PUT", "/api/orders/{orderId}", this,
                         &OrderApi::Update);
  platform::RouteGuarded(server, internal_secret, "PUT", "/api/orders/{orderId}/status", this,
                         &OrderApi::SetStatus);
  platform::RouteGuarded(server, internal_secret, "POST", "/api/orders/{orderId}/cancel", this,
                         &OrderApi::Cancel);
  // Service to service only: the gateway routes /api/* alone, so clients never reach it.
  platform::RouteGuarded(server, internal_secret, "POST",
                         "/internal/orders/{orderId}/payment-pending", this,
                         &OrderApi::PaymentPending);
}

}  // namespace tinysaga::order
