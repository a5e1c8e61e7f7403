#include "order/events/order_waits.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <set>

#include "tinysaga/core/thread_name.h"

namespace tinysaga::order {

OrderWaits::OrderWaits(Reader reader, const Clock& clock, Options options)
    : reader_(std::move(reader)), clock_(clock), options_(options) {}

OrderWaits::~OrderWaits() { Stop(); }

void OrderWaits::Start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] {
    NameThisThread("order-waits");
    Loop();
  });
}

void OrderWaits::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  RunOnce(/*sweep=*/true);  // stopping: every held request is answered
}

bool OrderWaits::Hold(const OrderId& order_id, const platform::Caller& caller,
                      TimestampMs deadline_ms, uint64_t generation, http::Respond respond) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || held_count_ >= options_.held_max) return false;
    const bool idle = held_.empty();  // the thread sleeps with no timeout: wake it
    held_[order_id.value()].push_back(Held{caller, deadline_ms, std::move(respond)});
    ++held_count_;
    // A commit since the caller's read may have settled the order unseen: look again.
    const bool unseen_commit = generation_.load() != generation;
    if (unseen_commit) notified_.push_back(order_id.value());
    if (!idle && !unseen_commit) return true;
  }
  wake_.notify_one();
  return true;
}

void OrderWaits::Notify(const OrderId& order_id) {
  generation_.fetch_add(1);
  {
    std::lock_guard lock(mutex_);
    if (!held_.contains(order_id.value())) return;
    notified_.push_back(order_id.value());
  }
  wake_.notify_one();
}

size_t OrderWaits::held_count() const {
  std::lock_guard lock(mutex_);
  return held_count_;
}

void OrderWaits::Loop() {
  std::unique_lock lock(mutex_);
  auto next_sweep = std::chrono::steady_clock::now() + options_.sweep_interval;
  while (!stopping_) {
    if (held_.empty()) {
      wake_.wait(lock, [this] { return stopping_ || !held_.empty(); });
      next_sweep = std::chrono::steady_clock::now() + options_.sweep_interval;
      continue;
    }
    wake_.wait_until(lock, next_sweep, [this] { return stopping_ || !notified_.empty(); });
    if (stopping_) break;
    const bool sweep = std::chrono::steady_clock::now() >= next_sweep;
    if (sweep) next_sweep = std::chrono::steady_clock::now() + options_.sweep_interval;
    lock.unlock();
    try {
      RunOnce(sweep);
    } catch (const std::exception& error) {
      spdlog::error("order: waits round failed: {}", error.what());
    }
    lock.lock();
  }
}

void OrderWaits::RunOnce(bool sweep) {
  const TimestampMs now_ms = clock_.NowMs();
  // Which orders to read, each with the caller of one of its requests (any may see it), and
  // whether some request is answered even if a saga still moves the order.
  struct ToRead {
    std::string order_id;
    platform::Caller caller;
    bool answer_if_moving = false;
  };
  std::vector<ToRead> to_read;
  {
    std::lock_guard lock(mutex_);
    std::set<std::string> wanted(notified_.begin(), notified_.end());
    notified_.clear();
    for (const auto& [order_id, requests] : held_) {
      const bool expired = std::any_of(requests.begin(), requests.end(), [&](const Held& held) {
        return held.deadline_ms <= now_ms;
      });
      if (sweep || stopping_ || expired || wanted.contains(order_id)) {
        to_read.push_back({order_id, requests.front().caller, expired || stopping_});
      }
    }
  }
  for (const ToRead& read : to_read) {
    const Look look = reader_(OrderId(read.order_id), read.caller, read.answer_if_moving);
    if (!look.response) continue;  // moving, and nobody's wait is over
    for (Held& held : Settled(read.order_id, look, now_ms)) held.respond(*look.response);
  }
}

std::vector<OrderWaits::Held> OrderWaits::Settled(const std::string& order_id, const Look& look,
                                                  TimestampMs now_ms) {
  std::vector<Held> settled;
  std::lock_guard lock(mutex_);
  auto found = held_.find(order_id);
  if (found == held_.end()) return settled;
  std::vector<Held>& requests = found->second;
  const bool all = !look.saga_moving || stopping_;
  auto kept = std::stable_partition(requests.begin(), requests.end(), [&](const Held& held) {
    return !all && held.deadline_ms > now_ms;
  });
  std::move(kept, requests.end(), std::back_inserter(settled));
  requests.erase(kept, requests.end());
  held_count_ -= settled.size();
  if (requests.empty()) held_.erase(found);
  return settled;
}

}  // namespace tinysaga::order
