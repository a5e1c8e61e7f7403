#include "order/events/order_watcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>

#include "order/handlers/order_json.h"
#include "order/order_repository.h"
#include "tinysaga/core/thread_name.h"

namespace tinysaga::order {
namespace {

// Compact, one line, and never throwing on text that is not UTF-8.
std::string CompactJson(const nlohmann::json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

OrderEventWatcher::OrderEventWatcher(storage::Db& db, const Clock& clock, SagaSource saga_source,
                                     Options options)
    : db_(db), clock_(clock), saga_source_(std::move(saga_source)), options_(options) {}

OrderEventWatcher::~OrderEventWatcher() { Stop(); }

void OrderEventWatcher::Start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] {
    NameThisThread("order-watcher");
    Loop();
  });
}

void OrderEventWatcher::Stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  // The thread is gone (or never ran): the entries are ours now.
  std::vector<Entry> pending;
  {
    std::lock_guard lock(mutex_);
    pending.swap(pending_);
  }
  for (Entry& entry : entries_) entry.stream->Close();
  for (Entry& entry : pending) entry.stream->Close();
  entries_.clear();
  stream_count_ = 0;
}

bool OrderEventWatcher::Watch(const OrderId& order_id, std::shared_ptr<http::Stream> stream) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_ && stream_count_.load() < options_.streams_max) {
      pending_.push_back(Entry{order_id, std::move(stream), {}, false, false});
      ++stream_count_;
      woken_ = true;
      wake_.notify_all();
      return true;
    }
  }
  spdlog::warn("order: event stream for order={} refused: {} streams open", order_id.value(),
               stream_count_.load());
  stream->Close();
  return false;
}

void OrderEventWatcher::Notify(const OrderId& /*order_id*/) {
  if (stream_count_.load() == 0) return;
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

void OrderEventWatcher::Loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    try {
      RunOnce();
    } catch (const std::exception& error) {
      spdlog::error("order: event watcher round failed: {}", error.what());
    }
    lock.lock();
    auto woken = [this] { return stopping_ || woken_; };
    if (entries_.empty() && pending_.empty()) {
      wake_.wait(lock, woken);  // idle: nothing to poll until a stream comes
    } else {
      wake_.wait_for(lock, options_.order_poll_interval, woken);
    }
    woken_ = false;
  }
}

void OrderEventWatcher::AdoptNewStreams(TimestampMs now_ms) {
  std::vector<Entry> adopted;
  {
    std::lock_guard lock(mutex_);
    adopted.swap(pending_);
  }
  for (Entry& entry : adopted) {
    entry.state = OpenEventStream(now_ms);
    entries_.push_back(std::move(entry));
  }
}

void OrderEventWatcher::RunOnce() {
  const TimestampMs now_ms = clock_.NowMs();
  AdoptNewStreams(now_ms);
  const bool saga_due = now_ms >= next_saga_poll_ms_;
  if (saga_due) next_saga_poll_ms_ = now_ms + options_.saga_poll_interval_ms;
  bool orchestrator_answering = true;

  // Streams of one order share its reads: walk them in groups.
  std::stable_sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
    return a.order_id.value() < b.order_id.value();
  });
  for (auto group = entries_.begin(); group != entries_.end();) {
    auto group_end = std::find_if(group, entries_.end(), [&](const Entry& entry) {
      return entry.order_id != group->order_id;
    });
    std::span<Entry> streams(group, group_end);
    const OrderId order_id = group->order_id;
    std::optional<OrderObservation> order = ObserveOrder(order_id, streams);

    SagaObservation saga;  // kUnknown: not asked
    const bool ask_saga = std::any_of(streams.begin(), streams.end(), [&](const Entry& entry) {
      return WantsSaga(entry.state) && (saga_due || !entry.saga_asked);
    });
    if (orchestrator_answering && ask_saga) {
      saga = saga_source_(order_id);
      if (saga.presence == SagaPresence::kUnknown) orchestrator_answering = false;
      for (Entry& entry : streams) entry.saga_asked = true;
    }
    for (Entry& entry : streams) Advance(entry, order, saga, now_ms);
    group = group_end;
  }

  std::erase_if(entries_, [](const Entry& entry) { return entry.done; });
  std::lock_guard lock(mutex_);
  stream_count_ = entries_.size() + pending_.size();
}

std::optional<OrderObservation> OrderEventWatcher::ObserveOrder(const OrderId& order_id,
                                                                std::span<Entry> streams) {
  auto watch = db_.Read<std::optional<OrderWatchState>>(
      [&](soci::session& session) { return FindOrderWatchState(session, order_id); });
  if (!watch.ok()) {
    spdlog::debug("order: event watcher cannot read order={}: {}", order_id.value(),
                  watch.error().detail);
    return std::nullopt;  // try again next round
  }
  if (!*watch) {  // orders are never deleted; nothing left to show
    for (Entry& entry : streams) entry.done = true;
    return std::nullopt;
  }
  OrderObservation order{OrderVersion{(*watch)->history_count, (*watch)->cancel_requested},
                         IsTerminal((*watch)->status), ""};
  const bool needed = std::any_of(streams.begin(), streams.end(), [&](const Entry& entry) {
    return NeedsOrderJson(entry.state, order.version);
  });
  if (!needed) return order;

  // The history first, then the order: if a change commits in between, the order row is the
  // newer one, so the version (from the history) is the older one and the next round sends
  // again. The other way round a stream could keep a stale status.
  auto loaded = db_.Read<OrderObservation>([&](soci::session& session) -> Result<OrderObservation> {
    std::vector<StatusChange> history = ListStatusChanges(session, order_id);
    std::optional<Order> found = FindOrder(session, order_id);
    if (!found) return MakeError(Errc::kNotFound, "order vanished");
    return OrderObservation{
        OrderVersion{static_cast<int64_t>(history.size()), found->cancel_requested()},
        IsTerminal(found->status), CompactJson(OrderJson(*found, history))};
  });
  if (!loaded.ok()) return std::nullopt;
  return std::move(loaded).value();
}

void OrderEventWatcher::Advance(Entry& entry, const std::optional<OrderObservation>& order,
                                const SagaObservation& saga, TimestampMs now_ms) {
  if (entry.done || entry.stream->closed()) {
    entry.done = true;  // the client went
    return;
  }
  EventStreamStep step = AdvanceEventStream(entry.state, order, saga, now_ms, options_.limits);
  if (!step.chunk.empty() && !entry.stream->Write(std::move(step.chunk))) entry.done = true;
  if (step.close) {
    entry.stream->Close();
    entry.done = true;
  }
}

}  // namespace tinysaga::order
