#pragma once
// A fixed set of threads running blocking request handlers, fed through a bounded queue so that
// an overloaded server answers 503 at once instead of buffering without limit.
//
// Lifecycle: threads start in the constructor; Stop() (or the destructor) discards queued
// tasks, waits for running ones to return and joins. Thread-safe.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace tinysaga::http::internal {

class WorkerPool {
 public:
  WorkerPool(int threads, size_t queue_max);
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // False (and `task` is dropped) when the queue is full or the pool has stopped.
  bool TryPost(std::function<void()> task);
  void Stop();

 private:
  void Run();

  const size_t queue_max_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<std::function<void()>> queue_;
  size_t idle_threads_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace tinysaga::http::internal
