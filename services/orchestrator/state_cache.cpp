#include "orchestrator/state_cache.h"

namespace tinysaga::orchestrator {

std::shared_ptr<const LoadedSaga> StateCache::Find(const SagaId& saga_id,
                                                   std::string_view document) const {
  std::lock_guard lock(mutex_);
  auto found = entries_.find(saga_id.value());
  if (found == entries_.end() || found->second.document != document) return nullptr;
  return found->second.saga;
}

void StateCache::Remember(std::string document, LoadedSaga saga) {
  const std::string saga_id = saga.state.saga_id.value();
  std::shared_ptr<const LoadedSaga> kept =
      saga.state.terminal() ? nullptr : std::make_shared<const LoadedSaga>(std::move(saga));
  std::lock_guard lock(mutex_);
  if (!kept) {
    entries_.erase(saga_id);
    return;
  }
  auto found = entries_.find(saga_id);
  if (found != entries_.end()) {
    found->second = Entry{std::move(document), std::move(kept)};
    return;
  }
  if (entries_.size() >= capacity_) entries_.erase(entries_.begin());
  entries_.emplace(saga_id, Entry{std::move(document), std::move(kept)});
}

size_t StateCache::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

}  // namespace tinysaga::orchestrator
