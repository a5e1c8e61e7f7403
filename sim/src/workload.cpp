#include "workload.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "processes.h"
#include "tinysaga/platform/caller.h"

namespace tinysaga::sim {
namespace {

constexpr int kUsers = 16;
constexpr int kProducts = 6;
// A client sends a request again, with the same Idempotency-Key, after a 5xx or no answer,
// waiting twice as long each time (from the first wait of its kind, up to kRetryWaitMaxMs),
// for three minutes and more: longer than a crash's restart and a hang, with attempts to
// spare for the random faults after them, as a customer's app keeps trying.
constexpr int kAttemptsMax = 12;
constexpr int64_t kRetryWaitMaxMs = 30'000;

// No answer, or a 5xx that is not the key's stored final answer (Idempotent-Replayed: e.g. a
// payment the reconciler failed, whose 503 is replayed for good).
bool Retryable(const Result<http::Response>& response) {
  return !response.ok() ||
         (response->status >= 500 && response->Header("Idempotent-Replayed") != "true");
}

}  // namespace

Workload::Workload(Rng& rng, InProcessNetwork& network, int orders, TimestampMs start_ms)
    : rng_(rng), network_(network) {
  for (int i = 0; i < kUsers; ++i) users_.push_back("user" + std::to_string(i));
  for (int i = 0; i < kProducts; ++i) products_.push_back("product" + std::to_string(i));
  TimestampMs at_ms = start_ms;
  for (int i = 0; i < orders; ++i) {
    PlannedOrder order;
    order.user_id = users_[rng_.Below(users_.size())];
    order.product_id = products_[rng_.Below(products_.size())];
    order.quantity = 1 + static_cast<int64_t>(rng_.Below(3));
    orders_.push_back(std::move(order));
    at_ms += static_cast<int64_t>(rng_.Below(40));  // a new customer every 20 ms on average
    Schedule(at_ms, Action{Kind::kCreate, i, 1});
  }
}

Result<void> Workload::Seed() {
  for (const std::string& product_id : products_) {
    const int64_t price_cents = 500 + static_cast<int64_t>(rng_.Below(15'000));
    // One product in four is scarce, so that orders run out of stock after their payment.
    // The others hold more than the run's orders ask of them (each product draws one order in
    // six, two units on average, so about orders/3 units), so that most planned orders run a
    // saga instead of being refused at creation once the catalogue is empty.
    const int64_t plenty = static_cast<int64_t>(orders_.size()) / 2;
    const int64_t stock = rng_.Below(4) == 0 ? static_cast<int64_t>(rng_.Below(4))
                                             : 10 + plenty + static_cast<int64_t>(rng_.Below(40));
    const nlohmann::json product = {{"productId", product_id},
                                    {"productName", "Simulated " + product_id},
                                    {"productType", "sim"},
                                    {"price", price_cents}};
    auto created = Send("inventory", "", "POST", "/api/products", product.dump(), "");
    if (!created.ok() || created->status != 201) {
      return MakeError(Errc::kInternal, "seeding " + product_id + " failed");
    }
    auto stocked = Send("inventory", "", "PUT", "/api/products/" + product_id + "/stock",
                        nlohmann::json{{"availableCount", stock}}.dump(), "");
    if (!stocked.ok() || stocked->status != 200) {
      return MakeError(Errc::kInternal, "stocking " + product_id + " failed");
    }
  }
  for (const std::string& user_id : users_) {
    // One wallet in five is poor: its orders fail for insufficient funds. The others hold
    // about what their share of the run's orders costs (an order is $160 on average).
    const int64_t plenty = static_cast<int64_t>(orders_.size()) * 1'000;
    const int64_t deposit_cents = rng_.Below(5) == 0
                                      ? 100 + static_cast<int64_t>(rng_.Below(2'000))
                                      : 20'000 + plenty + static_cast<int64_t>(rng_.Below(200'000));
    auto deposited = Send("wallet", "", "POST", "/api/wallets/" + user_id + "/deposits",
                          nlohmann::json{{"amount", deposit_cents}}.dump(), "seed-" + user_id);
    if (!deposited.ok() || deposited->status != 201) {
      return MakeError(Errc::kInternal, "deposit for " + user_id + " failed");
    }
  }
  return Ok();
}

void Workload::Schedule(TimestampMs at_ms, Action action) {
  actions_.emplace(std::pair{at_ms, scheduled_++}, action);
}

std::optional<TimestampMs> Workload::NextAt() const {
  if (actions_.empty()) return std::nullopt;
  return actions_.begin()->first.first;
}

size_t Workload::RunDue(TimestampMs now_ms) {
  size_t ran = 0;
  while (!actions_.empty() && actions_.begin()->first.first <= now_ms) {
    const Action action = actions_.begin()->second;
    actions_.erase(actions_.begin());
    Run(now_ms, action);
    ++ran;
  }
  return ran;
}

bool Workload::Retry(TimestampMs now_ms, Action action, int64_t after_ms) {
  if (action.attempt >= kAttemptsMax) {
    ++given_up_;
    return false;
  }
  for (int i = 1; i < action.attempt && after_ms < kRetryWaitMaxMs; ++i) after_ms *= 2;
  ++action.attempt;
  Schedule(now_ms + std::min(after_ms, kRetryWaitMaxMs), action);
  return true;
}

bool Workload::AskNextProduct(PlannedOrder& order) const {
  if (order.products_asked >= static_cast<int>(products_.size())) return false;
  const auto at = std::find(products_.begin(), products_.end(), order.product_id);
  const auto next = static_cast<size_t>(at - products_.begin() + 1) % products_.size();
  order.product_id = products_[next];
  ++order.products_asked;
  return true;
}

void Workload::Run(TimestampMs now_ms, const Action& action) {
  PlannedOrder& order = orders_[static_cast<size_t>(action.order)];
  const std::string index = std::to_string(action.order);
  switch (action.kind) {
    case Kind::kCreate: {
      // A product that refused an earlier customer shows as sold out: this one asks for the
      // next product instead, as a shop's page would lead them, rather than be refused again.
      // (A request sent again keeps its product: its first sending may have created an order.)
      while (action.attempt == 1 && sold_out_.contains(order.product_id)) {
        if (!AskNextProduct(order)) return;
      }
      const nlohmann::json body = {{"productId", order.product_id}, {"quantity", order.quantity}};
      // Each product asked for is a request of its own (its own key).
      const std::string key =
          "sim-order-" + index +
          (order.products_asked > 1 ? "-" + std::to_string(order.products_asked) : std::string());
      auto created = Send("order", order.user_id, "POST", "/api/orders", body.dump(), key);
      if (Retryable(created)) {
        Retry(now_ms, action, 500);
        return;
      }
      if (created->status != 201) {
        // Refused (the product is sold out): the customer tries the next product, so that
        // most planned orders run a saga; once every product refused, they give up.
        sold_out_.insert(order.product_id);
        if (AskNextProduct(order)) Schedule(now_ms + 1, Action{Kind::kCreate, action.order, 1});
        return;
      }
      order.order_id = nlohmann::json::parse(created->body).value("orderId", "");
      // One order in twenty is never paid: it stays INITIATED, which is a state at rest.
      if (rng_.Below(20) == 0) return;
      Schedule(now_ms + static_cast<int64_t>(rng_.Below(50)), Action{Kind::kPay, action.order, 1});
      return;
    }
    case Kind::kPay: {
      auto paid = Send("payment", order.user_id, "POST", "/api/payment",
                       nlohmann::json{{"orderId", order.order_id}}.dump(), "sim-pay-" + index);
      if (Retryable(paid)) {
        Retry(now_ms, action, 2'000);
        return;
      }
      // Some paid orders are canceled later (a no-op unless PLACED by then).
      if (paid->status == 200 && rng_.Below(100) < 15) {
        Schedule(now_ms + 1'000 + static_cast<int64_t>(rng_.Below(20'000)),
                 Action{Kind::kCancel, action.order, 1});
      }
      return;
    }
    case Kind::kCancel: {
      auto canceled =
          Send("order", order.user_id, "POST", "/api/orders/" + order.order_id + "/cancel", "", "");
      if (Retryable(canceled)) Retry(now_ms, action, 1'000);
      return;
    }
  }
}

Result<http::Response> Workload::Send(const std::string& service, const std::string& user_id,
                                      std::string method, std::string target, std::string body,
                                      std::string idempotency_key) {
  http::Request request;
  request.method = std::move(method);
  request.target = std::move(target);
  request.body = std::move(body);
  request.headers.emplace_back("Content-Type", "application/json");
  if (!idempotency_key.empty()) {
    request.headers.emplace_back(std::string(platform::kIdempotencyKeyHeader),
                                 std::move(idempotency_key));
  }
  const platform::Caller caller = user_id.empty()
                                      ? platform::Caller{platform::CallerRole::kAdmin, "sim-admin"}
                                      : platform::Caller{platform::CallerRole::kUser, user_id};
  platform::SetCallerHeaders(request.headers, kSimSecret, caller);
  return network_.Call(InProcessNetwork::EndpointOf(service), std::move(request));
}

}  // namespace tinysaga::sim
