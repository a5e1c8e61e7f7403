#include "worker_pool.h"

#include <utility>

#include "tinysaga/core/thread_name.h"

namespace tinysaga::http::internal {

WorkerPool::WorkerPool(int threads, size_t queue_max) : queue_max_(queue_max) {
  int count = threads > 0 ? threads : 1;
  threads_.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    threads_.emplace_back([this] {
      NameThisThread("http-worker");
      Run();
    });
  }
}

WorkerPool::~WorkerPool() { Stop(); }

bool WorkerPool::TryPost(std::function<void()> task) {
  std::unique_lock lock(mutex_);
  if (stopping_ || queue_.size() >= queue_max_) return false;
  queue_.push_back(std::move(task));
  // Only wake a thread when one sleeps: under load every worker is busy and the futex call
  // would be wasted.
  bool wake = idle_threads_ > 0;
  lock.unlock();
  if (wake) wake_.notify_one();
  return true;
}

void WorkerPool::Stop() {
  std::deque<std::function<void()>> discarded;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    discarded.swap(queue_);
  }
  wake_.notify_all();
  discarded.clear();  // outside the lock: destroying a task may post to an I/O thread
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
}

void WorkerPool::Run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    ++idle_threads_;
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    --idle_threads_;
    if (stopping_) return;
    std::function<void()> task = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    task();  // tasks catch their own exceptions
    task = nullptr;
    lock.lock();
  }
}

}  // namespace tinysaga::http::internal
