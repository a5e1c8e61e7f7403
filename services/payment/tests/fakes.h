#pragma once
// Fakes of Payment's peers for its tests, each a real HTTP server on 127.0.0.1 (FakePeer):
// - FakeWallet: the wallet's debits and refunds with their real semantics (idempotent by
//   operation id; a refund credits the debit or voids its operation), in memory, plus faults:
//   answer 503 for a while, or apply the first debit and then hang until released (a slow
//   wallet whose answer arrives after the client gave up);
// - FakeOrders: GET /api/orders/{orderId} and POST /internal/orders/{orderId}/payment-pending.
// And readers for what Payment wrote: the outbox as parsed messages, the refund queue.
// Handlers run on the server's threads, so the fakes lock their state.

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "tinysaga/contracts/codec.h"
#include "tinysaga/platform/caller.h"
#include "tinysaga/storage/db.h"
#include "tinysaga/testing/fake_peer.h"
#include "tinysaga/testing/outbox.h"

namespace tinysaga::payment::fakes {

inline constexpr char kSecret[] = "test-internal-secret";

inline bool FromService(const http::Request& request) {
  auto caller = platform::CallerOf(request, kSecret);
  return caller.ok() && caller->role == platform::CallerRole::kService;
}

inline http::Response Status(int status, const std::string& slug) {
  return http::Response::Json(
      status, {{"type", "https://tinysaga.dev/problems/" + slug}, {"status", status}});
}

class FakeWallet {
 public:
  FakeWallet() {
    peer_.Route("POST", "/internal/debits",
                [this](const http::Request& request) { return Debit(request); });
    peer_.Route("POST", "/internal/refunds",
                [this](const http::Request& request) { return Refund(request); });
    peer_.Start();
  }
  ~FakeWallet() { Release(); }

  void SetBalance(const std::string& user, int64_t cents) {
    std::lock_guard lock(mutex_);
    balances_[user] = cents;
  }
  // The next `count` requests answer 503 without effect; -1: every request until changed.
  void FailNext(int count) {
    std::lock_guard lock(mutex_);
    failures_left_ = count;
  }
  // The next debit is applied, then its answer waits until Release().
  void HangNextDebit() {
    std::lock_guard lock(mutex_);
    hang_next_debit_ = true;
    released_ = false;
  }
  void Release() {
    {
      std::lock_guard lock(mutex_);
      released_ = true;
    }
    release_.notify_all();
  }

  int64_t balance(const std::string& user) {
    std::lock_guard lock(mutex_);
    return balances_.count(user) ? balances_[user] : -1;
  }
  int debit_requests() {
    std::lock_guard lock(mutex_);
    return debit_requests_;
  }
  int refund_requests() {
    std::lock_guard lock(mutex_);
    return refund_requests_;
  }
  std::vector<std::string> debit_operation_ids() {
    std::lock_guard lock(mutex_);
    return debit_operation_ids_;
  }
  size_t debits_applied() {
    std::lock_guard lock(mutex_);
    return debits_.size();
  }
  size_t credits_applied() {
    std::lock_guard lock(mutex_);
    return credits_.size();
  }
  bool voided(const std::string& operation_id) {
    std::lock_guard lock(mutex_);
    return voided_.count(operation_id) > 0;
  }
  const http::Endpoint& endpoint() const { return peer_.endpoint(); }

 private:
  struct Entry {
    std::string id;
    std::string user;
    std::string order;
    int64_t amount = 0;
  };

  bool Failing() {
    if (failures_left_ == 0) return false;
    if (failures_left_ > 0) --failures_left_;
    return true;
  }

  http::Response Debit(const http::Request& request) {
    if (!FromService(request)) return Status(403, "forbidden");
    const nlohmann::json body = nlohmann::json::parse(request.body);
    const std::string operation = body["operationId"];
    std::unique_lock lock(mutex_);
    ++debit_requests_;
    debit_operation_ids_.push_back(operation);
    if (Failing()) return Status(503, "service-unavailable");
    if (voided_.count(operation)) return Status(409, "operation-voided");
    auto found = debits_.find(operation);
    if (found != debits_.end()) {
      if (found->second.amount != body["amount"].get<int64_t>())
        return Status(422, "idempotency-key-reused");
      return http::Response::Json(201, {{"transactionId", found->second.id},
                                        {"balance", balances_[found->second.user]},
                                        {"replayed", true}});
    }
    const std::string user = body["userId"];
    const int64_t amount = body["amount"];
    if (!balances_.count(user) || balances_[user] < amount)
      return Status(402, "insufficient-funds");
    balances_[user] -= amount;
    const Entry entry{"txn_w" + std::to_string(++entries_), user, body["orderId"], amount};
    debits_[operation] = entry;
    const http::Response answer = http::Response::Json(
        201, {{"transactionId", entry.id}, {"balance", balances_[user]}, {"replayed", false}});
    if (hang_next_debit_) {
      hang_next_debit_ = false;
      release_.wait_for(lock, std::chrono::seconds(10), [this] { return released_; });
    }
    return answer;
  }

  http::Response Refund(const http::Request& request) {
    if (!FromService(request)) return Status(403, "forbidden");
    const nlohmann::json body = nlohmann::json::parse(request.body);
    const std::string operation = body["operationId"];
    const std::string debit_operation = body["debitOperationId"];
    std::lock_guard lock(mutex_);
    ++refund_requests_;
    if (Failing()) return Status(503, "service-unavailable");
    const auto answer = [&](int64_t refunded, nlohmann::json id, const std::string& user) {
      return http::Response::Json(
          200,
          {{"refunded", refunded},
           {"transactionId", id},
           {"balance", balances_.count(user) ? nlohmann::json(balances_[user]) : nlohmann::json()},
           {"replayed", false}});
    };
    if (auto credit = credits_.find(operation); credit != credits_.end()) {
      return answer(credit->second.amount, credit->second.id, credit->second.user);
    }
    if (auto debit = debits_.find(debit_operation); debit != debits_.end()) {
      if (debit->second.user != body["userId"]) return Status(422, "idempotency-key-reused");
      const Entry credit{"txn_w" + std::to_string(++entries_), debit->second.user,
                         debit->second.order, debit->second.amount};
      balances_[credit.user] += credit.amount;
      credits_[operation] = credit;
      return answer(credit.amount, credit.id, credit.user);
    }
    voided_[debit_operation] = true;
    return answer(0, nullptr, body["userId"]);
  }

  ::tinysaga::testing::FakePeer peer_;
  std::mutex mutex_;
  std::condition_variable release_;
  std::map<std::string, int64_t> balances_;
  std::map<std::string, Entry> debits_;   // by operation id
  std::map<std::string, Entry> credits_;  // by operation id
  std::map<std::string, bool> voided_;
  std::vector<std::string> debit_operation_ids_;
  int failures_left_ = 0;
  bool hang_next_debit_ = false;
  bool released_ = true;
  int debit_requests_ = 0;
  int refund_requests_ = 0;
  int entries_ = 0;
};

class FakeOrders {
 public:
  FakeOrders() {
    peer_.Route("GET", "/api/orders/{orderId}", [this](const http::Request& request) {
      if (!FromService(request)) return Status(403, "forbidden");
      std::lock_guard lock(mutex_);
      ++gets_;
      if (down_) return Status(503, "service-unavailable");
      auto it = orders_.find(request.PathParam("orderId"));
      if (it == orders_.end()) return Status(404, "not-found");
      return http::Response::Json(200, it->second);
    });
    peer_.Route("POST", "/internal/orders/{orderId}/payment-pending",
                [this](const http::Request& request) {
                  if (!FromService(request)) return Status(403, "forbidden");
                  std::lock_guard lock(mutex_);
                  ++moves_;
                  if (down_ || moves_down_) return Status(503, "service-unavailable");
                  auto it = orders_.find(request.PathParam("orderId"));
                  if (it == orders_.end()) return Status(404, "not-found");
                  if (reject_moves_ || (*it).second["status"] != "INITIATED")
                    return Status(409, "conflict");
                  (*it).second["status"] = "PAYMENT_PENDING";
                  if (lose_move_answer_) return Status(409, "conflict");  // the resent request's
                  return http::Response::Json(200, it->second);
                });
    peer_.Start();
  }

  void Add(const std::string& order_id, const std::string& user, int64_t price,
           const std::string& status = "INITIATED") {
    std::lock_guard lock(mutex_);
    orders_[order_id] = {{"orderId", order_id},
                         {"userId", user},
                         {"productId", "widget"},
                         {"quantity", 2},
                         {"price", price},
                         {"currency", "USD"},
                         {"status", status},
                         {"statusInfo", ""},
                         {"createdAt", "2026-01-01T00:00:00.000Z"},
                         {"updatedAt", "2026-01-01T00:00:00.000Z"},
                         {"history", nlohmann::json::array()}};
  }
  std::string status(const std::string& order_id) {
    std::lock_guard lock(mutex_);
    return orders_.at(order_id)["status"];
  }
  void SetDown(bool down) {
    std::lock_guard lock(mutex_);
    down_ = down;
  }
  void SetMovesDown(bool down) {
    std::lock_guard lock(mutex_);
    moves_down_ = down;
  }
  // payment-pending answers 409 (the order changed meanwhile, e.g. canceled).
  void RejectMoves(bool reject) {
    std::lock_guard lock(mutex_);
    reject_moves_ = reject;
  }
  // payment-pending moves the order but answers 409, as the restarted Order answers the
  // request the HTTP client sent again after the first one's answer was lost with the process.
  void LoseMoveAnswers(bool lose) {
    std::lock_guard lock(mutex_);
    lose_move_answer_ = lose;
  }
  int gets() {
    std::lock_guard lock(mutex_);
    return gets_;
  }
  int moves() {
    std::lock_guard lock(mutex_);
    return moves_;
  }
  const http::Endpoint& endpoint() const { return peer_.endpoint(); }

 private:
  ::tinysaga::testing::FakePeer peer_;
  std::mutex mutex_;
  std::map<std::string, nlohmann::json> orders_;
  bool down_ = false;
  bool moves_down_ = false;
  bool reject_moves_ = false;
  bool lose_move_answer_ = false;
  int gets_ = 0;
  int moves_ = 0;
};

// The outbox reader is shared by every service's tests.
using ::tinysaga::testing::OutboxMessage;
using ::tinysaga::testing::ReadOutbox;

}  // namespace tinysaga::payment::fakes
